//! SMS over HTTP: a generic JSON webhook, and Twilio's Messages API. Both answer a failure as an
//! error, so that the outbox retries the message later.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use umbral_core::ports::SmsGateway;

fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

fn status_error(status: reqwest::StatusCode, body: &str) -> String {
    let body: String = body.chars().take(200).collect();
    format!("SMS gateway answered {status}: {body}")
}

/// `POST <url>` with `{"to": "+549...", "text": "...", "from": "..."}` and, when set,
/// `Authorization: Bearer <token>`. Any 2xx is a success.
pub struct WebhookSms {
    client: reqwest::Client,
    url: String,
    token: Option<SecretString>,
    from: String,
}

impl WebhookSms {
    pub fn new(
        url: &str,
        token: Option<SecretString>,
        from: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "SMS webhook URL must start with http:// or https://: {url:?}"
            ));
        }
        Ok(Self {
            client: http_client(timeout)?,
            url: url.to_string(),
            token,
            from: from.to_string(),
        })
    }
}

#[async_trait]
impl SmsGateway for WebhookSms {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), String> {
        let mut req = self
            .client
            .post(&self.url)
            .json(&serde_json::json!({"to": to, "text": text, "from": self.from}));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose_secret());
        }
        let resp = req.send().await.map_err(|e| format!("SMS webhook: {e}"))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(status_error(status, &resp.text().await.unwrap_or_default()))
        }
    }
}

/// Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form fields
/// `To`, `From`, `Body`, HTTP basic authentication with the account SID and auth token.
pub struct TwilioSms {
    client: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
    from: String,
}

impl TwilioSms {
    pub fn new(
        base_url: &str,
        account_sid: &str,
        auth_token: SecretString,
        from: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(Self {
            client: http_client(timeout)?,
            base_url: base_url.trim_end_matches('/').to_string(),
            account_sid: account_sid.to_string(),
            auth_token,
            from: from.to_string(),
        })
    }
}

#[async_trait]
impl SmsGateway for TwilioSms {
    async fn send_sms(&self, to: &str, text: &str) -> Result<(), String> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url, self.account_sid
        );
        let resp = self
            .client
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", text)])
            .send()
            .await
            .map_err(|e| format!("Twilio: {e}"))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(status_error(status, &resp.text().await.unwrap_or_default()))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::routing::post;

    use super::*;

    /// Path, headers and body of a request.
    type Request = (String, HashMap<String, String>, String);

    #[derive(Clone, Default)]
    struct Seen {
        requests: Arc<Mutex<Vec<Request>>>,
        fail: Arc<Mutex<bool>>,
    }

    async fn record(State(seen): State<Seen>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        seen.requests.lock().unwrap().push((
            uri.path().to_string(),
            headers,
            String::from_utf8_lossy(&body).into_owned(),
        ));
        if *seen.fail.lock().unwrap() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::CREATED
        }
    }

    /// A local HTTP server that records what it receives.
    async fn server() -> (String, Seen) {
        let seen = Seen::default();
        let app = Router::new().fallback(post(record)).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}"), seen)
    }

    #[tokio::test]
    async fn webhook_posts_json_with_the_token_and_reports_failures() {
        let (base, seen) = server().await;
        let sms = WebhookSms::new(
            &format!("{base}/sms"),
            Some(SecretString::from("s3cret")),
            "Umbral",
            Duration::from_secs(5),
        )
        .unwrap();
        sms.send_sms("+5491123456789", "Tu código: 123456").await.unwrap();
        {
            let reqs = seen.requests.lock().unwrap();
            let (path, headers, body) = &reqs[0];
            assert_eq!(path, "/sms");
            assert_eq!(headers["authorization"], "Bearer s3cret");
            assert!(headers["content-type"].starts_with("application/json"));
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(json["to"], "+5491123456789");
            assert_eq!(json["text"], "Tu código: 123456");
        }
        *seen.fail.lock().unwrap() = true;
        let err = sms.send_sms("+5491123456789", "x").await.unwrap_err();
        assert!(err.contains("500"), "{err}");
        assert!(WebhookSms::new("ftp://x", None, "", Duration::from_secs(1)).is_err());
    }

    #[tokio::test]
    async fn twilio_posts_the_messages_form_with_basic_auth() {
        let (base, seen) = server().await;
        let sms = TwilioSms::new(
            &base,
            "AC123",
            SecretString::from("tok"),
            "+15005550006",
            Duration::from_secs(5),
        )
        .unwrap();
        sms.send_sms("+5511912345678", "Seu código: 654321")
            .await
            .unwrap();
        let reqs = seen.requests.lock().unwrap();
        let (path, headers, body) = &reqs[0];
        assert_eq!(path, "/2010-04-01/Accounts/AC123/Messages.json");
        // base64("AC123:tok")
        assert_eq!(headers["authorization"], "Basic QUMxMjM6dG9r");
        assert!(headers["content-type"].starts_with("application/x-www-form-urlencoded"));
        assert!(body.contains("To=%2B5511912345678"), "{body}");
        assert!(body.contains("From=%2B15005550006"), "{body}");
        assert!(body.contains("Body=Seu+c%C3%B3digo%3A+654321"), "{body}");
    }

    #[tokio::test]
    async fn an_unreachable_gateway_is_an_error_to_retry() {
        let sms = WebhookSms::new("http://127.0.0.1:9/sms", None, "", Duration::from_secs(2)).unwrap();
        assert!(sms.send_sms("+5491123456789", "x").await.is_err());
    }
}
