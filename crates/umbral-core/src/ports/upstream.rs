//! Signing in with an upstream identity provider: what is asked of the provider (a gateway over
//! HTTP) and what is kept (the sign-ins under way, and the identities linked to users).

use async_trait::async_trait;

use super::{NewOrganization, SessionRecord, StoreResult, TermsAcceptance};
use crate::accounts::User;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::types::OrgId;
use crate::types::{SessionId, UserId};
use crate::upstream::{OrgSso, Provider, StoredProvider, UpstreamError, UpstreamIdentity};

/// Reads TXT records (the proof of an organization's domain).
#[async_trait]
pub trait TxtResolver: Send + Sync {
    /// The texts of the TXT records at `name`; an empty list when there are none. `Err`: the
    /// lookup failed or timed out.
    async fn txt(&self, name: &str) -> Result<Vec<String>, String>;
}

/// No DNS here (tests of other things): every lookup fails.
pub struct NoTxtResolver;

#[async_trait]
impl TxtResolver for NoTxtResolver {
    async fn txt(&self, _name: &str) -> Result<Vec<String>, String> {
        Err("no DNS resolver here".into())
    }
}

/// Talks to providers (discovery, the token endpoint, their keys).
#[async_trait]
pub trait UpstreamGateway: Send + Sync {
    /// Where to send the browser: the provider's authorization endpoint with this `state`,
    /// `nonce` and PKCE (S256 of `verifier`).
    async fn authorize_url(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, UpstreamError>;

    /// Trades the code for an ID token and checks it (signature on the provider's keys, issuer,
    /// audience, expiry with at most a minute of skew, `nonce`).
    async fn identity(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<UpstreamIdentity, UpstreamError>;
}

/// No providers reachable (tests of other things, the command line).
pub struct NoUpstream;

#[async_trait]
impl UpstreamGateway for NoUpstream {
    async fn authorize_url(
        &self,
        _: &Provider,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<String, UpstreamError> {
        Err(UpstreamError::Unavailable("no provider is reachable here".into()))
    }

    async fn identity(
        &self,
        _: &Provider,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<UpstreamIdentity, UpstreamError> {
        Err(UpstreamError::Unavailable("no provider is reachable here".into()))
    }
}

/// What a sign-in with a provider is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamPurpose {
    /// Sign in, or sign up (`plan` from `/signup?plan=`).
    SignIn { plan: Option<String> },
    /// A signed-in person links the provider to their account (Security).
    Link(UserId),
}

/// A sign-in with a provider under way, kept until the provider sends the browser back (by the
/// hash of its `state`); then, once the provider's answer held, what the person still has to do
/// (by the hash of a new token): the profile page of a new account, or proving an existing
/// account's password before linking it.
#[derive(Debug, Clone)]
pub struct UpstreamLogin {
    pub id_hash: String,
    pub provider_id: String,
    pub purpose: UpstreamPurpose,
    /// The browser that started it (hash of its cookie); another browser cannot finish it.
    pub browser_hash: String,
    /// Before the callback: the `nonce` and the PKCE verifier (sealed).
    pub nonce: String,
    pub verifier_sealed: String,
    /// After the callback: who the provider says the person is.
    pub identity: Option<UpstreamIdentity>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
}

/// An identity of a provider linked to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedIdentity {
    pub user_id: UserId,
    pub provider_id: String,
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub created_at: UnixMillis,
}

/// Where a new account from a provider belongs.
#[derive(Debug, Clone)]
pub enum OrgPlace {
    New(NewOrganization),
    Join(OrgId),
}

/// A new account from a provider's verified identity, written whole.
#[derive(Debug, Clone)]
pub struct UpstreamSignup {
    pub user: User,
    /// The organization the account makes and owns, or (enterprise SSO) the one it joins as a
    /// member.
    pub org: OrgPlace,
    pub terms: TermsAcceptance,
    pub identity: LinkedIdentity,
    pub session: SessionRecord,
    /// A never-confirmed account with the same email (someone else's pending sign-up, or a
    /// squatter's): deleted with its sessions, if it is still unconfirmed.
    pub discard: Option<UserId>,
    pub audit: Vec<AuditEvent>,
}

#[async_trait]
pub trait UpstreamStore: Send + Sync {
    async fn put_upstream_login(&self, login: &UpstreamLogin) -> StoreResult<()>;
    /// Spends a sign-in under way: once only, before it expires.
    async fn take_upstream_login(&self, id_hash: &str, now: UnixMillis)
    -> StoreResult<Option<UpstreamLogin>>;
    /// Reads one, unspent and unexpired, without spending it.
    async fn upstream_login(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<UpstreamLogin>>;
    async fn user_by_identity(&self, issuer: &str, subject: &str) -> StoreResult<Option<UserId>>;
    async fn identities_of(&self, user: &UserId) -> StoreResult<Vec<LinkedIdentity>>;
    /// Links an identity (`Conflict` when it is linked already) and ends the user's other
    /// sessions than `keep`, with the audit event.
    async fn link_identity(
        &self,
        identity: &LinkedIdentity,
        keep: &SessionId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Unlinks the user's identity of a provider and ends the other sessions; false when there
    /// was none.
    async fn unlink_identity(
        &self,
        user: &UserId,
        provider_id: &str,
        keep: &SessionId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// `Conflict` when the email or the identity was taken meanwhile.
    async fn create_upstream_signup(&self, signup: &UpstreamSignup) -> StoreResult<()>;
    /// A person staff or an organization invited (no password yet) comes back from a provider
    /// that verified their email: the email confirmed, the invitation used, the identity
    /// linked. False when the user is no longer such an invited one.
    async fn accept_invitation_via_identity(
        &self,
        identity: &LinkedIdentity,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// An organization's own provider, if it set one.
    async fn org_sso(&self, org: &OrgId) -> StoreResult<Option<OrgSso>>;
    /// Writes it whole (`Conflict`: another organization verified that domain).
    async fn put_org_sso(&self, sso: &OrgSso, audit: &AuditEvent) -> StoreResult<()>;
    /// The organization that verified `domain`, if any.
    async fn sso_by_domain(&self, domain: &str) -> StoreResult<Option<OrgSso>>;
    /// The providers staff added, in the order they were added.
    async fn stored_providers(&self) -> StoreResult<Vec<StoredProvider>>;
    /// Adds or replaces one (by id).
    async fn put_provider(&self, p: &StoredProvider, audit: &AuditEvent) -> StoreResult<()>;
    /// Removes one; the identities linked through it stay (they work again if it comes back).
    /// False when there was none.
    async fn delete_provider(&self, id: &str, audit: &AuditEvent) -> StoreResult<bool>;
}
