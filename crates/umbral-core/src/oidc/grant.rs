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

/// A spent refresh token presented again by the same client within this long, while its
/// successor is unused, is a retried request or a second tab: it gets the same successor back
/// instead of revoking the family.
pub const REFRESH_GRACE_MS: i64 = 30_000;

/// What a refresh token renews: the same client, person, session and scopes as its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshGrant {
    pub client_id: String,
    pub user_id: UserId,
    pub session_id: SessionId,
    pub scopes: Vec<String>,
    pub auth_time: i64,
    pub amr: Vec<String>,
    /// The grant every token from one code belongs to (access tokens carry it as `gid`): a
    /// reuse of the code, or of a spent refresh token, revokes them all.
    #[serde(default)]
    pub grant_id: String,
}

/// The token that replaces a spent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextRefresh {
    pub token_hash: String,
    /// The token itself, sealed, for the grace window.
    pub sealed: String,
    pub expires_at: UnixMillis,
}

/// A refresh token presented at the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Unused: now spent, and its successor stored.
    Rotated(RefreshGrant),
    /// Spent within the grace window by the same client, its successor unused: that successor
    /// (sealed) is given again.
    Retried {
        grant: RefreshGrant,
        successor_sealed: String,
    },
    /// Spent before, outside the grace window or after its successor was used: the whole family
    /// is revoked now.
    Reused(RefreshGrant),
    /// Unknown, expired, revoked, or another client's.
    Unknown,
}
