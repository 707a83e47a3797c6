//! What the OpenID Connect provider keeps: clients, signing keys, authorization requests waiting
//! for a sign-in, and codes.

use async_trait::async_trait;

use super::StoreResult;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::oidc::client::Client;
use crate::oidc::grant::{CodeGrant, NextRefresh, RefreshGrant, RefreshUse};
use crate::oidc::keys::StoredKey;
use crate::types::{SessionId, UserId};

/// A code presented at the token endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeUse {
    /// Unused and unexpired: now used.
    Fresh(CodeGrant),
    /// Used before (a replay, or a stolen code): refuse, and revoke what it gave.
    Reused(CodeGrant),
    /// Unknown or expired.
    Unknown,
}

/// What a person let an application see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<String>,
    pub granted_at: UnixMillis,
    pub last_used_at: Option<UnixMillis>,
}

/// An application to tell that a session it reached has ended (Back-Channel Logout 1.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackchannelDue {
    pub session_id: SessionId,
    pub client_id: String,
    pub user_id: UserId,
    pub uri: String,
    pub attempts: i64,
}

/// Posts a logout token to an application's back-channel logout URI; an error is retried.
#[async_trait]
pub trait LogoutNotifier: Send + Sync {
    async fn post_logout_token(&self, uri: &str, token: &str) -> Result<(), String>;
}

/// Reads a client's public keys (a JWKS, as text) from its `jwks_uri` (`private_key_jwt`).
#[async_trait]
pub trait JwksReader: Send + Sync {
    async fn read_jwks(&self, uri: &str) -> Result<String, String>;
}

/// No reading keys from addresses (tests, the command line): such clients are refused.
pub struct NoJwksReader;

#[async_trait]
impl JwksReader for NoJwksReader {
    async fn read_jwks(&self, _uri: &str) -> Result<String, String> {
        Err("reading keys from an address is not set up here".to_string())
    }
}

#[async_trait]
pub trait OidcStore: Send + Sync {
    async fn put_client(&self, client: &Client, audit: &AuditEvent) -> StoreResult<()>;
    async fn client(&self, id: &str) -> StoreResult<Option<Client>>;
    /// Replaces a client's name and addresses; false when there is no such client.
    async fn update_client(&self, client: &Client, audit: &AuditEvent) -> StoreResult<bool>;
    /// A new secret (its hash); false when there is no such client.
    async fn set_client_secret(&self, id: &str, secret_hash: &str, audit: &AuditEvent) -> StoreResult<bool>;
    /// Switches a client off (`Some(when)`) or on again (`None`): a switched-off client gets no
    /// codes and no tokens, and its refresh tokens stop working.
    async fn set_client_disabled(
        &self,
        id: &str,
        at: Option<UnixMillis>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Newest first.
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>>;
    /// Adds a key; a key of the same `kid` already there stays (another node wrote it first).
    async fn put_signing_key(&self, key: &StoredKey) -> StoreResult<()>;
    /// Notes a client assertion's `jti` until `expires_at`; false when that client used it
    /// already (and it has not expired). Forgets expired ones on the way.
    async fn use_assertion(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> StoreResult<bool>;
    /// Adds `key` and retires every key of its algorithm still in service when it starts to
    /// sign (`active_from`).
    async fn rotate_signing_key(&self, key: &StoredKey, audit: &AuditEvent) -> StoreResult<()>;
    /// Keeps an authorization request (serialized) while its person signs in, under the hash of
    /// the browser's continuation token.
    async fn put_auth_request(
        &self,
        id_hash: &str,
        request: &str,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> StoreResult<()>;
    /// The request, if it has not expired.
    async fn auth_request(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<String>>;
    async fn end_auth_request(&self, id_hash: &str) -> StoreResult<()>;
    async fn put_code(&self, grant: &CodeGrant) -> StoreResult<()>;
    /// Uses a code: once only, also between nodes (a conditional write).
    async fn use_code(&self, code_hash: &str, now: UnixMillis) -> StoreResult<CodeUse>;
    /// Stores the first refresh token of a family.
    async fn put_refresh(
        &self,
        token_hash: &str,
        family_id: &str,
        grant: &RefreshGrant,
        now: UnixMillis,
        expires_at: UnixMillis,
    ) -> StoreResult<()>;
    /// Spends a refresh token of `client_id`, storing `next` as its successor, in one
    /// transaction (one winner between nodes; see [`RefreshUse`]).
    async fn rotate_refresh(
        &self,
        token_hash: &str,
        client_id: &str,
        next: &NextRefresh,
        now: UnixMillis,
    ) -> StoreResult<RefreshUse>;
    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>>;
    /// Records (or widens) a consent.
    async fn put_consent(
        &self,
        user: &UserId,
        client_id: &str,
        scopes: &[String],
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn consent_used(&self, user: &UserId, client_id: &str, now: UnixMillis) -> StoreResult<()>;
    /// A person's consents, newest first, with the applications' names.
    async fn consents_of(&self, user: &UserId) -> StoreResult<Vec<Consent>>;
    /// Withdraws a consent and revokes the refresh tokens the application holds for the person.
    async fn revoke_consent(
        &self,
        user: &UserId,
        client_id: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Remembers that `session` reached `client_id` (which has a back-channel logout URI).
    async fn note_session_client(
        &self,
        session: &SessionId,
        client_id: &str,
        user: &UserId,
        now: UnixMillis,
    ) -> StoreResult<()>;
    /// Applications to tell now: their session ended or expired, not told yet, due.
    async fn due_backchannel(&self, now: UnixMillis, limit: i64) -> StoreResult<Vec<BackchannelDue>>;
    async fn backchannel_sent(
        &self,
        session: &SessionId,
        client_id: &str,
        now: UnixMillis,
    ) -> StoreResult<()>;
    async fn backchannel_failed(
        &self,
        session: &SessionId,
        client_id: &str,
        next_attempt_at: UnixMillis,
        error: &str,
    ) -> StoreResult<()>;
    /// Revokes the family of a refresh token of `client_id`; false when there is none.
    async fn revoke_refresh(&self, token_hash: &str, client_id: &str, now: UnixMillis) -> StoreResult<bool>;
    /// Revokes every refresh token of a family (those descended from one code) of `client_id`;
    /// how many were live.
    async fn revoke_family(&self, family_id: &str, client_id: &str, now: UnixMillis) -> StoreResult<u64>;
    /// Deletes the refresh tokens nobody can use any more: spent or revoked before `before`
    /// (past the grace window of a retried request), expired, or of a session that ended
    /// before `before`. Returns how many.
    async fn purge_refresh_tokens(&self, before: UnixMillis, now: UnixMillis) -> StoreResult<u64>;
    /// Revokes the access tokens of a grant until `until` (when the last of them expires).
    async fn revoke_grant(&self, grant_id: &str, until: UnixMillis, now: UnixMillis) -> StoreResult<()>;
    /// Whether a grant's access tokens were revoked.
    async fn grant_revoked(&self, grant_id: &str, now: UnixMillis) -> StoreResult<bool>;
}
