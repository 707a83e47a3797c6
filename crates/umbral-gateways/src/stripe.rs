//! Stripe: a Checkout Session per order (Stripe's page takes the card), completed by the
//! `checkout.session.completed` webhook. The webhook's `Stripe-Signature` header is checked as
//! Stripe documents it: HMAC-SHA256 of `<timestamp>.<body>` under the endpoint's secret, compared
//! in constant time, and the timestamp within a tolerance (5 minutes), so a forged or replayed
//! notice is refused. Every request carries the order's idempotency key, so a retry never makes
//! a second session or charge.

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use umbral_core::billing::card::Card;
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{
    ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway, WebhookError, WebhookEvent,
};

/// How old a signed notice may be.
pub const TOLERANCE_SECS: i64 = 300;

pub struct StripeGateway {
    client: reqwest::Client,
    api_base: String,
    secret_key: SecretString,
    webhook_secret: SecretString,
}

impl StripeGateway {
    pub fn new(
        api_base: &str,
        secret_key: &str,
        webhook_secret: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            api_base: api_base.trim_end_matches('/').to_string(),
            secret_key: SecretString::from(secret_key.to_string()),
            webhook_secret: SecretString::from(webhook_secret.to_string()),
        })
    }
}

/// Stripe's page languages for ours.
fn stripe_locale(tag: &str) -> &'static str {
    match tag {
        "es" => "es",
        "pt-BR" => "pt-BR",
        _ => "en",
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn needs_card(&self) -> bool {
        false
    }

    async fn charge(&self, req: &ChargeRequest, _card: Option<&Card>) -> Result<ChargeOutcome, GatewayError> {
        let amount = req.amount.to_string();
        let currency = req.currency.to_ascii_lowercase();
        let form = [
            ("mode", "payment"),
            ("success_url", req.success_url.as_str()),
            ("cancel_url", req.cancel_url.as_str()),
            ("client_reference_id", req.order_id.as_str()),
            ("metadata[order_id]", req.order_id.as_str()),
            ("customer_email", req.customer_email.as_str()),
            ("locale", stripe_locale(&req.locale)),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", currency.as_str()),
            ("line_items[0][price_data][unit_amount]", amount.as_str()),
            (
                "line_items[0][price_data][product_data][name]",
                req.description.as_str(),
            ),
        ];
        let r = self
            .client
            .post(format!("{}/v1/checkout/sessions", self.api_base))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Idempotency-Key", &req.idempotency_key)
            .form(&form)
            .send()
            .await
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or_default();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(GatewayError::Unavailable(format!("Stripe answered {status}")));
        }
        if !status.is_success() {
            let msg = body["error"]["message"].as_str().unwrap_or("no message");
            return Err(GatewayError::Rejected(format!("Stripe answered {status}: {msg}")));
        }
        match (body["id"].as_str(), body["url"].as_str()) {
            (Some(id), Some(url)) => Ok(ChargeOutcome::Redirect {
                url: url.to_string(),
                reference: id.to_string(),
            }),
            _ => Err(GatewayError::Unavailable("Stripe's answer has no session".into())),
        }
    }

    fn webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_ms: UnixMillis,
    ) -> Result<Option<WebhookEvent>, WebhookError> {
        let header = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("stripe-signature"))
            .map(|(_, v)| v.as_str())
            .ok_or(WebhookError::BadSignature)?;
        verify(self.webhook_secret.expose_secret(), header, body, now_ms / 1000)?;
        let event: Value =
            serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        if event["type"] != "checkout.session.completed" {
            return Ok(None);
        }
        let session = &event["data"]["object"];
        if session["payment_status"] != "paid" {
            return Ok(None);
        }
        let order_id = session["client_reference_id"]
            .as_str()
            .or_else(|| session["metadata"]["order_id"].as_str())
            .ok_or_else(|| WebhookError::Malformed("no client_reference_id".into()))?;
        let reference = session["id"].as_str().unwrap_or_default();
        Ok(Some(WebhookEvent::OrderPaid {
            order_id: order_id.to_string(),
            reference: reference.to_string(),
        }))
    }
}

/// The `v1` signature of a payload at a time.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>[,v1=...]`).
pub fn verify(secret: &str, header: &str, body: &[u8], now_secs: i64) -> Result<(), WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let t = timestamp.ok_or(WebhookError::BadSignature)?;
    let expected = sign(secret, t, body);
    let matches = signatures.iter().any(|s| {
        s.len() == expected.len() && subtle::ConstantTimeEq::ct_eq(s.as_bytes(), expected.as_bytes()).into()
    });
    if !matches {
        return Err(WebhookError::BadSignature);
    }
    if (now_secs - t).abs() > TOLERANCE_SECS {
        return Err(WebhookError::TooOld);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_in_time() {
        let body = br#"{"type":"checkout.session.completed"}"#;
        let good = format!("t=1000,v1={}", sign("whsec_test", 1000, body));
        assert_eq!(verify("whsec_test", &good, body, 1100), Ok(()));
        assert_eq!(
            verify("whsec_other", &good, body, 1100),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("whsec_test", &good, b"{}", 1100),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify("whsec_test", &good, body, 1000 + 301),
            Err(WebhookError::TooOld)
        );
        assert_eq!(
            verify("whsec_test", "v1=abc", body, 1000),
            Err(WebhookError::BadSignature)
        );
        // Several signatures (a secret being rolled): one good one is enough.
        let two = format!("t=1000,v1=00ff,v1={}", sign("whsec_test", 1000, body));
        assert_eq!(verify("whsec_test", &two, body, 1000), Ok(()));
    }
}
