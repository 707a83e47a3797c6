//! What the OpenID Connect provider says to and reads from applications over HTTP: back-channel
//! logout tokens (Back-Channel Logout 1.0, 2.5: a form `POST` of `logout_token`; any 2xx is
//! delivered, anything else is tried again later), and the keys of `private_key_jwt` clients.

use std::time::Duration;

use async_trait::async_trait;
use umbral_core::ports::{JwksReader, LogoutNotifier};

/// An HTTP client for calls to applications: within `timeout`, never following a redirect (an
/// application's address must not send Umbral elsewhere).
fn to_applications(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

pub struct HttpLogoutNotifier {
    client: reqwest::Client,
}

impl HttpLogoutNotifier {
    /// A slow application waits at most `timeout`; it is tried again later.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            client: to_applications(timeout)?,
        })
    }
}

#[async_trait]
impl LogoutNotifier for HttpLogoutNotifier {
    async fn post_logout_token(&self, uri: &str, token: &str) -> Result<(), String> {
        let r = self
            .client
            .post(uri)
            .header("cache-control", "no-store")
            .form(&[("logout_token", token)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("the application answered {}", r.status()))
        }
    }
}

/// Reads a client's JWKS from its `jwks_uri`: at most 64 KiB, no redirects, within `timeout`.
pub struct HttpJwksReader {
    client: reqwest::Client,
}

impl HttpJwksReader {
    pub fn new(timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            client: to_applications(timeout)?,
        })
    }
}

#[async_trait]
impl JwksReader for HttpJwksReader {
    async fn read_jwks(&self, uri: &str) -> Result<String, String> {
        let mut r = self.client.get(uri).send().await.map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("the application answered {}", r.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = r.chunk().await.map_err(|e| e.to_string())? {
            body.extend_from_slice(&chunk);
            if body.len() > 64 * 1024 {
                return Err("the key set is larger than 64 KiB".to_string());
            }
        }
        String::from_utf8(body).map_err(|_| "the key set is not text".to_string())
    }
}
