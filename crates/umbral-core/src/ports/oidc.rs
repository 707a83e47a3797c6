//! What the OpenID Connect provider keeps: clients, signing keys, authorization requests waiting
//! for a sign-in, and codes.

use async_trait::async_trait;

use super::StoreResult;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::oidc::client::Client;
use crate::oidc::grant::CodeGrant;
use crate::oidc::keys::StoredKey;

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

#[async_trait]
pub trait OidcStore: Send + Sync {
    async fn put_client(&self, client: &Client, audit: &AuditEvent) -> StoreResult<()>;
    async fn client(&self, id: &str) -> StoreResult<Option<Client>>;
    /// Newest first.
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>>;
    async fn put_signing_key(&self, key: &StoredKey) -> StoreResult<()>;
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
}
