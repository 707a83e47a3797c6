//! Sessions: who is asking, and ending a session.

use crate::accounts::{Membership, User, UserStatus};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::throttle::new_device_cookie;
use crate::error::{CoreError, EndReason};
use crate::factors::Factor;
use crate::flows::Next;
use crate::ports::SessionRecord;
use crate::ports::SessionStore;
use crate::secrets;
use crate::service::Umbral;
use crate::types::{SessionId, UserId};

/// A live session and whom it belongs to.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: SessionRecord,
    /// `None` for the stand-in session of a sign-up with a taken email.
    pub user: Option<User>,
    pub membership: Option<Membership>,
    /// The user's confirmed factors, oldest first.
    pub factors: Vec<Factor>,
    /// The step this session must do next.
    pub next: Next,
}

impl Authenticated {
    /// The step this session must do next.
    pub fn next(&self) -> Next {
        self.next
    }

    /// The signed-in user at whichever step (not the stand-in of a taken email).
    pub fn user(&self) -> Result<&User, CoreError> {
        self.user
            .as_ref()
            .ok_or(CoreError::StepRequired(Next::ConfirmEmail))
    }

    /// The user, once the email is confirmed and before or after the second factor.
    pub(crate) fn confirmed_user(&self) -> Result<&User, CoreError> {
        match &self.user {
            Some(u) if u.email_confirmed_at.is_some() => Ok(u),
            _ => Err(CoreError::StepRequired(Next::ConfirmEmail)),
        }
    }

    /// A fully signed-in user (every step done), or the step still required.
    pub fn complete_user(&self) -> Result<&User, CoreError> {
        match (&self.user, self.next()) {
            (Some(u), Next::Done) => Ok(u),
            (_, next) => Err(CoreError::StepRequired(next)),
        }
    }

    /// A user who proved who they are (password and second factor as asked), whether or not
    /// their organization's sign-up steps (company data, checkout) are done.
    pub fn signed_in_user(&self) -> Result<&User, CoreError> {
        match (&self.user, self.next()) {
            (Some(u), Next::Company | Next::Checkout | Next::Done) => Ok(u),
            (_, next) => Err(CoreError::StepRequired(next)),
        }
    }

    pub(crate) fn code_subject(&self) -> String {
        match &self.user {
            Some(u) => u.id.0.clone(),
            None => self.session.id_hash.0.clone(),
        }
    }
}

/// The session a person starts by proving who they are ([`Umbral::start_session`]), for the
/// flow's own transaction to write (a new row, or the id the current session rotates to).
#[derive(Debug, Clone)]
pub(crate) struct SessionStart {
    /// For the browser; a session that rotates to it stops answering to its old token.
    pub token: String,
    /// The new session, as a flow that inserts one writes it.
    pub record: SessionRecord,
    /// The single-session rule: the event that ends the person's other sessions, when this proof
    /// completes the sign-in.
    pub end_others: Option<AuditEvent>,
    /// The sign-in device cookie (limits, `auth::throttle`) for a browser that proved it knows
    /// the password and carried none for this account.
    pub signin_device: Option<String>,
}

/// What `GET /api/v1/me` shows.
#[derive(Debug, Clone)]
pub struct MeView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub locale: String,
    pub organization: Option<Membership>,
}

/// Last-seen times are written at most this often, so that reads stay reads.
const TOUCH_EVERY_MS: i64 = 60_000;

impl<S: ?Sized + SessionStore> Umbral<S> {
    /// A person has proven who they are (a password, a second factor, a first factor set up, an
    /// invitation accepted; later an upstream provider or a passkey): the session that follows.
    /// It always has a new id: a session's id changes whenever it gains privilege. When the
    /// proof `completes` the sign-in, the person's other sessions end (the organization's
    /// single-session rule, else the platform's; always for staff); a password alone, waiting
    /// for its second factor, never signs the rightful user out. `new_device`: the browser
    /// proved it knows the password and gets a sign-in device cookie.
    pub(crate) fn start_session(
        &self,
        user: &User,
        membership: Option<&Membership>,
        completes: bool,
        new_device: bool,
        meta: &RequestMeta,
    ) -> Result<SessionStart, CoreError> {
        let token = secrets::new_token()?;
        let record = self.new_session_record(&token, Some(user.id.as_str()), meta);
        let end_others = if completes {
            self.ending_others(user, membership, meta)?
        } else {
            None
        };
        let signin_device = if new_device {
            Some(new_device_cookie(&self.config.secret_key, user.id.as_str())?)
        } else {
            None
        };
        Ok(SessionStart {
            token,
            record,
            end_others,
            signin_device,
        })
    }

    /// A session row for `token` (its hash), starting now, without a second factor yet.
    pub(crate) fn new_session_record(
        &self,
        token: &str,
        user_id: Option<&str>,
        meta: &RequestMeta,
    ) -> SessionRecord {
        let now = self.now();
        SessionRecord {
            id_hash: SessionId::of_token(token),
            user_id: user_id.map(UserId::from),
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.config.session.max_age.as_ms(),
            ended_at: None,
            end_reason: None,
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.chars().take(300).collect(),
            mfa_at: None,
            mfa_method: None,
            first_factor: crate::ports::FirstFactor::Password,
        }
    }

