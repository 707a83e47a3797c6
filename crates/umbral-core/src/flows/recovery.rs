//! "Forgot your password?" (`docs/flows/recovery-and-invitations.md`): always the same answer and the same work, whether
//! the address has an account or not; a single-use link (256-bit, stored hashed, 1 hour, replaced
//! by a newer one) opens "Choose a new password"; afterwards every session and trusted device of
//! the user has ended, and the second factor is still asked at the next sign-in.

use crate::accounts::UserStatus;
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::throttle::{account_key, refuse_while_blocked};
use crate::clock::Span;
use crate::error::CoreError;
use crate::outbox::{OutboxMessage, templates};
use crate::policy::ThrottlePolicy;
use crate::ports::{AccountStore, RecoveryStore, ThrottleStore};
use crate::ports::{CodeStore, FactorStore, SessionStore};
use crate::ports::{PasswordResetRecord, PasswordResetRequest};
use crate::secrets;
use crate::service::Umbral;
use crate::types::{Email, Locale};

/// Link purposes.
pub(crate) const RESET: &str = "reset";
pub(crate) const INVITE: &str = "invite";

impl<S: ?Sized + AccountStore + CodeStore + FactorStore + RecoveryStore + SessionStore + ThrottleStore>
    Umbral<S>
{
    fn recovery_throttle(&self) -> ThrottlePolicy {
        ThrottlePolicy {
            window: self.config.recovery.window,
            base_delay: Span::secs(30),
            max_delay: self.config.recovery.window,
            ..ThrottlePolicy::default()
        }
    }

    /// Asks for a link. The answer never depends on whether the address has an account; only a
    /// malformed address or too many requests (for that address or from that IP, whoever owns
    /// it) are errors.
    pub async fn request_password_reset(
        &self,
        email: &str,
        locale: Locale,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let email = Email::parse(email).map_err(|e| CoreError::Validation(vec![e]))?;
        let key = email.key();
        let limit_keys = [
            format!("recover:account:{key}"),
            format!("recover:ip:{}", crate::auth::throttle::client_net(&meta.ip)),
        ];
        let throttle = self.recovery_throttle();
        let policy = &self.config.recovery;
        let found = self
            .store
            .sign_in_lookup(&key, [&limit_keys[0], &limit_keys[1], ""])
            .await?;
        let now = self.now();
        for (state, free) in [
            (found.limits[0], policy.per_account),
            (found.limits[1], policy.per_ip),
        ] {
            refuse_while_blocked(state, &throttle, free, now)?;
        }
        let user = found
            .account
            .map(|(u, _)| u)
            .filter(|u| u.status == UserStatus::Active);
        let token = secrets::new_token()?;
        let link_path = format!("/recover/complete?token={token}");
        let message = match &user {
            Some(u) => OutboxMessage::email(
                now,
                &u.email,
                templates::PASSWORD_RESET,
                Locale::from_tag(&u.locale).unwrap_or(locale),
                &[("name", u.name.as_str()), ("link_path", &link_path)],
            )?,
            // Never sent, and it names no one.
            None => OutboxMessage::email(
                now,
                "",
                templates::PASSWORD_RESET,
                locale,
                &[("name", ""), ("link_path", &link_path)],
            )?,
        };
        let mut audit = AuditEvent::new(
            now,
            "password_reset.requested",
            user.as_ref().map(|u| u.id.as_str()),
            meta,
        )?;
        audit.actor_user_id = None;
        if user.is_none() {
            audit.details = "account=none".to_string();
        }
        let request = PasswordResetRequest {
            limit_keys,
            window_ms: throttle.window.as_ms(),
            record: PasswordResetRecord {
                token_hash: secrets::hash_token(&token),
                purpose: RESET.to_string(),
                user_id: user.as_ref().map(|u| u.id.clone()),
                superseded: false,
                created_at: now,
                expires_at: now + policy.link_ttl.as_ms(),
                used_at: None,
            },
            deliver: user.is_some(),
            message,
            audit,
        };
        self.store.request_password_reset(&request).await?;
        // The outbox's next pass sends it (within `outbox.poll_seconds`): waking the sender now
        // would make this request's neighbours slower only when the address has an account.
        Ok(())
    }

    /// The user a live link belongs to (the "Choose a new password" page checks it first).
    pub async fn password_reset_user(&self, token: &str) -> Result<crate::accounts::User, CoreError> {
        self.link_user(token, RESET).await
    }

    /// The user a live link of `purpose` belongs to.
    pub(crate) async fn link_user(
        &self,
        token: &str,
        purpose: &str,
    ) -> Result<crate::accounts::User, CoreError> {
        if token.is_empty() || token.len() > 100 {
            return Err(CoreError::invalid("token", "reset.link_invalid"));
        }
        let record = self
            .store
            .password_reset(&secrets::hash_token(token))
            .await?
            .ok_or(CoreError::invalid("token", "reset.link_invalid"))?;
        if record.used_at.is_some() || record.superseded || record.purpose != purpose {
            return Err(CoreError::invalid("token", "reset.link_invalid"));
        }
        if self.now() >= record.expires_at {
            return Err(CoreError::invalid("token", "reset.link_expired"));
        }
        let user_id = record
            .user_id
            .ok_or(CoreError::invalid("token", "reset.link_invalid"))?;
        self.store
            .user_by_id(&user_id)
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or(CoreError::invalid("token", "reset.link_invalid"))
    }

    /// Sets the new password with the link, once.
    pub async fn complete_password_reset(
        &self,
        token: &str,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = self.password_reset_user(token).await?;
        let password = self
            .new_password(new_password, &user.email, &user.name)
            .await?
            .map_err(|e| CoreError::Validation(vec![e]))?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.now();
        let audit = AuditEvent::new(now, "password.reset", Some(user.id.as_str()), meta)?;
        if self
            .store
            .complete_password_reset(&secrets::hash_token(token), &user.id, &hash, now, &audit)
            .await?
        {
            // Whoever kept guessing the old password no longer keeps the owner out.
            if let Ok(email) = Email::parse(&user.email)
                && let Err(e) = self.store.throttle_clear(&account_key(&email.key())).await
            {
                tracing::warn!(error = %e, "could not lift the account's sign-in limit");
            }
            Ok(())
        } else {
            Err(CoreError::invalid("token", "reset.link_invalid"))
        }
    }
}
