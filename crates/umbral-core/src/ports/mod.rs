//! The traits everything outside the core implements: storage, email.
//!
//! Store methods are shaped by use case: each one that changes data is one transaction, with the
//! audit events and outbox messages of that change inside it.

use async_trait::async_trait;

use crate::types::{FactorId, OrgId, SessionId, UserId};

use crate::accounts::{Membership, User};
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::error::EndReason;
use crate::factors::{Factor, Proof, TrustedDevice};
use crate::outbox::{OutboxMessage, RenderedMessage};

mod commerce;
mod oidc;
mod organization;
mod passkeys;
mod staff;
mod upstream;
pub use commerce::*;
pub use oidc::*;
pub use organization::*;
pub use passkeys::*;
pub use staff::*;
pub use upstream::*;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique rule was broken (e.g. an email already taken by a concurrent sign-up).
    #[error("conflict: {0}")]
    Conflict(String),
    /// What the change was for is not there (e.g. the organization a user is created into).
    #[error("no such {0}")]
    Missing(&'static str),
    /// The session a change was for was ended meanwhile (by a concurrent sign-in).
    #[error("the session has ended")]
    SessionGone,
    #[error("storage: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token; the token itself is never stored.
    pub id_hash: SessionId,
    /// `None` for the stand-in session of a sign-up whose email was already taken.
    pub user_id: Option<UserId>,
    pub created_at: UnixMillis,
    pub last_seen_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub ended_at: Option<UnixMillis>,
    pub end_reason: Option<EndReason>,
    pub ip: String,
    pub user_agent: String,
    /// When this session passed a second-factor challenge (or enrolled its first factor).
    pub mfa_at: Option<UnixMillis>,
    /// How: `totp`, `sms`, `email`, `recovery_code`, `trusted_device`, `enrollment`.
    pub mfa_method: Option<crate::factors::MfaVia>,
    /// How the person proved who they are first.
    pub first_factor: FirstFactor,
}

/// The first proof of a session (RFC 8176: `pwd`, `fed`; a passkey's is said by its second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstFactor {
    #[default]
    Password,
    /// An upstream identity provider.
    Provider,
    /// A passkey alone (it verified the person, so it is the second factor too: `amr` says
    /// `hwk` or `swk` with `user`, from [`crate::factors::MfaVia::Passkey`]).
    Passkey,
}

impl FirstFactor {
    /// As kept in `sessions.first_factor`, and as `amr` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "pwd",
            Self::Provider => "fed",
            Self::Passkey => "passkey",
        }
    }

    /// `None` (sessions before the column) and anything unknown: a password.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("fed") => Self::Provider,
            Some("passkey") => Self::Passkey,
            _ => Self::Password,
        }
    }
}

/// A session with what every authenticated request needs, read in one query.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub session: SessionRecord,
    pub user: Option<User>,
    pub membership: Option<Membership>,
    /// The user's confirmed factors, oldest first.
    pub factors: Vec<Factor>,
}

/// What a 6-digit code is for; one live code per subject and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// The sign-up's email confirmation.
    ConfirmEmail,
    /// The challenge after the password, by email.
    MfaEmail,
    /// The challenge after the password, by SMS.
    MfaSms,
    /// Setting a phone up for SMS.
    EnrollSms,
}

