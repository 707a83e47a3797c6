//! `spawn_app()`: a real Umbral on a random port with a fresh database (SQLite, or PostgreSQL
//! when `UMBRAL_TEST_DATABASE=postgres`), a test clock, and dev mode so that every email can be
//! read back from the outbox. Tests talk to it over real HTTP.

// A test kit fails loudly by design.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod journey;

use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use umbral::{Running, Settings};
use umbral_core::clock::TestClock;
use umbral_core::ports::{AccountStore, CommerceStore};
use umbral_store::test_support::{TestDatabase, postgres_admin_url};

pub use umbral_core;
pub use umbral_gateways;
pub use umbral_store;

/// A strong password that passes every rule.
pub use journey::PASSWORD;

pub struct TestApp {
    pub base: String,
    /// The server's `public_url` (`base` unless the test named another, e.g. `localhost`).
    pub public_url: String,
    pub clock: Arc<TestClock>,
    pub running: Option<Running>,
    pub backend: &'static str,
    pub db: TestDatabase,
    /// The authenticator key of each user the kit enrolled, by email.
    keys: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
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
    // Tests sign many users up from 127.0.0.1; the per-client limit has a test of its own.
    s.signup.per_ip = 100_000;
    // Messages not sent at once (password recovery) go out at the next pass.
    s.outbox.poll_seconds = 1;
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
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    spawn_app_on(listener, adjust).await
}

/// Starts a server on `listener` (whose address a test needed first, e.g. to register it with
/// another server) after `adjust` has changed its settings.
pub async fn spawn_app_on(listener: TcpListener, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db = fresh_database().await;
    let mut settings = test_settings(&db.url);
    adjust(&mut settings);
    let port = listener.local_addr().expect("addr").port();
    settings.listen = format!("127.0.0.1:{port}");
    // The address the tests use (passkey tests name it `localhost` themselves).
    if settings.public_url.is_empty() {
        settings.public_url = format!("http://127.0.0.1:{port}");
    }
    let clock = Arc::new(TestClock::new());
    let running = umbral::start(&settings, clock.clone(), listener)
        .await
        .expect("start");
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        public_url: settings.public_url.clone(),
        clock,
        running: Some(running),
        backend: backend(),
        db,
        keys: Default::default(),
    }
}

/// Another server on the same database and clock: a second node.
pub struct Node {
    pub base: String,
    running: Running,
}

impl Node {
    pub async fn stop(self) {
        self.running.stop().await;
    }
}

