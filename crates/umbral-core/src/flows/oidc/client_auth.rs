//! Who is calling the token endpoint: a confidential client by its secret (`client_secret_basic`
//! or `client_secret_post`) or by a signed assertion (`private_key_jwt`), a public client by its
//! id alone (its PKCE verifier then proves it).

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;

use super::*;
use crate::oidc::assertion;

/// What a node keeps of its clients between token requests: each client as read (and when), and
/// keys read from clients' `jwks_uri`, by address.
#[derive(Default)]
pub(crate) struct ClientCache {
    clients: HashMap<String, (i64, Option<Client>)>,
    jwks: HashMap<String, (i64, Arc<JwkSet>)>,
}

/// A client read from the store serves token requests this long on a node: a change made on
/// another node (a new secret, switched off) reaches this one within it; on this node at once.
const CLIENT_FRESH_MS: i64 = 5_000;
/// At most this many clients are kept (a full table starts again).
const CLIENTS_MAX: usize = 1_000;

/// Keys read from an address are read again after this long, or sooner (at most every 10 s)
/// when an assertion names a key they do not hold.
const JWKS_FRESH_MS: i64 = 5 * 60_000;
const JWKS_RETRY_MS: i64 = 10_000;

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    pub(super) async fn token_client(&self, creds: &ClientCredentials) -> Result<Client, TokenError> {
        let asserted = match (&creds.assertion_type, &creds.assertion) {
            (None, None) => None,
            (Some(t), Some(a)) if t == assertion::ASSERTION_TYPE => Some(a.as_str()),
            _ => return Err(TokenError::InvalidClient),
        };
        // The assertion names its client (`sub`) when the request does not.
        let from_assertion = asserted.and_then(|a| {
            jsonwebtoken::dangerous::insecure_decode::<Value>(a)
                .ok()
                .and_then(|d| d.claims.get("sub")?.as_str().map(str::to_string))
        });
        let id = creds
            .client_id
            .clone()
            .or(from_assertion)
            .filter(|i| !i.is_empty() && i.len() <= 100)
            .ok_or(TokenError::InvalidClient)?;
        let client = self
            .cached_client(&id)
            .await?
            .filter(Client::is_active)
            .ok_or(TokenError::InvalidClient)?;
        match (&creds.secret, asserted) {
            (Some(s), None) if !client.is_public() && client.secret_matches(s) => Ok(client),
            (None, None) if client.is_public() => Ok(client),
            (None, Some(a)) if client.uses_keys() => {
                self.check_assertion(&client, a).await?;
                Ok(client)
            }
            _ => Err(TokenError::InvalidClient),
        }
    }

    /// A `private_key_jwt` assertion: signed by one of the client's keys, for this provider,
    /// and never seen before.
    async fn check_assertion(&self, client: &Client, a: &str) -> Result<(), TokenError> {
        let now = self.now();
        let audiences = [format!("{}/oauth2/token", self.issuer()), self.issuer()];
        let kid = jsonwebtoken::decode_header(a).ok().and_then(|h| h.kid);
        let keys = self.client_keys(client, kid.as_deref()).await?;
        let checked = match assertion::verify(a, &client.id, &keys, &audiences, now / 1000) {
            Ok(c) => c,
            Err(why) => {
                tracing::info!(client = %client.id, why, "client assertion refused");
                return Err(TokenError::InvalidClient);
            }
        };
        if !self
            .store
            .use_assertion(&client.id, &checked.jti, checked.exp * 1000, now)
            .await?
        {
            tracing::info!(client = %client.id, "client assertion used twice");
            return Err(TokenError::InvalidClient);
        }
        Ok(())
    }

    /// The client's public keys: inline, or read from its address (kept five minutes; read
    /// again sooner when a new `kid` shows up, as after the client rotates its keys).
    async fn client_keys(&self, client: &Client, kid: Option<&str>) -> Result<Arc<JwkSet>, TokenError> {
        if let Some(inline) = &client.jwks {
            return assertion::parse_jwks(inline)
                .map(Arc::new)
                .ok_or(TokenError::InvalidClient);
        }
        let uri = client.jwks_uri.as_deref().ok_or(TokenError::InvalidClient)?;
        let now = self.now();
        let cached = self
            .client_cache
            .lock()
            .ok()
            .and_then(|c| c.jwks.get(uri).cloned());
        if let Some((at, keys)) = &cached {
            let holds = kid.is_none_or(|k| keys.find(k).is_some());
            if now - at < JWKS_FRESH_MS && (holds || now - at < JWKS_RETRY_MS) {
                return Ok(keys.clone());
            }
        }
        let read = self.jwks_reader.read_jwks(uri).await;
        let keys = match read.ok().as_deref().and_then(assertion::parse_jwks) {
            Some(k) => Arc::new(k),
            None => {
                tracing::warn!(client = %client.id, uri, "cannot read the client's keys");
                // The keys read before still hold while the address fails.
                return cached.map(|(_, k)| k).ok_or(TokenError::InvalidClient);
            }
        };
        if let Ok(mut c) = self.client_cache.lock() {
            c.jwks.insert(uri.to_string(), (now, keys.clone()));
        }
        Ok(keys)
    }

    /// The client, as read at most five seconds ago (`CLIENT_FRESH_MS`).
    async fn cached_client(&self, id: &str) -> Result<Option<Client>, CoreError> {
        let now = self.now();
        let kept = self
            .client_cache
            .lock()
            .ok()
            .and_then(|c| c.clients.get(id).cloned());
        if let Some((at, client)) = kept
            && (at..at + CLIENT_FRESH_MS).contains(&now)
        {
            return Ok(client);
        }
        let client = self.store.client(id).await?;
        if let Ok(mut c) = self.client_cache.lock() {
            if c.clients.len() >= CLIENTS_MAX {
                c.clients.clear();
            }
            c.clients.insert(id.to_string(), (now, client.clone()));
        }
        Ok(client)
    }

    /// Forgets what this node kept of a client it just changed.
    pub(super) fn forget_client(&self, id: &str) {
        if let Ok(mut c) = self.client_cache.lock() {
            c.clients.remove(id);
        }
    }
}
