use serde_json::{Value, json};
use umbral_core::ports::AccountStore;
use umbral_testkit::{PASSWORD, TestApp, spawn_app};

async fn post_signup(app: &TestApp, body: &Value, lang: &str) -> (u16, Value) {
    let r = app
        .client()
        .post(app.url("/api/v1/signup"))
        .header("accept-language", lang)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn signup_confirm_me_logout() {
    let app = spawn_app().await;
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("ana@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("umbral_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["next"], "confirm_email");
    assert!(body["user_id"].as_str().is_some());
    assert!(body.get("session_token").is_none(), "token only when asked");

    // Not confirmed yet: /me says which step is missing.
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["next"], "confirm_email");

    let code = app.code_for("ana@example.com").await;
    let r = c
        .post(app.url("/api/v1/signup/confirm-email"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Policy `required` (the default): the second factor comes next, and nothing else opens.
    assert_eq!(r.json::<Value>().await.unwrap()["next"], "enroll_factor");
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["next"], "enroll_factor");
    let codes = app.enroll_totp(&c, "ana@example.com").await;
    assert_eq!(codes.len(), 10);
    // Then the organization's steps: company data and checkout.
    assert_eq!(app.next_step(&c, None).await, "company");
    app.onboarded(&c).await;

    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Ana Pérez");
    assert_eq!(me["email"], "ana@example.com");
    assert_eq!(me["phone"], "+5491123456789");
    assert_eq!(me["organization"]["role"], "owner");
    assert_eq!(me["factors"].as_array().unwrap().len(), 1);
    assert_eq!(me["factors"][0]["kind"], "totp");

    let r = c.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn every_field_rule_is_named_localised_and_changes_nothing() {
    let app = spawn_app().await;
    let good = TestApp::signup_body("rules@example.com");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("name", json!(""), "name.required", "Escribe tu nombre."),
        ("name", json!("x".repeat(101)), "name.too_long", "como máximo 100"),
        (
            "email",
            json!("not-an-email"),
            "email.invalid",
            "correo electrónico válido",
        ),
        (
            "email",
            json!(format!("{}@example.com", "a".repeat(250))),
            "email.too_long",
            "254",
        ),
        (
            "phone",
            json!("+54911"),
            "phone.invalid",
            "número de teléfono válido",
        ),
        (
            "phone",
            json!("1123456789"),
            "phone.needs_country_code",
            "formato internacional",
        ),
        ("password", json!("short"), "password.too_short", "al menos 10"),
        (
            "password",
            json!("x".repeat(257)),
            "password.too_long",
            "como máximo 256",
        ),
        (
            "password",
            json!("password123"),
            "password.common",
            "demasiado común",
        ),
        (
            "password",
            json!("ana-perez-horse-battery"),
            "password.contains_personal",
            "tu nombre",
        ),
        (
            "password",
            json!("aaaaaaaaaaaaaa"),
            "password.weak",
            "fácil de adivinar",
        ),
        (
            "accept_terms",
            json!(false),
            "terms.required",
            "Términos Generales",
        ),
    ];
    for (field, value, code, text) in cases {
        let mut body = good.clone();
        body[field] = value;
        let (status, resp) = post_signup(&app, &body, "es-AR,es;q=0.9").await;
        assert_eq!(status, 422, "{field}: {resp}");
        assert_eq!(resp["error"]["code"], code, "{field}: {resp}");
        assert_eq!(resp["error"]["field"], field, "{field}: {resp}");
        let msg = resp["error"]["message"].as_str().unwrap();
        assert!(msg.contains(text), "{field}: {msg}");
    }
    // Several bad fields are all reported.
    let (status, resp) = post_signup(
        &app,
        &json!({"name": "", "email": "x", "phone": "", "password": "", "accept_terms": false}),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(resp["errors"].as_array().unwrap().len(), 5, "{resp}");
    // Nothing was created, nothing was sent.
    assert!(app.outbox().await.is_empty());
    let r = app
        .client()
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": "rules@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn malformed_bodies_get_clear_errors() {
    let app = spawn_app().await;
    let c = app.client();
    for (body, ctype, status, code, field) in [
        (
            "{not json",
            "application/json",
            400,
            "request.invalid_json",
            Value::Null,
        ),
        (
            "name=x",
            "application/x-www-form-urlencoded",
            415,
            "request.invalid_json",
            Value::Null,
        ),
        // A field of the wrong type, an unknown field, a NUL: named, like any field error.
        (
            "{\"name\": 5}",
            "application/json",
            422,
            "request.wrong_type",
            json!("name"),
        ),
        (
            "{\"email\": 12345}",
            "application/json",
            422,
            "request.wrong_type",
            json!("email"),
        ),
        (
            "{\"phone\": null}",
            "application/json",
            422,
            "request.wrong_type",
            json!("phone"),
        ),
        (
            "{\"nmae\": \"x\"}",
            "application/json",
            422,
            "request.unknown_field",
            json!("nmae"),
        ),
        (
            "{\"name\": \"a\\u0000b\"}",
            "application/json",
            422,
            "request.nul_byte",
            json!("name"),
        ),
    ] {
        let r = c
            .post(app.url("/api/v1/signup?lang=es"))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{body}");
        assert_eq!(v["error"]["field"], field, "{body}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains("invalid type"),
            "{message}"
        );
        if let Some(f) = field.as_str() {
            assert!(
                message.contains(f) && (message.contains("campo") || message.contains("llamada")),
                "{message}"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn a_taken_email_looks_like_a_new_one_and_warns_the_owner() {
    let app = spawn_app().await;
    app.signed_up("owner@example.com").await;
    // A stranger, in Spanish, with the address in other letters.
    let (status, body) = post_signup(&app, &TestApp::signup_body("Owner@Example.com"), "es").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["next"], "confirm_email");
    assert!(body["user_id"].as_str().is_some());
    // The warning goes to the registered address, in its owner's language.
    let warn = app.wait_for_email("owner@example.com", "tried to create").await;
    assert!(warn["body"].as_str().unwrap().contains("already have one"));
    // The stand-in session can never confirm anything, and behaves like a real one.
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("owner@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for _ in 0..5 {
        let r = c
            .post(app.url("/api/v1/signup/confirm-email"))
            .json(&json!({"code": "000000"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "code.invalid");
    }
    let r = c
        .post(app.url("/api/v1/signup/confirm-email"))
        .json(&json!({"code": "000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "code.attempts_exhausted"
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_signups_with_one_email_make_one_user() {
    let app = spawn_app().await;
    let mut handles = Vec::new();
    for _ in 0..6 {
        let c = app.client();
        let url = app.url("/api/v1/signup");
        handles.push(tokio::spawn(async move {
            c.post(url)
                .json(&TestApp::signup_body("race@example.com"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 201);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = app.outbox().await;
    let codes = mails
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("code"))
        .count();
    let warnings = mails
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().contains("tried"))
        .count();
    // One code; the five that lost the race warn the owner once (one warning an hour at most).
    assert_eq!((codes, warnings), (1, 1), "{mails:?}");
    app.stop().await;
}

#[tokio::test]
async fn code_rules_expiry_attempts_resend() {
    let app = spawn_app().await;
    let c = app.client();
    c.post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("code@example.com"))
        .send()
        .await
        .unwrap();
    let first = app.code_for("code@example.com").await;
    let confirm = |code: String| {
        let c = c.clone();
        let url = app.url("/api/v1/signup/confirm-email");
        async move {
            let r = c.post(url).json(&json!({"code": code})).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (s, b) = confirm("12a".into()).await;
    assert_eq!((s, b["error"]["code"].as_str().unwrap()), (422, "code.format"));
    // Resend only after the cool-down.
    let r = c
        .post(app.url("/api/v1/signup/resend-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "30");
    app.clock.advance_secs(31);
    let r = c
        .post(app.url("/api/v1/signup/resend-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = app.code_for("code@example.com").await;
    if first != second {
        // The old code no longer works.
        let (s, b) = confirm(first.clone()).await;
        assert_eq!((s, b["error"]["code"].as_str().unwrap()), (400, "code.invalid"));
    }
    // Ten minutes later the code has expired.
    app.clock.advance_secs(601);
    let (s, b) = confirm(second.clone()).await;
    assert_eq!((s, b["error"]["code"].as_str().unwrap()), (400, "code.expired"));
    app.clock.advance_secs(31);
    c.post(app.url("/api/v1/signup/resend-code"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let third = app.code_for("code@example.com").await;
    let wrong = if third == "111111" { "222222" } else { "111111" };
    for _ in 0..5 {
        let (s, _) = confirm(wrong.into()).await;
        assert_eq!(s, 400);
    }
    let (_, b) = confirm(third).await;
    assert_eq!(
        b["error"]["code"], "code.attempts_exhausted",
        "five attempts, then a new code is needed"
    );
    app.stop().await;
}

#[tokio::test]
async fn unconfirmed_accounts_are_purged_after_seven_days() {
    let app = spawn_app().await;
    app.client()
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("late@example.com"))
        .send()
        .await
        .unwrap();
    app.clock.advance_secs(6 * 86_400);
    assert_eq!(app.umbral().purge_unconfirmed().await.unwrap(), 0);
    app.clock.advance_secs(86_400 + 1);
    assert_eq!(app.umbral().purge_unconfirmed().await.unwrap(), 1);
    // The address is free again.
    let r = app
        .client()
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("late@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    app.wait_for_email("late@example.com", "code").await;
    app.stop().await;
}

/// Back on the sign-up, fix a typo, send again with the same email: the browser was taken for
/// a stranger (stand-in session, "someone tried to create an account" about oneself, the first
/// code refused, the fix dropped). The browser that holds the pending sign-up updates it and
/// gets a fresh code; any other client still gets the stand-in.
#[tokio::test]
async fn a_sign_up_sent_again_from_its_own_browser_updates_it_and_sends_a_new_code() {
    let app = spawn_app().await;
    let email = "typo@example.com";
    let browser = app.client();
    let send = |c: &reqwest::Client, name: &str| {
        let mut body = TestApp::signup_body(email);
        body["name"] = json!(name);
        let (c, url) = (c.clone(), app.url("/api/v1/signup"));
        async move {
            let r = c.post(url).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, first) = send(&browser, "Ana Prez").await;
    assert_eq!(s1, 201, "{first}");
    let first_code = app.code_for(email).await;
    let (s2, second) = send(&browser, "Ana Pérez").await;
    assert_eq!(s2, 201, "{second}");
    assert_eq!(second["user_id"], first["user_id"], "the same pending sign-up");
    // A fresh code, to the person, with the corrected name; no warning about themselves.
    let mut mails: Vec<Value> = Vec::new();
    for _ in 0..100 {
        mails = app
            .outbox()
            .await
            .into_iter()
            .filter(|m| m["to"] == email)
            .collect();
        if mails.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let codes: Vec<&Value> = mails
        .iter()
        .filter(|m| umbral_testkit::extract_code(m["body"].as_str().unwrap_or("")).is_some())
        .collect();
    assert_eq!((mails.len(), codes.len()), (2, 2), "{mails:?}");
    let fixed = mails
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains("Ana Pérez"))
        .unwrap_or_else(|| panic!("no email with the corrected name: {mails:?}"));
    let new_code = umbral_testkit::extract_code(fixed["body"].as_str().unwrap()).unwrap();
    assert_ne!(new_code, first_code);
    // The old code is replaced; the new one confirms, and the fix is kept.
    let confirm = |code: String| {
        let (c, url) = (browser.clone(), app.url("/api/v1/signup/confirm-email"));
        async move {
            c.post(url)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(confirm(first_code).await, 400);
    assert_eq!(confirm(new_code).await, 200);
    let user = app.store().user_by_email_key(email).await.unwrap().unwrap();
    assert_eq!(user.name, "Ana Pérez");

    // Another client with the same email: the stand-in, as for any registered address.
    let (s3, third) = send(&app.client(), "Someone Else").await;
    assert_eq!(s3, 201);
    assert_ne!(third["user_id"], first["user_id"]);
    let user = app.store().user_by_email_key(email).await.unwrap().unwrap();
    assert_eq!(user.name, "Ana Pérez", "a stranger changes nothing");
}