    /// The event of ending a user's other sessions when the single-session policy applies (the
    /// organization's, else the platform's).
    fn ending_others(
        &self,
        user: &User,
        membership: Option<&Membership>,
        meta: &RequestMeta,
    ) -> Result<Option<AuditEvent>, CoreError> {
        // Staff always keep one session, whatever the settings (`docs/flows/login.md`).
        let single = user.is_staff
            || membership
                .and_then(|m| m.single_session)
                .unwrap_or(self.platform_defaults().single_session);
        if !single {
            return Ok(None);
        }
        Ok(Some(
            AuditEvent::new(self.now(), "session.ended", Some(user.id.as_str()), meta)?
                .details(format!("reason={}", EndReason::SignedInElsewhere.as_str())),
        ))
    }

    /// Finds the live session behind a token. An ended session says why it ended.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, CoreError> {
        if token.is_empty() || token.len() > 100 {
            return Err(CoreError::Unauthenticated);
        }
        let hash = SessionId::of_token(token);
        let ctx = self
            .store
            .session_context(&hash)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let s = &ctx.session;
        if s.ended_at.is_some() {
            let reason = s.end_reason.unwrap_or(EndReason::Revoked);
            return Err(CoreError::SessionEnded(reason));
        }
        let now = self.now();
        let expired = if now >= s.expires_at {
            Some(EndReason::Expired)
        } else if now - s.last_seen_at >= self.config.session.idle_timeout.as_ms() {
            Some(EndReason::Idle)
        } else {
            None
        };
        if let Some(reason) = expired {
            let audit = self.server_ended(s, reason)?;
            self.store.end_session(&hash, reason, now, Some(&audit)).await?;
            return Err(CoreError::SessionEnded(reason));
        }
        if ctx
            .user
            .as_ref()
            .is_some_and(|u| u.status == UserStatus::Disabled)
        {
            let audit = self.server_ended(s, EndReason::Revoked)?;
            self.store
                .end_session(&hash, EndReason::Revoked, now, Some(&audit))
                .await?;
            return Err(CoreError::SessionEnded(EndReason::Revoked));
        }
        if now - s.last_seen_at >= TOUCH_EVERY_MS {
            self.store.touch_session(&hash, now).await?;
        }
        let next = Next::of_session(
            ctx.user.as_ref(),
            ctx.membership.as_ref(),
            &ctx.session,
            self.platform_defaults().two_factor,
        );
        Ok(Authenticated {
            session: ctx.session,
            user: ctx.user,
            membership: ctx.membership,
            factors: ctx.factors,
            next,
        })
    }

    /// The audit event of a session the server ends by itself (idle, too old, user disabled),
    /// with the address and browser that last used it.
    fn server_ended(&self, s: &SessionRecord, reason: EndReason) -> Result<AuditEvent, CoreError> {
        let meta = RequestMeta {
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
        };
        let mut e = AuditEvent::new(
            self.now(),
            "session.ended",
            s.user_id.as_ref().map(|u| u.as_str()),
            &meta,
        )?
        .details(format!("reason={};by=server", reason.as_str()));
        e.actor_user_id = None;
        Ok(e)
    }

    /// Ends the session on the server.
    pub async fn logout(&self, auth: &Authenticated, meta: &RequestMeta) -> Result<(), CoreError> {
        let now = self.now();
        let audit = AuditEvent::new(
            now,
            "session.ended",
            auth.session.user_id.as_ref().map(|u| u.as_str()),
            meta,
        )?
        .details(format!("reason={}", EndReason::SignedOut.as_str()));
        self.store
            .end_session(&auth.session.id_hash, EndReason::SignedOut, now, Some(&audit))
            .await
            .map_err(CoreError::from)
    }

    /// The user's live sessions, oldest first.
    pub async fn active_sessions(&self, auth: &Authenticated) -> Result<Vec<SessionRecord>, CoreError> {
        let user = auth.complete_user()?;
        self.store
            .live_sessions_of(&user.id, self.now())
            .await
            .map_err(CoreError::from)
    }

    /// Signs one of the user's own sessions out ("sign out" in the Security tab).
    pub async fn end_own_session(
        &self,
        auth: &Authenticated,
        id_hash: &SessionId,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let sessions = self.active_sessions(auth).await?;
        let target = sessions
            .iter()
            .find(|s| s.id_hash == id_hash)
            .ok_or(CoreError::NotFound)?;
        let now = self.now();
        let reason = if target.id_hash == auth.session.id_hash {
            EndReason::SignedOut
        } else {
            EndReason::Revoked
        };
        let audit = AuditEvent::new(
            now,
            "session.ended",
            target.user_id.as_ref().map(|u| u.as_str()),
            meta,
        )?
        .details(format!("reason={};by=user", reason.as_str()));
        self.store
            .end_session(&target.id_hash, reason, now, Some(&audit))
            .await
            .map_err(CoreError::from)
    }

    pub fn me(&self, auth: &Authenticated) -> Result<MeView, CoreError> {
        let u = auth.complete_user()?;
        Ok(MeView {
            id: u.id.0.clone(),
            name: u.name.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            locale: u.locale.clone(),
            organization: auth.membership.clone(),
        })
    }
}
