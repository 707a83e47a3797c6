//! An organization's owner and admins manage its members (`/settings/organization`): invite,
//! change roles, deactivate, remove; the owner hands the owner role to another member after a
//! fresh second-factor check, and every member's trusted devices then ask again (`docs/flows/two-factor.md`).
//! Every rule is checked here: an admin never reaches another organization, a member never acts
//! as an admin.

use crate::accounts::{Membership, Role, User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::clock::Span;
use crate::error::CoreError;
use crate::factors::{FactorKind, Method, Proof, recovery_codes, totp};
use crate::flows::input::parse_code6;
use crate::flows::invitations::NewUserInput;
use crate::flows::session::Authenticated;
use crate::outbox::{OutboxMessage, templates};
use crate::ports::{AccountStore, OrganizationStore};
use crate::ports::{CodeStore, FactorStore, RecoveryStore, SessionStore, ThrottleStore};
use crate::ports::{JoinInvitation, JoinOffer, JoinOutcome, MemberRow};
use crate::staff::{ApiActor, ApiScope};
use crate::types::UserId;

/// How long an invitation to an existing account waits, like a new account's invitation link.
const JOIN_INVITATION_TTL: Span = Span::days(7);
use crate::service::Umbral;

impl<
    S: ?Sized
        + AccountStore
        + CodeStore
        + FactorStore
        + OrganizationStore
        + RecoveryStore
        + SessionStore
        + ThrottleStore,
> Umbral<S>
{
    /// The signed-in owner or admin and their organization; members are refused.
    fn manager<'a>(&self, auth: &'a Authenticated) -> Result<(&'a User, &'a Membership), CoreError> {
        let user = auth.complete_user()?;
        let m = auth.membership.as_ref().ok_or(CoreError::Forbidden)?;
        match m.role {
            Role::Owner | Role::Admin => Ok((user, m)),
            Role::Member => Err(CoreError::Forbidden),
        }
    }

    /// A member of the manager's organization (anyone else is "not found").
    async fn member(&self, m: &Membership, user_id: &UserId) -> Result<MemberRow, CoreError> {
        self.store
            .members_of(&m.org_id, self.now())
            .await?
            .into_iter()
            .find(|r| r.user.id == user_id)
            .ok_or(CoreError::NotFound)
    }

    fn org_event(
        &self,
        event: &str,
        actor: &User,
        subject: &str,
        m: &Membership,
        meta: &RequestMeta,
    ) -> Result<AuditEvent, CoreError> {
        let mut e = AuditEvent::new(self.now(), event, Some(subject), meta)?.org(m.org_id.as_str());
        e.actor_user_id = Some(actor.id.0.clone());
        Ok(e)
    }

    pub async fn members(&self, auth: &Authenticated) -> Result<Vec<MemberRow>, CoreError> {
        let (_, m) = self.manager(auth)?;
        self.store
            .members_of(&m.org_id, self.now())
            .await
            .map_err(CoreError::from)
    }

    /// Invites someone into the organization as a member or admin.
    pub async fn invite_member(
        &self,
        auth: &Authenticated,
        email: &str,
        name: &str,
        role: Role,
        meta: &RequestMeta,
    ) -> Result<String, CoreError> {
        let (user, m) = self.manager(auth)?;
        if role == Role::Owner {
            return Err(CoreError::invalid("role", "user.role_invalid"));
        }
        let actor = ApiActor {
            key_id: String::new(),
            name: user.name.clone(),
            scope: ApiScope::Organization(m.org_id.clone()),
            user_id: Some(user.id.0.clone()),
        };
        let input = NewUserInput {
            email: email.to_string(),
            name: name.to_string(),
            locale: crate::types::Locale::from_tag(&user.locale).unwrap_or_default(),
            org_id: Some(m.org_id.0.clone()),
            role,
            staff: false,
        };
        let (email, name) = input.parse()?;
        let existing = self.store.user_by_email_key(&email.key()).await?;
        let existing = match existing {
            Some(u) => u,
            None => match self.create_user(&actor, &input, meta).await {
                Ok((id, _)) => return Ok(id),
                // Registered meanwhile: it goes on as an invitation to an existing account.
                Err(CoreError::Validation(e)) if e.iter().any(|f| f.code == "user.email_taken") => self
                    .store
                    .user_by_email_key(&email.key())
                    .await?
                    .ok_or(CoreError::invalid("email", "user.email_taken"))?,
                Err(e) => return Err(e),
            },
        };
        self.invite_existing(user, m, &existing, name.as_str(), role, meta)
            .await
    }

    /// The same answer as for a new address (an id made now, the invitation sent), so that an
    /// organization cannot learn who has an account. The person is told by email and sees the
    /// invitation after signing in. A staff account or a member already here gets nothing.
    async fn invite_existing(
        &self,
        inviter: &User,
        m: &Membership,
        invitee: &User,
        name: &str,
        role: Role,
        meta: &RequestMeta,
    ) -> Result<String, CoreError> {
        let now = self.now();
        let id = crate::secrets::new_id(now)?;
        if invitee.is_staff || invitee.id == inviter.id {
            return Ok(id);
        }
        let invitation = JoinInvitation {
            id: id.clone(),
            org_id: m.org_id.clone(),
            user_id: invitee.id.clone(),
            name: name.to_string(),
            role,
            invited_by: inviter.name.clone(),
            created_at: now,
            expires_at: now + JOIN_INVITATION_TTL.as_ms(),
        };
        let locale = crate::types::Locale::from_tag(&invitee.locale).unwrap_or_default();
        let message = OutboxMessage::email(
            now,
            &invitee.email,
            templates::JOIN_INVITATION,
            locale,
            &[
                ("name", invitee.name.as_str()),
                ("inviter", inviter.name.as_str()),
                ("organization", m.org_name.as_str()),
                ("link_path", "/join"),
            ],
        )?;
        let audit = self
            .org_event("member.invited", inviter, invitee.id.as_str(), m, meta)?
            .details(format!("role={};invitation={id}", role.as_str()));
        self.store.invite_to_join(&invitation, &message, &audit).await?;
        self.outbox_wakeup.notify_one();
        Ok(id)
    }

    /// The invitations to join an organization waiting for the signed-in person.
    pub async fn join_offers(&self, auth: &Authenticated) -> Result<Vec<JoinOffer>, CoreError> {
        let user = auth.signed_in_user()?;
        self.store
            .join_offers(&user.id, self.now())
            .await
            .map_err(CoreError::from)
    }

    /// Joins the organization of an invitation; the person leaves the one they are in (see
    /// `OrganizationStore::accept_join` for what happens to it).
    pub async fn accept_join(
        &self,
        auth: &Authenticated,
        invitation_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.signed_in_user()?;
        let now = self.now();
        let joined = AuditEvent::new(now, "member.joined", Some(user.id.as_str()), meta)?
            .details(format!("invitation={invitation_id}"));
        let left = AuditEvent::new(now, "member.left", Some(user.id.as_str()), meta)?
            .details(format!("invitation={invitation_id}"));
        match self
            .store
            .accept_join(invitation_id, &user.id, now, &joined, &left)
            .await?
        {
            JoinOutcome::Joined => Ok(()),
            JoinOutcome::NotFound => Err(CoreError::invalid("invitation", "org.invitation_invalid")),
            JoinOutcome::OwnerOfActiveOrganization => {
                Err(CoreError::invalid("invitation", "org.join_owner_busy"))
            }
        }
    }

    /// Declines an invitation; the organization sees it no more.
    pub async fn decline_join(
        &self,
        auth: &Authenticated,
        invitation_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.signed_in_user()?;
        let audit = AuditEvent::new(self.now(), "member.declined", Some(user.id.as_str()), meta)?
            .details(format!("invitation={invitation_id}"));
        self.store
            .decline_join(invitation_id, &user.id, &audit)
            .await?
            .then_some(())
            .ok_or(CoreError::invalid("invitation", "org.invitation_invalid"))
    }

    /// Member <-> admin. The owner's role changes only by a transfer.
    pub async fn set_member_role(
        &self,
        auth: &Authenticated,
        user_id: &UserId,
        role: Role,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let (actor, m) = self.manager(auth)?;
        let target = self.member(m, user_id).await?;
        if role == Role::Owner || target.role == Role::Owner {
            return Err(CoreError::invalid("role", "org.owner_by_transfer"));
        }
        let audit = self
            .org_event("member.role_changed", actor, user_id.as_str(), m, meta)?
            .details(format!("role={}", role.as_str()));
        self.store
            .set_member_role(&m.org_id, user_id, role, &audit)
            .await?
            .then_some(())
            .ok_or(CoreError::NotFound)
    }

    /// Deactivates (signs out and locks) or reactivates a member; never the owner or oneself.
    pub async fn set_member_active(
        &self,
        auth: &Authenticated,
        user_id: &UserId,
        active: bool,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let (actor, m) = self.manager(auth)?;
        let target = self.member(m, user_id).await?;
        if target.role == Role::Owner || target.user.id == actor.id {
            return Err(CoreError::invalid("user", "org.not_owner_or_self"));
        }
        if target.invited {
            return Err(CoreError::invalid("user", "org.invitation_pending"));
        }
        if (target.user.status == UserStatus::Active) == active {
            return Ok(());
        }
        let event = if active {
            "member.reactivated"
        } else {
            "member.deactivated"
        };
        let audit = self.org_event(event, actor, user_id.as_str(), m, meta)?;
        self.store
            .set_member_active(&m.org_id, user_id, active, &audit)
            .await?
            .then_some(())
            .ok_or(CoreError::NotFound)
    }

    /// Removes a member from the organization; never the owner or oneself.
    pub async fn remove_member(
        &self,
        auth: &Authenticated,
        user_id: &UserId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let (actor, m) = self.manager(auth)?;
        let target = self.member(m, user_id).await?;
        if target.role == Role::Owner || target.user.id == actor.id {
            return Err(CoreError::invalid("user", "org.not_owner_or_self"));
        }
        let audit = self.org_event("member.removed", actor, user_id.as_str(), m, meta)?;
        self.store
            .remove_member(&m.org_id, user_id, &audit)
            .await?
            .then_some(())
            .ok_or(CoreError::NotFound)
    }

    /// The owner hands the owner role to another active member, proving a second factor again
    /// (a current authenticator code or a recovery code), in the same transaction.
    pub async fn transfer_ownership(
        &self,
        auth: &Authenticated,
        new_owner: &UserId,
        method: Method,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let (actor, m) = self.manager(auth)?;
        if m.role != Role::Owner {
            return Err(CoreError::Forbidden);
        }
        let target = self.member(m, new_owner).await?;
        if target.user.id == actor.id || target.user.status != UserStatus::Active || target.invited {
            return Err(CoreError::invalid("user", "org.not_owner_or_self"));
        }
        let uid = actor.id.as_str();
        self.factor_limit(uid).await?;
        let now = self.now();
        let proof = match method {
            Method::Totp => {
                let code = parse_code6(code)?;
                let mut found = None;
                for f in auth.factors.iter().filter(|f| f.kind == FactorKind::Totp) {
                    let Some(sealed) = f.secret_sealed.as_deref() else {
                        continue;
                    };
                    let key = self.config.secret_key.open(sealed, f.id.as_str())?;
                    if let Some(step) = totp::matching_step(&key, code, now)? {
                        found = Some(Proof::TotpStep {
                            factor_id: f.id.clone(),
                            step,
                        });
                        break;
                    }
                }
                found
            }
            Method::RecoveryCode if recovery_codes::looks_valid(code) => Some(Proof::RecoveryCode {
                code_hash: recovery_codes::hash(uid, code),
            }),
            Method::RecoveryCode => return Err(CoreError::invalid("code", "code.recovery_format")),
            _ => return Err(CoreError::invalid("method", "factor.method_unavailable")),
        };
        let Some(proof) = proof else {
            return Err(CoreError::InvalidCode);
        };
        let audit = self
            .org_event(
                "organization.owner_transferred",
                actor,
                new_owner.as_str(),
                m,
                meta,
            )?
            .details(format!("from={uid};method={}", method.as_str()));
        if !self
            .store
            .transfer_ownership(&m.org_id, &actor.id, new_owner, &proof, now, &audit)
            .await?
        {
            return Err(CoreError::InvalidCode);
        }
        self.clear_factor_limit(uid).await;
        Ok(())
    }
}
