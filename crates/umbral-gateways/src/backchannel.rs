//! Back-channel logout tokens over HTTP (OpenID Connect Back-Channel Logout 1.0, 2.5): a form
//! `POST` of `logout_token`; any 2xx is delivered, anything else is tried again later.

use std::time::Duration;

use async_trait::async_trait;
use umbral_core::ports::LogoutNotifier;

pub struct HttpLogoutNotifier {
    client: reqwest::Client,
}

impl HttpLogoutNotifier {
    /// A slow application waits at most `timeout`; it is tried again later.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client })
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
