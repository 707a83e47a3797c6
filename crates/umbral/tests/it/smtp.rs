//! A real SMTP conversation with a local sink (aiosmtpd), and the outbox retrying while the
//! SMTP server is down.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::{free_port, serve, signup_body, six_digits, temp_dir};

fn aiosmtpd_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "these tests need Python's aiosmtpd: pip install aiosmtpd");
    ok
}

async fn start_sink(port: u16, folder: &Path) -> Child {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(folder)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready.as_deref(), Some("ready"));
    child
}

async fn wait_for_mail(folder: &Path, to: &str, secs: u64) -> String {
    for _ in 0..secs * 20 {
        if let Ok(entries) = std::fs::read_dir(folder) {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f).unwrap_or_default();
                if text.starts_with(&format!("X-Rcpt: {to}")) {
                    return text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} within {secs} s");
}

fn smtp_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("UMBRAL_SMTP_HOST", "127.0.0.1".to_string()),
        ("UMBRAL_SMTP_PORT", port.to_string()),
        ("UMBRAL_SMTP_TLS", "none".to_string()),
        ("UMBRAL_SMTP_FROM", "Umbral <no-reply@umbral.test>".to_string()),
        ("UMBRAL_OUTBOX_RETRY_BASE_SECONDS", "1".to_string()),
        ("UMBRAL_OUTBOX_POLL_SECONDS", "1".to_string()),
        ("UMBRAL_SMS_ENABLED", "false".to_string()),
        (
            "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY",
            "q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".to_string(),
        ),
    ]
}

/// Quoted-printable bodies may wrap lines; the code is on a line of its own.
fn code_in(mail: &str) -> String {
    let unwrapped = mail.replace("=\r\n", "").replace("=\n", "");
    six_digits(&unwrapped).unwrap_or_else(|| panic!("no code in {mail}"))
}

#[tokio::test]
async fn signup_code_arrives_over_smtp() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = temp_dir("smtp");
    let port = free_port();
    let mut sink = start_sink(port, &dir.join("mail")).await;
    let env = smtp_env(port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = serve(&dir, "sqlite://umbral.db", &env, false).await;
    let c = reqwest::Client::new();
    let r: serde_json::Value = c
        .post(format!("{}/api/v1/signup", server.base))
        .header("accept-language", "pt-BR")
        .json(&signup_body("smtp@example.com"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mail = wait_for_mail(&dir.join("mail"), "smtp@example.com", 10).await;
    assert!(mail.contains("From: Umbral <no-reply@umbral.test>"), "{mail}");
    let code = code_in(&mail);
    let token = r["session_token"].as_str().unwrap();
    let r = c
        .post(format!("{}/api/v1/signup/confirm-email", server.base))
        .bearer_auth(token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    server.child.start_kill().unwrap();
    sink.start_kill().unwrap();
    let _ = server.child.wait().await;
    let _ = sink.wait().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn mail_waits_in_the_outbox_while_smtp_is_down() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = temp_dir("smtp-down");
    let port = free_port();
    let env = smtp_env(port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = serve(&dir, "sqlite://umbral.db", &env, false).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/api/v1/signup", server.base))
        .json(&signup_body("later@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "the user is not failed because email is down");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("umbral_outbox_pending 1"), "{metrics}");
    // The SMTP server comes back: the message is delivered by a retry.
    let mut sink = start_sink(port, &dir.join("mail")).await;
    let mail = wait_for_mail(&dir.join("mail"), "later@example.com", 20).await;
    code_in(&mail);
    server.child.start_kill().unwrap();
    sink.start_kill().unwrap();
    let _ = server.child.wait().await;
    let _ = sink.wait().await;
    std::fs::remove_dir_all(dir).unwrap();
}
