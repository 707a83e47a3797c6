use serde_json::{Value, json};
use umbral_testkit::{PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_new_sign_in_ends_the_other_session_and_says_why() {
    let app = spawn_app().await;
    let first = app.signed_up("single@example.com").await;
    assert_eq!(
        first.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );
    let second = app.signed_in("single@example.com").await;
    assert_eq!(
        second.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );

    let r = first
        .get(app.url("/api/v1/me"))
        .header("accept-language", "es")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "auth.session_signed_in_elsewhere");
    assert_eq!(
        b["error"]["message"],
        "Tu sesión se cerró porque iniciaste sesión en otro dispositivo."
    );

    // A page request lands on the sign-in page with the message.
    let r = first.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?notice=signed_in_elsewhere");
    let page = first
        .get(app.url("/login?notice=signed_in_elsewhere&lang=pt-BR"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sua sessão foi encerrada porque você entrou em outro dispositivo."));
    app.stop().await;
}

#[tokio::test]
async fn concurrent_sign_ins_leave_one_session() {
    let app = spawn_app().await;
    let c = app.confirmed("many@example.com").await;
    let codes = app.enroll_totp(&c, "many@example.com").await;
    let mut handles = Vec::new();
    // Five at once: every attempt is counted before its password is checked (ADR 0010), so a
    // sixth at the same moment would wait like a guess beyond the account's free failures.
    for code in codes.into_iter().take(5) {
        let c = app.client();
        let base = app.base.clone();
        handles.push(tokio::spawn(async move {
            let r = c
                .post(format!("{base}/api/v1/login"))
                .json(&json!({"email": "many@example.com", "password": PASSWORD, "token": true}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let token = r.json::<Value>().await.unwrap()["session_token"]
                .as_str()
                .unwrap()
                .to_string();
            // The sign-in completes with the second factor; each browser has its own recovery code.
            let r = c
                .post(format!("{base}/api/v1/login/second-factor"))
                .bearer_auth(&token)
                .json(&json!({"method": "recovery_code", "code": code}))
                .send()
                .await
                .unwrap();
            assert!(
                r.status() == 200 || r.status() == 401,
                "{}",
                r.text().await.unwrap_or_default()
            );
            // Passing the second factor hands out the session's new token (the old one ends).
            let body: Value = r.json().await.unwrap_or_default();
            body["session_token"].as_str().map_or(token, str::to_string)
        }));
    }
    let mut tokens = Vec::new();
    for h in handles {
        tokens.push(h.await.unwrap());
    }
    let mut live = 0;
    for token in tokens {
        let r = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if r.status() != 401 {
            live += 1;
        }
    }
    assert_eq!(live, 1);
    app.stop().await;
}

#[tokio::test]
async fn policy_can_allow_several_sessions() {
    let app = spawn_app_with(|s| s.sessions.single_session = false).await;
    let first = app.signed_up("multi@example.com").await;
    let _second = app.signed_in("multi@example.com").await;
    assert_eq!(
        first.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn bearer_tokens_for_native_clients() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let mut body = umbral_testkit::TestApp::signup_body("native@example.com");
    body["token"] = json!(true);
    let r: Value = c
        .post(app.url("/api/v1/signup"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["session_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43, "256-bit token");
    let code = app.code_for("native@example.com").await;
    let r = c
        .post(app.url("/api/v1/signup/confirm-email"))
        .bearer_auth(&token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The authenticator app is set up with the bearer token too.
    let setup: Value = c
        .post(app.url("/api/v1/factors/totp"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = umbral_testkit::base32_decode(setup["secret"].as_str().unwrap());
    let code = {
        use umbral_testkit::umbral_core::clock::Clock;
        umbral_testkit::umbral_core::factors::totp::code_at_step(&key, app.clock.now_ms() / 30_000).unwrap()
    };
    let r = c
        .post(app.url("/api/v1/factors/totp/confirm"))
        .bearer_auth(&token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Enrolling completed the sign-in: the session's id rotated; the sign-up's token ended.
    let old = token;
    let token = r.json::<Value>().await.unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(token, old);
    assert_eq!(
        c.get(app.url("/api/v1/me"))
            .bearer_auth(&old)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "the sign-up's token survived the enrollment"
    );
    app.onboarded_as(&c, Some(&token)).await;
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "native@example.com");
    // A bearer request from "another origin" is fine: it carries no cookie.
    let r = c
        .post(app.url("/api/v1/logout"))
        .bearer_auth(&token)
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        c.get(app.url("/api/v1/me"))
            .bearer_auth("forged-token")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_age() {
    let app = spawn_app().await;
    let c = app.signed_up("idle@example.com").await;
    app.clock.advance_secs(23 * 3600);
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    app.clock.advance_secs(24 * 3600 + 1);
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "auth.session_expired"
    );

    let c = app.signed_in("idle@example.com").await;
    for _ in 0..7 {
        app.clock.advance_secs(23 * 3600);
        assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }
    app.clock.advance_secs(8 * 3600);
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401, "seven days is the most a session lives");
    app.stop().await;
}

#[tokio::test]
async fn cross_origin_cookie_requests_are_refused() {
    let app = spawn_app().await;
    let c = app.signed_up("csrf@example.com").await;
    let r = c
        .post(app.url("/api/v1/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "request.cross_origin"
    );
    let r = c
        .post(app.url("/api/v1/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Still signed in.
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let r = c
        .post(app.url("/api/v1/logout"))
        .header("origin", app.base.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    app.stop().await;
}

#[tokio::test]
async fn secure_cookies_over_https() {
    let app = spawn_app_with(|s| {
        s.public_url = "https://id.example.com".into();
        s.dev_insecure_public = true;
    })
    .await;
    let r = app
        .client()
        .post(app.url("/api/v1/signup"))
        .json(&umbral_testkit::TestApp::signup_body("tls@example.com"))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-umbral_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    assert!(r.headers().contains_key("strict-transport-security"));
    app.stop().await;
}

/// Session fixation: the token handed out at the password step (which a planted or leaked
/// cookie could be) must not become a signed-in session. Passing the second factor rotates it.
#[tokio::test]
async fn the_password_steps_token_ends_when_the_second_factor_passes() {
    let app = spawn_app().await;
    let email = "fixation@example.com";
    let c = app.confirmed(email).await;
    app.enroll_totp(&c, email).await;
    let api = reqwest::Client::new();
    let r: Value = api
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": email, "password": PASSWORD, "token": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["next"], "second_factor");
    let planted = r["session_token"].as_str().unwrap().to_string();
    let r = api
        .post(app.url("/api/v1/login/second-factor"))
        .bearer_auth(&planted)
        .json(&json!({"method": "totp", "code": app.next_totp(email)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("umbral_session="))
        .map(str::to_string)
        .expect("the new session cookie");
    let fresh = r.json::<Value>().await.unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(fresh, planted);
    assert!(cookie.starts_with(&format!("umbral_session={fresh};")));
    let me = |token: String| {
        let api = api.clone();
        let url = app.url("/api/v1/me");
        async move {
            api.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        me(planted).await,
        401,
        "the password step's token became a signed-in session"
    );
    assert_ne!(me(fresh).await, 401);
    app.stop().await;
}
