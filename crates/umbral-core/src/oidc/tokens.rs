//! What the provider signs: ID tokens (OpenID Connect Core 2) and JWT access tokens (RFC 9068).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::{KeyAlg, SigningKey};
use crate::error::CoreError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The Umbral session, for logout (Back-Channel Logout 1.0).
    pub sid: String,
    pub acr: String,
    /// RFC 8176 method references: `pwd`, `otp`, `sms`, `mfa`, ...
    pub amr: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    pub azp: String,
    /// The claims of the scopes granted (profile, email, phone, organization).
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    pub sid: String,
    pub auth_time: i64,
    pub acr: String,
    pub amr: Vec<String>,
    /// The grant it belongs to (`RefreshGrant::grant_id`); revoked with it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gid: String,
}

/// `at_hash`: the left half of the access token's hash, base64url (Core 3.1.3.6), with the hash
/// of the ID token's algorithm: SHA-256 for RS256 and ES256, SHA-512 for EdDSA with Ed25519.
pub fn at_hash(access_token: &str, id_token_alg: KeyAlg) -> String {
    match id_token_alg {
        KeyAlg::Rs256 | KeyAlg::Es256 => {
            URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16])
        }
        KeyAlg::EdDsa => URL_SAFE_NO_PAD.encode(&sha2::Sha512::digest(access_token.as_bytes())[..32]),
    }
}

/// Signs `claims` with `key`; `typ` is `JWT` for ID tokens and `at+jwt` for access tokens.
pub fn sign<T: Serialize>(claims: &T, key: &SigningKey, typ: &str) -> Result<String, CoreError> {
    let header = jsonwebtoken::Header {
        typ: Some(typ.to_string()),
        kid: Some(key.kid.clone()),
        ..jsonwebtoken::Header::new(key.alg.jwt())
    };
    jsonwebtoken::encode(&header, claims, &key.encoding)
        .map_err(|e| CoreError::Internal(format!("signing: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_follows_the_specification() {
        // OpenID Connect Core, appendix A.3 (the access token of the examples and its at_hash).
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", KeyAlg::Rs256),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
