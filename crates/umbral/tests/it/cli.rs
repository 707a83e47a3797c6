use std::time::Duration;

use crate::support::{serve, temp_dir, umbral};

#[tokio::test]
async fn check_config_says_what_to_set() {
    let dir = temp_dir("cfg");
    let out = umbral(&dir)
        .arg("check-config")
        .env_remove("UMBRAL_SMTP_HOST")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("UMBRAL_SMTP_HOST") && err.contains("--dev"), "{err}");

    let out = umbral(&dir)
        .args(["check-config", "--dev"])
        .env("UMBRAL_SMTP_PASSWORD", "hunter2-secret")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("listen = \"127.0.0.1:8080\"") && !shown.contains("hunter2"),
        "{shown}"
    );

    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/umbral.example.toml");
    // As shipped, the example's key is a placeholder: refused, saying how to make one.
    let out = umbral(&dir)
        .args(["check-config", "--config", example])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("two_factor.encryption_key") && err.contains("openssl rand -base64 32"),
        "{err}"
    );
    let out = umbral(&dir)
        .args(["check-config", "--config", example])
        .env(
            "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY",
            "q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=",
        )
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = umbral(&dir)
        .args(["check-config", "--dev"])
        .env("UMBRAL_LISTEN", "nowhere")
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("UMBRAL_LISTEN"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn migrate_then_serve_on_the_default_sqlite_file() {
    let dir = temp_dir("migrate");
    let out = umbral(&dir).arg("migrate").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        dir.join("umbral.db").exists(),
        "sqlite://umbral.db in the working directory"
    );
    let mut s = serve(&dir, "sqlite://umbral.db", &[], true).await;
    let r = reqwest::get(format!("{}/signup", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    s.child.kill().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn refuses_to_start_without_smtp_outside_dev() {
    let dir = temp_dir("nosmtp");
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        umbral(&dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("UMBRAL_SMTP_HOST")
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("smtp.host"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn sigterm_drains_and_exits_cleanly() {
    let dir = temp_dir("term");
    // A slow hash, so that a sign-up is still in flight when the signal comes.
    let mut s = serve(
        &dir,
        "sqlite://umbral.db",
        &[
            ("UMBRAL_PASSWORDS_T_COST", "120"),
            ("UMBRAL_PASSWORDS_M_COST_KIB", "8192"),
        ],
        true,
    )
    .await;
    let url = format!("{}/api/v1/signup", s.base);
    let in_flight = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&crate::support::signup_body("drain@example.com"))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let pid = s.child.id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let answer = in_flight
        .await
        .unwrap()
        .expect("the request in flight gets its answer");
    assert_eq!(answer.status(), 201);
    let exit = tokio::time::timeout(Duration::from_secs(10), s.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn json_logs_on_request() {
    let dir = temp_dir("jsonlog");
    let port = crate::support::free_port();
    let mut child = umbral(&dir)
        .args([
            "serve",
            "--dev",
            "--log-format",
            "json",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("UMBRAL_LOG_LEVEL", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    crate::support::wait_ready(&base).await;
    reqwest::get(format!("{base}/login")).await.unwrap();
    child.start_kill().unwrap();
    let out = child.wait_with_output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let request_line = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"))
        })
        .find(|v| v["fields"]["route"] == "/login")
        .unwrap_or_else(|| panic!("no JSON request log in {text}"));
    assert_eq!(request_line["fields"]["status"], 200);
    assert!(request_line["fields"]["request_id"].as_str().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

async fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = umbral(dir)
        .args(args)
        .args(["--database-url", "sqlite://umbral.db"])
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Staff tools on the command line: API keys, and approving a lost-factor reset that a user asked
/// for on a running server; the approval ends the user's session and the next sign-in enrolls.
#[tokio::test]
async fn api_keys_and_factor_resets_on_the_command_line() {
    use serde_json::{Value, json};
    use umbral_core::clock::{Clock, SystemClock};
    use umbral_core::factors::totp;

    use crate::support::{PASSWORD, code_from_outbox, signup_body};

    let dir = temp_dir("admin-cli");
    let mut s = serve(&dir, "sqlite://umbral.db", &[], true).await;
    let c = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut r = c.post(format!("{}{path}", s.base)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let email = "cli@example.com";
    let r: Value = post("/api/v1/signup", None, signup_body(email))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["session_token"].as_str().unwrap().to_string();
    let code = code_from_outbox(&s.base, email).await;
    post(
        "/api/v1/signup/confirm-email",
        Some(&token),
        json!({"code": code}),
    )
    .await
    .unwrap();
    let setup: Value = post("/api/v1/factors/totp", Some(&token), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = totp::secret_from_text(setup["secret"].as_str().unwrap()).unwrap();
    let now_code = totp::code_at_step(&key, SystemClock.now_ms() / 30_000).unwrap();
    let r = post(
        "/api/v1/factors/totp/confirm",
        Some(&token),
        json!({"code": now_code}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let r: Value = post(
        "/api/v1/login",
        None,
        json!({"email": email, "password": PASSWORD, "token": true}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let pending = r["session_token"].as_str().unwrap().to_string();
    assert_eq!(
        post("/api/v1/login/second-factor/lost", Some(&pending), json!({}))
            .await
            .unwrap()
            .status(),
        202
    );
    let mut link = None;
    for _ in 0..100 {
        let list: Vec<Value> = reqwest::get(format!("{}/dev/outbox.json", s.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        link = list.iter().filter_map(|m| m["body"].as_str()).find_map(|b| {
            b.split("token=")
                .nth(1)
                .map(|t| t.split_whitespace().next().unwrap().to_string())
        });
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = post(
        "/api/v1/factor-resets/confirm",
        None,
        json!({"token": link.unwrap()}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);

    // API keys: made, listed without their secret, used, revoked.
    let (ok, key_out, err) = run(&dir, &["api-key", "create", "--name", "support bot"]).await;
    assert!(ok, "{err}");
    let secret = key_out.trim().to_string();
    assert!(
        secret.starts_with("uak_") && err.contains("not shown again"),
        "{key_out} {err}"
    );
    let (_, listed, _) = run(&dir, &["api-key", "list"]).await;
    assert!(listed.contains("support bot") && listed.contains("staff") && !listed.contains(&secret));
    let r = c
        .get(format!("{}/api/v1/admin/factor-resets?status=pending", s.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let key_id = listed.split('\t').next().unwrap().to_string();
    let (ok, _, _) = run(&dir, &["api-key", "revoke", &key_id]).await;
    assert!(ok);
    let r = c
        .get(format!("{}/api/v1/admin/factor-resets", s.base))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "revoked");

    // The reset: listed with the requester, approved.
    // A state the command does not know is named with the ones it does.
    let (ok, _, err) = run(&dir, &["factor-reset", "list", "--status", "sometimes"]).await;
    assert!(
        !ok && err.contains("'sometimes'") && err.contains("pending"),
        "{err}"
    );
    let (_, listed, _) = run(&dir, &["factor-reset", "list", "--status", "pending"]).await;
    assert!(listed.contains(email) && listed.contains("pending"), "{listed}");
    let id = listed.split('\t').next().unwrap().to_string();
    let (ok, out, err) = run(&dir, &["factor-reset", "approve", &id]).await;
    assert!(ok && out.contains("approved"), "{out} {err}");
    let (ok, _, err) = run(&dir, &["factor-reset", "approve", &id]).await;
    assert!(!ok && err.contains("This step is already done."), "{err}");
    // Bad input is said in words, each field with its rule; an unknown language or role is
    // refused by the command line itself, listing the right ones.
    let (ok, _, err) = run(
        &dir,
        &["user", "create", "--email", "not-an-address", "--name", "A <b>"],
    )
    .await;
    assert!(!ok, "{err}");
    assert!(
        err.contains("email: Enter a valid email address")
            && err.contains("name: A name cannot contain < or >."),
        "{err}"
    );
    assert!(!err.contains("email.invalid"), "{err}");
    let (ok, _, err) = run(
        &dir,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--locale",
            "fr",
        ],
    )
    .await;
    assert!(!ok && err.contains("[possible values: en, es, pt-BR]"), "{err}");
    let (ok, _, err) = run(
        &dir,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "owner",
        ],
    )
    .await;
    assert!(!ok && err.contains("[possible values: member, admin]"), "{err}");
    // Server flags belong to `serve` alone.
    let (ok, _, err) = run(&dir, &["migrate", "--listen", "127.0.0.1:1"]).await;
    assert!(!ok && err.contains("unexpected argument '--listen'"), "{err}");
    let r: Value = post(
        "/api/v1/login",
        None,
        json!({"email": email, "password": PASSWORD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(r["next"], "enroll_factor");

    s.child.start_kill().unwrap();
    let _ = s.child.wait().await;
    std::fs::remove_dir_all(dir).unwrap();
}
