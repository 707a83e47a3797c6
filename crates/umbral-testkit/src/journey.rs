//! The sign-up journey over HTTP against any running Umbral, a test server or a benchmark's
//! release build: what each step sends, and each step with a client and, for API clients that
//! keep no cookies, a bearer token. The HTTP tests (through `TestApp`) and `bench/` both use it.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// The password every journey signs up with.
pub const PASSWORD: &str = "tigre-azul-lunes-47";

/// A sign-up as the API takes it (an Argentinian mobile number).
pub fn signup_body(email: &str) -> Value {
    json!({"name": "Ana Pérez", "email": email, "phone": "+5491123456789", "password": PASSWORD, "accept_terms": true})
}

/// Company data of an Argentinian company, as the API takes it.
pub fn company_body() -> Value {
    json!({
        "legal_name": "Acme SA", "country": "AR", "tax_id": "33-69345023-9", "employees": "11-50",
        "segment": "technology", "postal_code": "C1425DKA", "street": "Av. Santa Fe", "number": "1234",
        "city": "Buenos Aires", "state": "CABA"
    })
}

/// The starter plan, monthly, paid with the sandbox's card that always goes through.
pub fn checkout_body() -> Value {
    json!({"plan": "starter", "period": "month",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}})
}

/// The 6-digit code in a message's body.
pub fn extract_code(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

fn with_bearer(r: reqwest::RequestBuilder, bearer: Option<&str>) -> reqwest::RequestBuilder {
    match bearer {
        Some(t) => r.bearer_auth(t),
        None => r,
    }
}

/// The step this session must do next, as `/api/v1/me` says (`done` once it answers 200).
pub async fn next_step(c: &reqwest::Client, base: &str, bearer: Option<&str>) -> Result<String> {
    let r = with_bearer(c.get(format!("{base}/api/v1/me")), bearer)
        .send()
        .await?;
    if r.status() == 200 {
        return Ok("done".to_string());
    }
    let body: Value = r.json().await.unwrap_or_default();
    Ok(body["error"]["next"].as_str().unwrap_or_default().to_string())
}

/// Posts a JSON body on the session; fails unless the answer is a success.
async fn step(
    c: &reqwest::Client,
    base: &str,
    bearer: Option<&str>,
    path: &str,
    body: Value,
) -> Result<Value> {
    let r = with_bearer(c.post(format!("{base}{path}")).json(&body), bearer)
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{path}: {status} {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Signs `email` up as an API client (`"token": true`); returns the session token.
pub async fn signup_token(c: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let mut body = signup_body(email);
    body["token"] = json!(true);
    let answer = step(c, base, None, "/api/v1/signup", body).await?;
    Ok(answer["session_token"].as_str().unwrap_or_default().to_string())
}

/// The newest 6-digit code sent to `to`, read from the dev outbox (waits up to 5 s).
pub async fn code_for(base: &str, to: &str) -> Result<String> {
    for _ in 0..250 {
        let list: Vec<Value> = reqwest::get(format!("{base}/dev/outbox.json"))
            .await?
            .json()
            .await?;
        if let Some(code) = list
            .iter()
            .filter(|m| m["to"] == to)
            .find_map(|m| extract_code(m["body"].as_str()?))
        {
            return Ok(code);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("no code for {to} in the dev outbox")
}

/// Confirms the email of the session with the code sent to `email`.
pub async fn confirm_email(c: &reqwest::Client, base: &str, bearer: Option<&str>, email: &str) -> Result<()> {
    let code = code_for(base, email).await?;
    step(
        c,
        base,
        bearer,
        "/api/v1/signup/confirm-email",
        json!({"code": code}),
    )
    .await?;
    Ok(())
}

/// Sets an authenticator app up on the session with `code_of(key)` (a TOTP code of the key);
/// returns the key and the session's new token (its id rotates when enrolling completes the
/// sign-in; a build from before that keeps the old one).
pub async fn enroll_totp(
    c: &reqwest::Client,
    base: &str,
    bearer: Option<&str>,
    code_of: impl Fn(&[u8]) -> Result<String>,
) -> Result<(Vec<u8>, Option<String>)> {
    let setup = step(c, base, bearer, "/api/v1/factors/totp", Value::Null).await?;
    let key = base32(setup["secret"].as_str().unwrap_or_default()).context("no key")?;
    let done = step(
        c,
        base,
        bearer,
        "/api/v1/factors/totp/confirm",
        json!({"code": code_of(&key)?}),
    )
    .await?;
    Ok((key, done["session_token"].as_str().map(str::to_string)))
}

/// The sign-up steps after two-factor set-up, as far as the server asks for them: the company
/// data, the payment, "First steps" skipped.
pub async fn onboard(c: &reqwest::Client, base: &str, bearer: Option<&str>) -> Result<()> {
    if next_step(c, base, bearer).await? == "company" {
        step(c, base, bearer, "/api/v1/onboarding/company", company_body()).await?;
    }
    if next_step(c, base, bearer).await? == "checkout" {
        step(c, base, bearer, "/api/v1/checkout", checkout_body()).await?;
        step(c, base, bearer, "/api/v1/onboarding/first-steps/skip", json!({})).await?;
    }
    Ok(())
}

/// RFC 4648 base32 without padding, as authenticator keys are written.
pub fn base32(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for ch in text.chars().filter(|c| *c != ' ' && *c != '=') {
        let v = match ch {
            'A'..='Z' => ch as u64 - 'A' as u64,
            'a'..='z' => ch as u64 - 'a' as u64,
            '2'..='7' => ch as u64 - '2' as u64 + 26,
            _ => return None,
        };
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}
