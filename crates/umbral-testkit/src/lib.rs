//! `spawn_app()`: a real Umbral on a random port with a fresh database (SQLite, or PostgreSQL
//! when `UMBRAL_TEST_DATABASE=postgres`), a test clock, and dev mode so that every email can be
//! read back from the outbox. Tests talk to it over real HTTP.

// A test kit fails loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use umbral::{Running, Settings};
use umbral_core::clock::TestClock;
use umbral_store::test_support::{TestDatabase, postgres_admin_url};

pub use umbral_core;
pub use umbral_store;

/// A strong password that passes every rule.
pub const PASSWORD: &str = "tigre-azul-lunes-47";

pub struct TestApp {
    pub base: String,
    pub clock: Arc<TestClock>,
    pub running: Option<Running>,
    pub backend: &'static str,
    pub db: TestDatabase,
}

/// Which database the HTTP tests use.
pub fn backend() -> &'static str {
    match std::env::var("UMBRAL_TEST_DATABASE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// Settings for a test server: dev mode, fast password hashing (tests that need the real cost
/// set it), a fresh database.
pub fn test_settings(database_url: &str) -> Settings {
    let mut s = Settings {
        dev: true,
        database_url: database_url.to_string(),
        ..Settings::default()
    };
    s.passwords.m_cost_kib = 1024;
    s.passwords.t_cost = 1;
    s.passwords.hash_workers = 2;
    s.passwords.hash_queue = 64;
    s.log_level = "warn".into();
    s
}

pub async fn fresh_database() -> TestDatabase {
    if backend() == "postgres" {
        let url =
            postgres_admin_url().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string());
        TestDatabase::postgres(&url).await
    } else {
        TestDatabase::sqlite()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `adjust` has changed its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db = fresh_database().await;
    let mut settings = test_settings(&db.url);
    adjust(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    settings.listen = format!("127.0.0.1:{port}");
    let clock = Arc::new(TestClock::new());
    let running = umbral::start(&settings, clock.clone(), listener)
        .await
        .expect("start");
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        clock,
        running: Some(running),
        backend: backend(),
        db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub fn umbral(&self) -> &Arc<umbral_core::Umbral> {
        &self.running.as_ref().expect("running").umbral
    }

    /// The dev outbox, newest first.
    pub async fn outbox(&self) -> Vec<Value> {
        let r = reqwest::get(self.url("/dev/outbox.json")).await.expect("outbox");
        r.json::<Vec<Value>>().await.expect("outbox json")
    }

    /// Waits up to 5 s for the newest message to `to` whose subject contains `needle`.
    pub async fn wait_for_email(&self, to: &str, needle: &str) -> Value {
        for _ in 0..100 {
            if let Some(m) = self.outbox().await.into_iter().find(|m| {
                m["to"].as_str() == Some(to) && m["subject"].as_str().is_some_and(|s| s.contains(needle))
            }) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no email to {to} with {needle:?} in the outbox");
    }

    /// The newest 6-digit code sent to `to`.
    pub async fn code_for(&self, to: &str) -> String {
        let m = self.wait_for_email(to, "").await;
        extract_code(m["body"].as_str().unwrap_or("")).unwrap_or_else(|| panic!("no code in {m}"))
    }

    pub fn signup_body(email: &str) -> Value {
        json!({"name": "Ana Pérez", "email": email, "phone": "+5491123456789", "password": PASSWORD, "accept_terms": true})
    }

    /// Signs up through the API and confirms the email; returns the client holding the session.
    pub async fn signed_up(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let r = c
            .post(self.url("/api/v1/signup"))
            .json(&Self::signup_body(email))
            .send()
            .await
            .expect("signup");
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
        let code = self.code_for(email).await;
        let r = c
            .post(self.url("/api/v1/signup/confirm-email"))
            .json(&json!({"code": code}))
            .send()
            .await
            .expect("confirm");
        assert_eq!(r.status(), 200);
        c
    }

    /// Signs in through the API with a new client.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let r = c
            .post(self.url("/api/v1/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        c
    }
}

/// The first run of six digits on a line of its own in a message body.
pub fn extract_code(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

/// Pulls `name="csrf_token" value="..."` out of a page.
pub fn csrf_from(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}
