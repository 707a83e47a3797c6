//! Lost every factor (`docs/flows/two-factor.md`): the user asks from the challenge page, confirms from the
//! registered email, and staff approve or reject through the admin API (or the command line).
//! Approval removes the factors, ends the sessions and the trusted devices; the next sign-in
//! enrolls again.

use crate::audit::{AuditEvent, RequestMeta};
use crate::clock::Span;
use crate::error::CoreError;
use crate::flows::Next;
use crate::flows::session::Authenticated;
use crate::outbox::{OutboxMessage, templates};
use crate::ports::FactorResetRow;
use crate::ports::FactorResetStore;
use crate::secrets;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiScope, FactorReset, ResetStatus};
use crate::types::Locale;

/// How long the confirmation link works.
const LINK_TTL: Span = Span::hours(24);

impl<S: ?Sized + FactorResetStore> Umbral<S> {
    /// "I can't use any of my methods": opens a request and mails its confirmation link to the
    /// registered address. A request already confirmed and waiting for staff is not replaced.
    pub async fn request_factor_reset(
        &self,
        auth: &Authenticated,
        locale: Locale,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.confirmed_user()?;
        if auth.next != Next::SecondFactor {
            return Err(CoreError::StepRequired(auth.next));
        }
        let uid = user.id.as_str();
        if let Some(open) = self.store.open_factor_reset(&user.id).await? {
            if open.status == ResetStatus::Pending {
                return Err(CoreError::AlreadyDone);
            }
            // One new link a minute at most.
            if self.now() - open.created_at < 60_000 {
                let secs = u64::try_from((open.created_at + 60_000 - self.now() + 999) / 1000).unwrap_or(1);
                return Err(CoreError::ResendTooSoon {
                    retry_after_secs: secs,
                });
            }
        }
        let now = self.now();
        let token = secrets::new_token()?;
        let reset = FactorReset {
            id: secrets::new_id(now)?,
            user_id: uid.to_string(),
            status: ResetStatus::Unconfirmed,
            token_hash: secrets::hash_token(&token),
            token_expires_at: now + LINK_TTL.as_ms(),
            created_at: now,
            confirmed_at: None,
            decided_at: None,
            decided_by: None,
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.chars().take(300).collect(),
        };
        let message = OutboxMessage::email(
            now,
            &user.email,
            templates::FACTOR_RESET_CONFIRM,
            Locale::from_tag(&user.locale).unwrap_or(locale),
            &[
                ("name", &user.name),
                ("link_path", &format!("/factor-reset/confirm?token={token}")),
            ],
        )?;
        let audit = AuditEvent::new(now, "factor_reset.requested", Some(uid), meta)?
            .details(format!("reset={}", reset.id));
        self.store.put_factor_reset(&reset, &message, &audit).await?;
        self.outbox_wakeup.notify_one();
        Ok(())
    }

    /// The link from the email: the request now waits for staff.
    pub async fn confirm_factor_reset(&self, token: &str, meta: &RequestMeta) -> Result<(), CoreError> {
        if token.is_empty() || token.len() > 100 {
            return Err(CoreError::invalid("token", "reset.link_invalid"));
        }
        let reset = self
            .store
            .factor_reset_by_token(&secrets::hash_token(token))
            .await?
            .ok_or(CoreError::invalid("token", "reset.link_invalid"))?;
        match reset.status {
            ResetStatus::Pending => return Ok(()),
            ResetStatus::Unconfirmed => {}
            _ => return Err(CoreError::invalid("token", "reset.link_invalid")),
        }
        let now = self.now();
        if now >= reset.token_expires_at {
            return Err(CoreError::invalid("token", "reset.link_expired"));
        }
        let mut audit = AuditEvent::new(now, "factor_reset.confirmed", Some(&reset.user_id), meta)?
            .details(format!("reset={}", reset.id));
        audit.actor_user_id = None;
        self.store.confirm_factor_reset(&reset.id, now, &audit).await?;
        Ok(())
    }

    /// Requests staff see: with the requester's data; an organization's key sees its own only.
    pub async fn factor_resets(
        &self,
        actor: &ApiActor,
        status: Option<ResetStatus>,
    ) -> Result<Vec<FactorResetRow>, CoreError> {
        let org = match &actor.scope {
            ApiScope::Staff => None,
            ApiScope::Organization(id) => Some(id.0.as_str()),
        };
        self.store
            .list_factor_resets(status, org, 200)
            .await
            .map_err(CoreError::from)
    }

    /// Approves or rejects a confirmed request. Approval removes every factor and recovery code,
    /// ends the sessions and trusted devices, and makes the next sign-in enroll. The user is told
    /// by email either way.
    pub async fn decide_factor_reset(
        &self,
        actor: &ApiActor,
        id: &str,
        approve: bool,
        meta: &RequestMeta,
    ) -> Result<FactorResetRow, CoreError> {
        let row = self
            .store
            .factor_reset(id)
            .await?
            .filter(|r| actor.scope.reaches(r.membership.as_ref().map(|m| &m.org_id)))
            .ok_or(CoreError::NotFound)?;
        match row.reset.status {
            ResetStatus::Pending => {}
            ResetStatus::Unconfirmed => return Err(CoreError::invalid("status", "reset.not_confirmed")),
            _ => return Err(CoreError::AlreadyDone),
        }
        let now = self.now();
        let uid = row.user.id.as_str();
        let event = if approve {
            "factor_reset.approved"
        } else {
            "factor_reset.rejected"
        };
        let mut audit = vec![AuditEvent::new(now, event, Some(uid), meta)?.details(format!(
            "reset={};by={}",
            id,
            actor.audit_name()
        ))];
        if approve {
            audit.push(
                AuditEvent::new(now, "factor.removed", Some(uid), meta)?.details("all;by=factor_reset"),
            );
            audit.push(
                AuditEvent::new(now, "session.ended", Some(uid), meta)?
                    .details("reason=revoked;by=factor_reset"),
            );
        }
        for e in &mut audit {
            e.actor_user_id = None;
            if let Some(m) = &row.membership {
                e.org_id = Some(m.org_id.0.clone());
            }
        }
        let message = OutboxMessage::email(
            now,
            &row.user.email,
            if approve {
                templates::FACTOR_RESET_APPROVED
            } else {
                templates::FACTOR_RESET_REJECTED
            },
            Locale::from_tag(&row.user.locale).unwrap_or_default(),
            &[("name", &row.user.name)],
        )?;
        let done = self
            .store
            .decide_factor_reset(&row.reset, approve, now, &actor.audit_name(), &message, &audit)
            .await?;
        if !done {
            return Err(CoreError::AlreadyDone);
        }
        self.outbox_wakeup.notify_one();
        let mut row = row;
        row.reset.status = if approve {
            ResetStatus::Approved
        } else {
            ResetStatus::Rejected
        };
        row.reset.decided_at = Some(now);
        row.reset.decided_by = Some(actor.audit_name());
        Ok(row)
    }
}
