use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "tigre-azul-lunes-47";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let mut b = [0u8; 6];
    umbral_core::secrets::fill_random(&mut b).unwrap();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let d = std::env::temp_dir().join(format!("umbral-{tag}-{hex}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The `umbral` program with fast test hashing and quiet logs.
pub fn umbral(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_umbral"));
    c.current_dir(dir)
        .env_remove("UMBRAL_CONFIG")
        .env("UMBRAL_PASSWORDS_M_COST_KIB", "1024")
        .env("UMBRAL_PASSWORDS_T_COST", "1")
        .env("UMBRAL_PASSWORDS_HASH_QUEUE", "256")
        .env("UMBRAL_LOG_LEVEL", "warn")
        // Bursts of sign-ups from this one address, beyond what one client may make.
        .env("UMBRAL_SIGNUP_PER_IP", "100000")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

/// Starts `umbral serve --dev` on a free port and waits until `/readyz` answers.
pub async fn serve(dir: &Path, database_url: &str, extra_env: &[(&str, &str)], dev: bool) -> Server {
    let port = free_port();
    let mut cmd = umbral(dir);
    cmd.arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--database-url")
        .arg(database_url);
    if dev {
        cmd.arg("--dev");
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
    let child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    Server { child, base }
}

pub async fn wait_ready(base: &str) -> Duration {
    let start = Instant::now();
    let client = reqwest::Client::new();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{base} did not become ready");
}

pub fn signup_body(email: &str) -> Value {
    json!({"name": "Ana Pérez", "email": email, "phone": "+5491123456789", "password": PASSWORD, "accept_terms": true, "token": true})
}

/// Signs `email` up on the node `on` and confirms the code it was sent on `confirm_on` (the
/// same node, or another on the same database); the session's token.
pub async fn confirmed_signup(c: &reqwest::Client, on: &str, confirm_on: &str, email: &str) -> String {
    let r: Value = c
        .post(format!("{on}/api/v1/signup"))
        .json(&signup_body(email))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["session_token"].as_str().unwrap().to_string();
    let code = code_from_outbox(confirm_on, email).await;
    let r = c
        .post(format!("{confirm_on}/api/v1/signup/confirm-email"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    token
}

/// The newest 6-digit code sent to `to`, read from the dev outbox.
pub async fn code_from_outbox(base: &str, to: &str) -> String {
    for _ in 0..100 {
        let list: Vec<Value> = reqwest::get(format!("{base}/dev/outbox.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(m) = list.iter().find(|m| m["to"] == to)
            && let Some(code) = six_digits(m["body"].as_str().unwrap_or(""))
        {
            return code;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no code for {to}");
}

pub fn six_digits(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}
