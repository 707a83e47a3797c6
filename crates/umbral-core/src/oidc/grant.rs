//! What a code stands for, from its issue at the end of a sign-in to its exchange.

use serde::{Deserialize, Serialize};

use crate::clock::UnixMillis;
use crate::types::{SessionId, UserId};

/// Codes live this long (OpenID Connect Core 3.1.2.5 asks for a short life).
pub const CODE_LIFETIME_MS: i64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// SHA-256 of the code.
    pub code_hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// When the person signed in (seconds).
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub issued_at: UnixMillis,
    pub expires_at: UnixMillis,
}