impl CodePurpose {
    /// As kept in the `codes` table.
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::ConfirmEmail => "confirm_email",
            CodePurpose::MfaEmail => "mfa_email",
            CodePurpose::MfaSms => "mfa_sms",
            CodePurpose::EnrollSms => "enroll_sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::ConfirmEmail, Self::MfaEmail, Self::MfaSms, Self::EnrollSms]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub id: String,
    /// Whom the code is for: a user id, or a stand-in session's id.
    pub subject: String,
    pub purpose: CodePurpose,
    pub code_hash: String,
    pub expires_at: UnixMillis,
    pub attempts: i64,
    pub created_at: UnixMillis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub id: String,
    pub name: String,
    pub created_at: UnixMillis,
    /// `Company` for an organization made by a sign-up, `Ready` for one made by staff.
    pub setup: OrgSetup,
    /// The plan picked on the vendor's site, if any.
    pub plan_choice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsAcceptance {
    pub version: String,
    pub at: UnixMillis,
    pub ip: String,
}

/// Everything one sign-up writes, in one transaction.
#[derive(Debug, Clone)]
pub struct NewSignup {
    /// The new user, their organization and the terms they accepted; `None` when the email was
    /// taken (then only the stand-in session, its code and the warning email are written).
    pub account: Option<(User, NewOrganization, TermsAcceptance)>,
    pub session: SessionRecord,
    pub code: CodeRecord,
    /// The code's email, or the warning to the owner of a taken address (at most one an hour).
    pub message: Option<OutboxMessage>,
    pub audit: Vec<AuditEvent>,
}

/// See [`AccountStore::sign_in_lookup`].
#[derive(Debug, Clone)]
pub struct SignInLookup {
    pub account: Option<(User, Option<Membership>)>,
    /// The state of each limit key, in the order asked; `None` without failures.
    pub limits: [Option<ThrottleState>; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub window_started_at: UnixMillis,
    pub last_failure_at: UnixMillis,
}

/// A message in the dev outbox, as shown at `/dev/outbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevMessage {
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: UnixMillis,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Writes a sign-up whole or not at all. `Conflict` when the email is taken.
    async fn create_signup(&self, signup: &NewSignup) -> StoreResult<()>;
    async fn user_by_email_key(&self, email_key: &str) -> StoreResult<Option<User>>;
    async fn user_by_id(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// What a sign-in reads before it hashes, in one read: the account with its organization,
    /// and the failure counts of its limits (account, IP, sign-in device).
    async fn sign_in_lookup(&self, email_key: &str, limit_keys: [&str; 3]) -> StoreResult<SignInLookup>;
    async fn update_password_hash(&self, user_id: &UserId, hash: &str, now: UnixMillis) -> StoreResult<()>;
    /// Marks the email confirmed and uses up the code, with its audit event.
    async fn confirm_email(
        &self,
        user_id: &UserId,
        code_id: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A new password: the hash, the security epoch moved on (trusted devices ask again), every
    /// other session of the user ended, the email that tells the user, the audit event.
    async fn change_password(
        &self,
        user_id: &UserId,
        hash: &str,
        keep_session: &SessionId,
        now: UnixMillis,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes users whose email was never confirmed, created before `before`; returns how many.
    async fn purge_unconfirmed(&self, before: UnixMillis) -> StoreResult<u64>;
    /// A sign-up sent again by the browser that holds it (Back, fix a typo, send): the new
    /// details, a new code replacing the old one, its email and the audit event, in one
    /// transaction. `Ok(false)` when the email was confirmed meanwhile (nothing changes).
    async fn update_pending_signup(&self, update: &PendingSignupUpdate) -> StoreResult<bool>;
}

/// What a sign-up sent again changes.
#[derive(Debug, Clone)]
pub struct PendingSignupUpdate {
    pub user_id: UserId,
    pub name: String,
    pub phone: String,
    pub password_hash: String,
    pub locale: String,
    pub code: CodeRecord,
    pub message: OutboxMessage,
    pub audit: AuditEvent,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    async fn current_code(&self, subject: &str, purpose: CodePurpose) -> StoreResult<Option<CodeRecord>>;
    /// Counts one attempt at a code before it is compared, unless `max` were made already:
    /// `false` then. One statement, so concurrent guesses never get more than `max` checks.
    async fn take_code_attempt(&self, code_id: &str, max: i64) -> StoreResult<bool>;
    /// Replaces any code of the same subject and purpose, and queues the message that carries it.
    async fn replace_code(&self, code: &CodeRecord, message: Option<&OutboxMessage>) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session. With `end_others`, every other live session of the user ends with
    /// `signed_in_elsewhere` in the same transaction, and that event is recorded when any did;
    /// concurrent calls for one user are serialised so exactly one session survives.
    /// `clear_limit` forgets, in the same transaction, the attempts counted on a sign-in limit
    /// key (the password was right).
    async fn start_session(
        &self,
        session: &SessionRecord,
        end_others: Option<&AuditEvent>,
        audit: &[AuditEvent],
        clear_limit: Option<&str>,
    ) -> StoreResult<()>;
    async fn session_context(&self, id_hash: &SessionId) -> StoreResult<Option<SessionContext>>;
    async fn touch_session(&self, id_hash: &SessionId, now: UnixMillis) -> StoreResult<()>;
    async fn end_session(
        &self,
        id_hash: &SessionId,
        reason: EndReason,
        now: UnixMillis,
        audit: Option<&AuditEvent>,
    ) -> StoreResult<()>;
    async fn live_sessions_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<SessionRecord>>;
}

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// A failed sign-in: one failure more for each limit key, and its audit event, together.
    async fn failed_sign_in(
        &self,
        keys: &[&str],
        now: UnixMillis,
        window_ms: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Counts one failure for `key`, starting a new window when the old one is over.
    async fn throttle_failure(
        &self,
        key: &str,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<ThrottleState>;
    /// Counts one attempt for `key` if its state is still `seen` (what the caller read and
    /// judged allowed): `false` when another attempt changed it meanwhile. A window that is over
    /// starts again. Does not wait for the disk on SQLite: a lost count only forgives one attempt.
    async fn throttle_take(
        &self,
        key: &str,
        seen: Option<ThrottleState>,
        now: UnixMillis,
        window_ms: i64,
    ) -> StoreResult<bool>;
    async fn throttle_clear(&self, key: &str) -> StoreResult<()>;
    async fn throttle_state(&self, key: &str) -> StoreResult<Option<ThrottleState>>;
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Leases up to `limit` messages due at `now` for `lease_ms`, so that one node sends each.
    async fn outbox_claim(
        &self,
        now: UnixMillis,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Marks a message sent and forgets its content (it may carry a code).
    async fn outbox_sent(&self, id: &str, now: UnixMillis) -> StoreResult<()>;
    async fn outbox_retry(&self, id: &str, next_attempt_at: UnixMillis, error: &str) -> StoreResult<()>;
    async fn outbox_pending(&self) -> StoreResult<i64>;
    async fn dev_outbox_put(&self, msg: &DevMessage) -> StoreResult<()>;
    /// Newest first.
    async fn dev_outbox_list(&self, limit: i64) -> StoreResult<Vec<DevMessage>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an event that has no other change to go with (e.g. a failed sign-in).
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Newest first.
    async fn audit_for_user(&self, user_id: &UserId, limit: i64) -> StoreResult<Vec<AuditEvent>>;
    /// Newest first, at most `limit`.
    async fn list_audit(
        &self,
        filter: &crate::audit::AuditFilter,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// Deletes events older than `before` (the retention setting); returns how many.
    async fn purge_audit(&self, before: UnixMillis) -> StoreResult<u64>;
}

/// A factor being confirmed: the proof it was set up right, and everything that comes with it.
#[derive(Debug, Clone)]
pub struct FactorConfirmation {
    pub user_id: UserId,
    pub factor_id: FactorId,
    pub proof: Proof,
    /// New recovery codes (hashed) that replace any old ones: with the first factor only.
    pub recovery_code_hashes: Option<Vec<String>>,
    /// The session that set it up counts as having passed the challenge.
    pub session_id_hash: SessionId,
    /// When that gains the session privilege (it had not passed a second factor): its new id,
    /// which replaces the old one (the old token stops working).
    pub new_session_id_hash: Option<SessionId>,
    /// With the single-session policy, when this completes a sign-in: the user's other sessions
    /// end (see [`ChallengePassed::end_others`]).
    pub end_others: Option<AuditEvent>,
    pub now: UnixMillis,
    pub audit: Vec<AuditEvent>,
}

/// A challenge answered rightly.
#[derive(Debug, Clone)]
pub struct ChallengePassed {
    pub user_id: UserId,
    pub session_id_hash: SessionId,
    /// The session's new id: it gains privilege, so the id the password step handed out (which
    /// may have leaked or been planted) stops working.
    pub new_session_id_hash: SessionId,
    /// How: a method's code, or a passkey.
    pub via: crate::factors::MfaVia,
    pub proof: Proof,
    /// Remember this browser.
    pub device: Option<TrustedDevice>,
    /// With the single-session policy: every other live session of the user ends with
    /// `signed_in_elsewhere`, and this event is recorded when any did. Concurrent completions for
    /// one user are serialised; one whose own session was ended meanwhile fails with `SessionGone`.
    pub end_others: Option<AuditEvent>,
    pub now: UnixMillis,
    pub audit: Vec<AuditEvent>,
    /// The attempt limit as the check found it: the success commits only if no failure was
    /// counted on it since, and forgets what was counted, in the same transaction.
    pub limit: Option<LimitSeen>,
}

/// An attempt limit as a check read it before comparing the answer (ADR 0016's addendum): a
/// right answer commits only while the limit is still as seen, a wrong one counts a failure on
/// top of what was seen (a compare-and-set), so concurrent guesses cannot pass more than the
/// limit lets through and a success writes nothing for the limit when nothing was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSeen {
    pub key: String,
    pub seen: Option<ThrottleState>,
}

#[async_trait]
pub trait FactorStore: Send + Sync {
    /// Is this number already a confirmed SMS factor (of anyone)?
    async fn sms_number_taken(&self, phone: &str) -> StoreResult<bool>;
    /// Every factor of the user, set up or being set up, oldest first.
    async fn factors_of(&self, user_id: &UserId) -> StoreResult<Vec<Factor>>;
    /// Stores a factor being set up, replacing any other unconfirmed one of the same kind; with
    /// the code that confirms it and the message that carries the code.
    async fn put_pending_factor(
        &self,
        factor: &Factor,
        code: Option<(&CodeRecord, &OutboxMessage)>,
    ) -> StoreResult<()>;
    /// Confirms a factor in one transaction: uses up the proof (`Ok(false)` and no change when it
    /// was already used), marks the factor confirmed, turns two-factor on, moves the user's
    /// security epoch on, replaces the recovery codes when given, marks the session as passed.
    /// `Conflict` when an SMS number is already another user's.
    async fn confirm_factor(&self, c: &FactorConfirmation) -> StoreResult<bool>;
    /// Records a passed challenge in one transaction: uses up the proof (`Ok(false)` and no change
    /// when it was already used), marks the session, remembers the device when asked.
    async fn pass_challenge(&self, p: &ChallengePassed) -> StoreResult<bool>;
    /// Removes a confirmed factor; `mfa_enabled_after` is the user's two-factor switch afterwards.
    /// Moves the security epoch on. `Ok(false)` when the user has no such factor.
    async fn remove_factor(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        mfa_enabled_after: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    async fn replace_recovery_codes(
        &self,
        user_id: &UserId,
        hashes: &[String],
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn recovery_codes_left(&self, user_id: &UserId) -> StoreResult<i64>;
    /// Turns two-factor on (policy `optional`) and ends every session of the user.
    async fn enable_two_factor(
        &self,
        user_id: &UserId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn trusted_device(&self, token_hash: &str) -> StoreResult<Option<TrustedDevice>>;
    /// Live (not revoked, not expired) trusted devices of a user, newest first.
    async fn trusted_devices_of(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<TrustedDevice>>;
    /// Revokes one trusted device of the user, or all of them; returns how many.
    async fn forget_trusted_devices(
        &self,
        user_id: &UserId,
        device_id: Option<&str>,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<u64>;
}

/// A "Forgot your password?" link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    pub token_hash: String,
    /// `reset` ("Forgot your password?") or `invite` (a user created by staff).
    pub purpose: String,
    /// `None` for a request about an address without an account.
    pub user_id: Option<UserId>,
    /// A newer link of the same user and purpose exists: this one no longer works.
    pub superseded: bool,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub used_at: Option<UnixMillis>,
}

/// A "Forgot your password?" request, written whole: the request counts against its limits, the
/// new link (its hash; it replaces the user's older ones, which stop working) and the email that
/// carries it, the audit event. For an address without an account, the link belongs to no one
/// and the email is void: the same writes, so that both answers take the same time.
#[derive(Debug, Clone)]
pub struct PasswordResetRequest {
    pub limit_keys: [String; 2],
    pub window_ms: i64,
    pub record: PasswordResetRecord,
    /// The email with the link; for an address without an account, a message of the same size
    /// that is stored as void and never sent.
    pub message: OutboxMessage,
    pub deliver: bool,
    pub audit: AuditEvent,
}

#[async_trait]
pub trait RecoveryStore: Send + Sync {
    async fn request_password_reset(&self, r: &PasswordResetRequest) -> StoreResult<()>;
    async fn password_reset(&self, token_hash: &str) -> StoreResult<Option<PasswordResetRecord>>;
    /// Uses the link once: the new password hash, the security epoch moved on, every session
    /// ended, every trusted device forgotten, every other link of the user spent, the audit
    /// event. `Ok(false)` when the link was used, expired or replaced meanwhile.
    async fn complete_password_reset(
        &self,
        token_hash: &str,
        user_id: &UserId,
        password_hash: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// A user created by staff, with their membership (and a new organization they own when
    /// `new_org` is given), the invitation link and its email. `Conflict` when the email is taken.
    async fn create_invited_user(&self, inv: &NewInvitation) -> StoreResult<()>;
    /// Uses an invitation once: the first password, the email confirmed (the link came to it),
    /// the first session, the audit event. `Ok(false)` when the link was used or expired.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        user_id: &UserId,
        password_hash: &str,
        session: &SessionRecord,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}

/// A user created by staff (`docs/flows/recovery-and-invitations.md`).
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub user: User,
    /// The organization to join; with `new_org`, one made for this user, who owns it. Empty for
    /// a staff account (no organization).
    pub org_id: OrgId,
    pub new_org: Option<NewOrganization>,
    pub role: crate::accounts::Role,
    pub link: PasswordResetRecord,
    pub message: OutboxMessage,
    pub audit: AuditEvent,
}

/// All of storage.
#[async_trait]
pub trait Store:
    AccountStore
    + CodeStore
    + SessionStore
    + ThrottleStore
    + OutboxStore
    + AuditStore
    + FactorStore
    + FactorResetStore
    + PolicyStore
    + DirectoryStore
    + ApiKeyStore
    + RecoveryStore
    + OrganizationStore
    + CommerceStore
    + OidcStore
    + UpstreamStore
    + PasskeyStore
{
    /// Can the database take a write? A real one (one small row, committed as every other
    /// write), so that a full disk or a read-only file shows, not only a dead connection.
    async fn ping(&self, now: UnixMillis) -> StoreResult<()>;
}

/// Delivers an email or SMS now; errors are retried from the outbox.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &RenderedMessage) -> Result<(), String>;
}

/// Delivers a text message now; errors are retried from the outbox.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), String>;
}

/// Turns an outbox message into text in the recipient's language (implemented by the web layer,
/// which owns templates and translations).
pub trait MessageRenderer: Send + Sync {
    fn render(&self, message: &OutboxMessage) -> Result<RenderedMessage, String>;
}
