//! Users created by staff (`docs/flows/recovery-and-invitations.md`): an invitation link (7 days) sets the first password;
//! then the user goes on with two-factor set-up per policy. Until then no password signs them in
//! ("Forgot your password?" works too).

use crate::accounts::{Role, User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::clock::Span;
use crate::error::CoreError;
use crate::flows::login::LoginOutcome;
use crate::flows::recovery::INVITE;
use crate::outbox::{OutboxMessage, templates};
use crate::ports::RecoveryStore;
use crate::ports::{AccountStore, CodeStore, FactorStore, SessionStore, ThrottleStore};
use crate::ports::{NewInvitation, NewOrganization, PasswordResetRecord, StoreError};
use crate::secrets;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiScope};
use crate::types::{Email, Locale, OrgId, PersonName, UserId};

const INVITATION_TTL: Span = Span::days(7);

/// Who is created, and where.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    pub locale: Locale,
    /// Join this organization; without it the user gets one of their own, as its owner.
    pub org_id: Option<String>,
    pub role: Role,
    /// A staff account (staff scope only): no organization.
    pub staff: bool,
}

impl NewUserInput {
    /// The email and name, or every field error at once.
    pub fn parse(&self) -> Result<(Email, PersonName), CoreError> {
        let mut errors = Vec::new();
        let email = Email::parse(&self.email).map_err(|e| errors.push(e)).ok();
        let name = PersonName::parse(&self.name).map_err(|e| errors.push(e)).ok();
        match (email, name) {
            (Some(email), Some(name)) => Ok((email, name)),
            _ => Err(CoreError::Validation(errors)),
        }
    }
}

impl<S: ?Sized + AccountStore + CodeStore + FactorStore + RecoveryStore + SessionStore + ThrottleStore>
    Umbral<S>
{
    /// Creates a user with no password and mails the invitation. An organization's key creates
    /// users in its own organization only.
    pub async fn create_user(
        &self,
        actor: &ApiActor,
        input: &NewUserInput,
        meta: &RequestMeta,
    ) -> Result<(String, String), CoreError> {
        let (email, name) = input.parse()?;
        if input.staff && actor.scope != ApiScope::Staff {
            return Err(CoreError::Forbidden);
        }
        let org_id = match (&actor.scope, &input.org_id) {
            (ApiScope::Organization(own), None) => Some(own.0.clone()),
            (scope, Some(id)) => {
                if !scope.reaches(Some(&crate::types::OrgId(id.clone()))) {
                    return Err(CoreError::NotFound);
                }
                Some(id.clone())
            }
            (ApiScope::Staff, None) => None,
        };
        let now = self.now();
        let user_id = secrets::new_id(now)?;
        let (org_id, new_org, role) = match org_id {
            _ if input.staff => (String::new(), None, Role::Member),
            Some(id) => (id, None, input.role),
            None => {
                let id = secrets::new_id(now)?;
                let org = NewOrganization {
                    id: id.clone(),
                    name: name.as_str().to_string(),
                    created_at: now,
                    setup: crate::ports::OrgSetup::Ready,
                    plan_choice: None,
                };
                (id, Some(org), Role::Owner)
            }
        };
        let token = secrets::new_token()?;
        let user = User {
            id: UserId(user_id.clone()),
            email: email.as_str().to_string(),
            name: name.as_str().to_string(),
            phone: String::new(),
            password_hash: None,
            locale: input.locale.tag().to_string(),
            status: UserStatus::Active,
            email_confirmed_at: None,
            created_at: now,
            mfa_enabled: false,
            security_epoch: 0,
            factor_count: 0,
            is_staff: input.staff,
        };
        let message = OutboxMessage::email(
            now,
            email.as_str(),
            templates::INVITATION,
            input.locale,
            &[
                ("name", name.as_str()),
                ("link_path", &format!("/invite?token={token}")),
            ],
        )?;
        let mut audit = AuditEvent::new(now, "user.created", Some(&user_id), meta)?.details(format!(
            "role={};by={}",
            if input.staff { "staff" } else { role.as_str() },
            actor.audit_name()
        ));
        if !input.staff {
            audit = audit.org(&org_id);
        }
        audit.actor_user_id = actor.user_id.clone();
        let invitation = NewInvitation {
            user,
            org_id: OrgId(org_id.clone()),
            new_org,
            role,
            link: PasswordResetRecord {
                token_hash: secrets::hash_token(&token),
                purpose: INVITE.to_string(),
                user_id: Some(UserId(user_id.clone())),
                superseded: false,
                created_at: now,
                expires_at: now + INVITATION_TTL.as_ms(),
                used_at: None,
            },
            message,
            audit,
        };
        match self.store.create_invited_user(&invitation).await {
            Ok(()) => {}
            Err(StoreError::Missing(_)) => return Err(CoreError::NotFound),
            Err(StoreError::Conflict(_)) => return Err(CoreError::invalid("email", "user.email_taken")),
            Err(e) => return Err(CoreError::from(e)),
        }
        self.outbox_wakeup.notify_one();
        Ok((user_id, org_id))
    }

    /// The invited user behind a live invitation link.
    pub async fn invitation_user(&self, token: &str) -> Result<User, CoreError> {
        self.link_user(token, INVITE).await
    }

    /// Sets the first password with the invitation and signs the user in; the next step follows
    /// the two-factor policy.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<LoginOutcome, CoreError> {
        let user = self.invitation_user(token).await?;
        let password = self
            .new_password(password, &user.email, &user.name)
            .await?
            .map_err(|e| CoreError::Validation(vec![e]))?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.now();
        // The browser that set the password is one that signed in (a sign-in device cookie).
        let start = self.start_session(&user, None, false, true, meta)?;
        let audit = AuditEvent::new(now, "user.invitation_accepted", Some(user.id.as_str()), meta)?;
        if !self
            .store
            .accept_invitation(
                &secrets::hash_token(token),
                &user.id,
                &hash,
                &start.record,
                &audit,
            )
            .await?
        {
            return Err(CoreError::invalid("token", "reset.link_invalid"));
        }
        let next = self.authenticate(&start.token).await?.next;
        Ok(LoginOutcome {
            session_token: start.token,
            next,
            device_cookie: start.signin_device,
            asked_again: None,
        })
    }
}
