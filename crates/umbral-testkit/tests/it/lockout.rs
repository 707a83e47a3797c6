//! Nobody can keep an account locked out (quality.md, Security): a browser that signed in
//! before carries a sign-in device cookie that failures from elsewhere never block, a password
//! reset lifts the account's block, and concurrent guesses get no more checks than the limit.

use serde_json::{Value, json};
use umbral_testkit::{PASSWORD, TestApp, spawn_app};

/// Wrong guesses from a stranger until the account refuses even the right password to them.
async fn lock_out(app: &TestApp, email: &str) -> reqwest::Client {
    let attacker = app.client();
    for _ in 0..5 {
        assert_eq!(
            app.login(&attacker, email, "wrong-password-here").await.status(),
            401
        );
    }
    assert_eq!(
        app.login(&attacker, email, "wrong-password-here").await.status(),
        429
    );
    assert_eq!(
        app.login(&attacker, email, PASSWORD).await.status(),
        429,
        "the account is blocked to strangers"
    );
    attacker
}

#[tokio::test]
async fn guesses_from_elsewhere_never_lock_out_a_browser_that_signed_in_before() {
    let app = spawn_app().await;
    let email = "owner@example.com";
    app.signed_up(email).await;
    let owner = app.client();
    let r = owner
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let signin = set
        .iter()
        .find(|c| c.starts_with("umbral_signin="))
        .unwrap_or_else(|| panic!("no sign-in device cookie in {set:?}"));
    assert!(signin.contains("HttpOnly") && signin.contains("Max-Age=31536000"));

    lock_out(&app, email).await;
    // Someone keeps guessing, one try each time the block ends: the owner's browser still gets in.
    for _ in 0..3 {
        app.clock.advance_secs(3);
        let _ = app
            .login(&app.client(), email, "wrong-password-here")
            .await
            .status();
        assert_eq!(
            app.login(&owner, email, PASSWORD).await.status(),
            200,
            "the owner's browser was locked out"
        );
    }
    // A cookie made up for this account (or taken from another one) counts for nothing.
    let value = signin
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("umbral_signin=");
    let (_, rest) = value.split_once('.').unwrap();
    let forged = reqwest::Client::new();
    let r = forged
        .post(app.url("/api/v1/login"))
        .header("cookie", format!("umbral_signin=someone-else.{rest}"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // Clients without cookies send it in the body.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": email, "password": PASSWORD, "signin_device": value, "token": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The browser's own failures do count against it, and only against it.
    for _ in 0..10 {
        assert_eq!(
            app.login(&owner, email, "wrong-password-here").await.status(),
            401
        );
    }
    assert_eq!(app.login(&owner, email, PASSWORD).await.status(), 429);
    app.stop().await;
}

#[tokio::test]
async fn a_completed_password_reset_lifts_the_accounts_block() {
    let app = spawn_app().await;
    let email = "reset-block@example.com";
    app.signed_up(email).await;
    lock_out(&app, email).await;
    let c = reqwest::Client::new();
    let r = c
        .post(app.url("/api/v1/recovery"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let token = app.reset_link_token(email).await;
    let r = c
        .post(app.url("/api/v1/recovery/complete"))
        .json(&json!({"token": token, "password": "tigre-verde-martes-58"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.login(&app.client(), email, "tigre-verde-martes-58")
            .await
            .status(),
        200,
        "the reset did not lift the block"
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_guesses_get_no_more_checks_than_the_limit() {
    let app = spawn_app().await;
    let email = "burst@example.com";
    app.signed_up(email).await;
    for round in 0..2 {
        let guesses = (0..8).map(|_| {
            let c = app.client();
            let url = app.url("/api/v1/login");
            tokio::spawn(async move {
                c.post(url)
                    .json(&json!({"email": "burst@example.com", "password": "wrong-password-here"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        });
        let mut checked = 0;
        for g in guesses.collect::<Vec<_>>() {
            match g.await.unwrap() {
                401 => checked += 1,
                429 => {}
                s => panic!("a guess answered {s}"),
            }
        }
        // The first burst has the five free failures; once the block expires, one more.
        let allowed = if round == 0 { 5 } else { 1 };
        assert_eq!(checked, allowed, "round {round}: {checked} passwords checked");
        app.clock.advance_secs(3);
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_wrong_codes_get_no_more_checks_than_the_limit() {
    let app = spawn_app().await;
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("codes@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let guesses = (0..30).map(|i| {
        let c = c.clone();
        let url = app.url("/api/v1/signup/confirm-email");
        tokio::spawn(async move {
            let r = c
                .post(url)
                .json(&json!({"code": format!("{:06}", 100_000 + i)}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()["error"]["code"]
                .as_str()
                .unwrap_or("ok")
                .to_string()
        })
    });
    let mut checked = 0;
    for g in guesses.collect::<Vec<_>>() {
        match g.await.unwrap().as_str() {
            "code.invalid" | "ok" => checked += 1,
            "code.attempts_exhausted" => {}
            other => panic!("a guess answered {other}"),
        }
    }
    assert!(checked <= 5, "{checked} codes checked against a limit of 5");
    app.stop().await;
}