impl TestApp {
    /// Starts a second node on this server's database and public address (with the default
    /// test settings), as behind one load balancer.
    pub async fn another_node(&self) -> Node {
        let mut settings = test_settings(&self.db.url);
        settings.public_url = self.public_url.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        settings.listen = format!("127.0.0.1:{port}");
        let running = umbral::start(&settings, self.clock.clone(), listener)
            .await
            .expect("start");
        Node {
            base: format!("http://127.0.0.1:{port}"),
            running,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A path of this server as a full address (a full address is left as it is).
    fn resolve(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            self.url(path_or_url)
        }
    }

    /// `GET` by the browser `c`: the status and the page.
    pub async fn get_text(&self, c: &reqwest::Client, path: impl AsRef<str>) -> (u16, String) {
        let r = c.get(self.resolve(path.as_ref())).send().await.expect("get");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// `POST` of a JSON body by `c`: the status and the JSON answer (`null` when there is none).
    pub async fn post_json(&self, c: &reqwest::Client, path: impl AsRef<str>, body: Value) -> (u16, Value) {
        self.call(c, reqwest::Method::POST, path, Some(body)).await
    }

    /// Any method, with a JSON body or none: the status and the JSON answer (`null` when none).
    pub async fn call(
        &self,
        c: &reqwest::Client,
        method: reqwest::Method,
        path: impl AsRef<str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = c.request(method, self.resolve(path.as_ref()));
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// `POST /api/v1/login` by `c` with an email and a password: the answer as it came.
    pub async fn login(&self, c: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        c.post(self.url("/api/v1/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
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

    /// The server's store, for a test to look at what was written.
    pub fn store(&self) -> &umbral_store::SqlStore {
        &self.running.as_ref().expect("running").store
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

    /// The token of a link in the newest email to `to` whose subject contains `needle`: what
    /// follows `before` in its body, up to the next space.
    pub async fn link_token(&self, to: &str, needle: &str, before: &str) -> String {
        let m = self.wait_for_email(to, needle).await;
        let body = m["body"].as_str().unwrap_or_default();
        body.split(before)
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no link in {body}"))
    }

    /// The token of the newest password reset link emailed to `to`.
    pub async fn reset_link_token(&self, to: &str) -> String {
        self.link_token(to, "new", "/recover/complete?token=").await
    }

    /// The newest 6-digit code sent to `to`.
    pub async fn code_for(&self, to: &str) -> String {
        let m = self.wait_for_email(to, "").await;
        extract_code(m["body"].as_str().unwrap_or("")).unwrap_or_else(|| panic!("no code in {m}"))
    }

    pub fn signup_body(email: &str) -> Value {
        journey::signup_body(email)
    }

    /// Signs up through the API, confirms the email, under policy `required` sets an
    /// authenticator app up, gives the company data and pays with the sandbox's test card;
    /// returns the client holding the fully signed-in session.
    pub async fn signed_up(&self, email: &str) -> reqwest::Client {
        let c = self.confirmed(email).await;
        let me = c.get(self.url("/api/v1/me")).send().await.expect("me");
        if me.status() == 403 {
            self.enroll_totp(&c, email).await;
        }
        self.onboarded(&c).await;
        c
    }

    /// Company data of an Argentinian company, as the API takes it.
    pub fn company_body() -> Value {
        journey::company_body()
    }

    /// The organization `email` belongs to.
    pub async fn org_of(&self, email: &str) -> umbral_core::types::OrgId {
        self.store()
            .sign_in_lookup(email, ["-", "-", "-"])
            .await
            .unwrap()
            .account
            .and_then(|(_, m)| m)
            .map(|m| m.org_id)
            .unwrap_or_else(|| panic!("{email} has no organization"))
    }

    /// The company data, plan choice and subscription of `email`'s organization.
    pub async fn commerce_of(&self, email: &str) -> umbral_core::ports::OrgCommerce {
        let org = self.org_of(email).await;
        self.store().org_commerce(&org).await.unwrap()
    }

    /// The orders of `email`'s organization, newest first: currency, status, total.
    pub async fn orders_of(&self, email: &str) -> Vec<(String, String, i64)> {
        let org = self.org_of(email).await;
        self.store()
            .orders_of(&org)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.currency, o.status.as_str().to_string(), o.total))
            .collect()
    }

    /// The step the session of `c` must do next, as `GET /api/v1/me` tells (`done` when none).
    pub async fn next_step(&self, c: &reqwest::Client, bearer: Option<&str>) -> String {
        journey::next_step(c, &self.base, bearer).await.expect("me")
    }

    /// Gives the company data, pays and skips "First steps", when the session of `c` is at those
    /// steps.
    pub async fn onboarded(&self, c: &reqwest::Client) {
        self.onboarded_as(c, None).await
    }

    /// [`Self::onboarded`] for a session held as a bearer token.
    pub async fn onboarded_as(&self, c: &reqwest::Client, bearer: Option<&str>) {
        journey::onboard(c, &self.base, bearer).await.expect("onboarding");
    }

    /// The authenticator key the kit set up for `email`.
    pub fn totp_key(&self, email: &str) -> Vec<u8> {
        self.keys
            .lock()
            .unwrap()
            .get(email)
            .cloned()
            .unwrap_or_else(|| panic!("no authenticator set up for {email}"))
    }

    /// The current code of `email`'s authenticator app, after moving the test clock to a new
    /// 30-second step (a step is never accepted twice).
    pub fn next_totp(&self, email: &str) -> String {
        self.clock.advance_secs(30);
        self.totp_now(email)
    }

    /// The code of `email`'s authenticator app at the test clock's time.
    pub fn totp_now(&self, email: &str) -> String {
        use umbral_core::clock::Clock;
        let step = self.clock.now_ms() / 30_000;
        umbral_core::factors::totp::code_at_step(&self.totp_key(email), step).unwrap()
    }

    /// Sets an authenticator app up through the API for the session of `c`; returns the recovery
    /// codes.
    pub async fn enroll_totp(&self, c: &reqwest::Client, email: &str) -> Vec<String> {
        let r = c
            .post(self.url("/api/v1/factors/totp"))
            .send()
            .await
            .expect("totp");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let setup: Value = r.json().await.unwrap();
        let key = base32_decode(setup["secret"].as_str().unwrap());
        self.keys.lock().unwrap().insert(email.to_string(), key);
        let r = c
            .post(self.url("/api/v1/factors/totp/confirm"))
            .json(&json!({"code": self.totp_now(email)}))
            .send()
            .await
            .expect("confirm totp");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let body: Value = r.json().await.unwrap();
        body["recovery_codes"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Answers the second-factor challenge of the session of `c` with a fresh TOTP code.
    pub async fn pass_totp(&self, c: &reqwest::Client, email: &str) {
        let r = c
            .post(self.url("/api/v1/login/second-factor"))
            .json(&json!({"method": "totp", "code": self.next_totp(email)}))
            .send()
            .await
            .expect("second factor");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }

    /// A staff member, created as `umbral staff create` does, who accepted the invitation and set
    /// an authenticator app up; returns the signed-in client.
    pub async fn staff(&self, email: &str) -> reqwest::Client {
        use umbral_core::flows::invitations::NewUserInput;
        let input = NewUserInput {
            email: email.to_string(),
            name: "Staff Member".to_string(),
            locale: umbral_core::types::Locale::En,
            org_id: None,
            role: umbral_core::accounts::Role::Member,
            staff: true,
        };
        self.umbral()
            .create_user(
                &umbral_core::staff::ApiActor::command_line(),
                &input,
                &umbral_core::audit::RequestMeta::default(),
            )
            .await
            .expect("create staff");
        let m = self.wait_for_email(email, "").await;
        let token = m["body"]
            .as_str()
            .and_then(|b| b.split("/invite?token=").nth(1))
            .and_then(|r| r.split_whitespace().next())
            .expect("invitation link")
            .to_string();
        let c = self.client();
        let r = c
            .post(self.url("/api/v1/invitations/accept"))
            .json(&json!({"token": token, "password": PASSWORD}))
            .send()
            .await
            .expect("accept");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        self.enroll_totp(&c, email).await;
        c
    }

    /// Signs up through the API and confirms the email; the session stops at the next step.
    pub async fn confirmed(&self, email: &str) -> reqwest::Client {
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

    /// Two admin API keys: one staff-wide, and one of the organization of a new owner
    /// `owner@example.com`.
    pub async fn admin_keys(&self) -> (String, String) {
        use umbral_core::staff::ApiScope;
        let (_, staff) = self
            .umbral()
            .create_api_key("tools", ApiScope::Staff)
            .await
            .expect("staff key");
        let _owner = self.signed_up("owner@example.com").await;
        let org = self.org_of("owner@example.com").await;
        let (_, org_key) = self
            .umbral()
            .create_api_key("org tools", ApiScope::Organization(org))
            .await
            .expect("org key");
        (staff, org_key)
    }

    /// An admin API call with `key`: its status and JSON body (`null` when none).
    pub async fn admin_call(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("admin call");
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    }

    /// Signs in through the API with a new client, passing the second factor when asked.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let r = c
            .post(self.url("/api/v1/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let body: Value = r.json().await.unwrap();
        if body["next"] == "second_factor" {
            self.pass_totp(&c, email).await;
        }
        c
    }
}

/// The TOTP code at `unix_secs` for a base32 key, computed by Python's pyotp: an implementation
/// independent of Umbral's, as an authenticator app would be.
pub fn pyotp_code(secret_b32: &str, unix_secs: i64) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).at(int(sys.argv[2])))",
            secret_b32,
            &unix_secs.to_string(),
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "pyotp failed (pip install pyotp): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Reads the QR code drawn by an SVG of the shape Umbral serves (a background and one path of
/// `M x y h w v h H x V y` rectangles) with an independent QR decoder; returns its text.
pub fn decode_qr_svg(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        svg.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {svg}"))
    };
    let (w, h) = (attr("width"), attr("height"));
    let d = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("path");
    let mut dark = vec![false; w * h];
    let nums = |s: &str| -> Vec<usize> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect()
    };
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        // "x y h w v h H x V y"
        let n = nums(rect);
        let (x, y, rw, rh) = (n[0], n[1], n[2], n[3]);
        for yy in y..(y + rh).min(h) {
            for xx in x..(x + rw).min(w) {
                dark[yy * w + xx] = true;
            }
        }
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if dark[y * w + x] { 0 } else { 255 });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("decodable QR code").1
}

/// RFC 4648 base32 (no padding), as authenticator apps read keys.
pub fn base32_decode(text: &str) -> Vec<u8> {
    journey::base32(text).unwrap_or_else(|| panic!("not base32: {text}"))
}

/// The first run of six digits on a line of its own in a message body.
pub use journey::extract_code;

/// Pulls `name="csrf_token" value="..."` out of a page.
pub fn csrf_from(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}
