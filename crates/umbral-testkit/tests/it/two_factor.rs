//! Second factors over HTTP: SMS through the dev outbox and through a real webhook, the rules a
//! user meets, the Security tab's actions, trusted devices and the `optional` policy.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use umbral_core::ports::AccountStore;
use umbral_testkit::{PASSWORD, TestApp, csrf_from, spawn_app, spawn_app_with};

/// The code of the `nth` text message (1 = the first) to `to` in the dev outbox, once it is there.
async fn sms_code(app: &TestApp, to: &str, nth: usize) -> String {
    for _ in 0..100 {
        let sms: Vec<Value> = app
            .outbox()
            .await
            .into_iter()
            .filter(|m| m["channel"] == "sms" && m["to"] == to)
            .collect();
        if sms.len() >= nth {
            // Newest first.
            let body = sms[sms.len() - nth]["body"].as_str().unwrap().to_string();
            return body
                .split_whitespace()
                .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
                .unwrap()
                .to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no SMS number {nth} to {to}");
}

#[tokio::test]
async fn sms_enrollment_challenge_and_one_number_per_user() {
    let app = spawn_app().await;
    let c = app.confirmed("ana@example.com").await;
    let (s, b) = app
        .post_json(&c, app.url("/api/v1/factors/sms"), json!({"phone": "011 2345"}))
        .await;
    assert_eq!((s, b["error"]["field"].as_str()), (422, Some("phone")));
    let (s, _) = app
        .post_json(
            &c,
            app.url("/api/v1/factors/sms"),
            json!({"phone": "+5491123456789"}),
        )
        .await;
    assert_eq!(s, 202);
    let code = sms_code(&app, "+5491123456789", 1).await;
    let (s, b) = app
        .post_json(&c, app.url("/api/v1/factors/sms/confirm"), json!({"code": code}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["recovery_codes"].as_array().unwrap().len(), 10);
    app.onboarded(&c).await;
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["factors"][0]["kind"], "sms");
    assert_eq!(me["factors"][0]["phone"], "••• 6789");

    // The number is taken: another user is refused, in their language, without a name.
    let other = app.confirmed("bruno@example.com").await;
    let r = other
        .post(app.url("/api/v1/factors/sms"))
        .header("accept-language", "es")
        .json(&json!({"phone": "+5491123456789"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "factor.phone_unavailable");
    assert_eq!(
        b["error"]["message"],
        "No es posible usar este número. Usa otro número."
    );
    assert!(!b.to_string().contains("ana"));

    // Sign in: password, then a code by SMS.
    app.clock.advance_secs(31);
    let c = app.client();
    let (_, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login"),
            json!({"email": "ana@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "second_factor");
    let options: Value = c
        .get(app.url("/api/v1/login/second-factor"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options["methods"], json!(["sms", "email", "recovery_code"]));
    let (s, _) = app
        .post_json(
            &c,
            app.url("/api/v1/login/second-factor/send"),
            json!({"method": "sms"}),
        )
        .await;
    assert_eq!(s, 202);
    let (s, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login/second-factor/send"),
            json!({"method": "sms"}),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (429, Some("code.resend_too_soon"))
    );
    let code = sms_code(&app, "+5491123456789", 2).await;
    let (s, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login/second-factor"),
            json!({"method": "sms", "code": code}),
        )
        .await;
    assert_eq!((s, b["next"].as_str()), (200, Some("done")));
    app.stop().await;
}

#[derive(Clone, Default)]
struct Webhook {
    received: Arc<Mutex<Vec<Value>>>,
    failures_left: Arc<Mutex<u32>>,
}

async fn webhook(State(w): State<Webhook>, Json(body): Json<Value>) -> StatusCode {
    let mut left = w.failures_left.lock().unwrap();
    if *left > 0 {
        *left -= 1;
        return StatusCode::BAD_GATEWAY;
    }
    w.received.lock().unwrap().push(body);
    StatusCode::OK
}

#[tokio::test]
async fn an_sms_the_gateway_refuses_waits_in_the_outbox_and_is_retried() {
    let hook = Webhook::default();
    *hook.failures_left.lock().unwrap() = 2;
    let router = axum::Router::new()
        .route("/sms", axum::routing::post(webhook))
        .with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let app = spawn_app_with(|s| {
        s.sms.gateway = umbral::config::SmsGatewayChoice::Webhook;
        s.sms.webhook_url = hook_url.clone();
        s.sms.from = "Umbral".into();
        s.outbox.retry_base_seconds = 1;
        s.outbox.poll_seconds = 1;
    })
    .await;
    let c = app.confirmed("ana@example.com").await;
    let (s, _) = app
        .post_json(
            &c,
            app.url("/api/v1/factors/sms"),
            json!({"phone": "+5511912345678"}),
        )
        .await;
    assert_eq!(s, 202, "the step is not lost when the gateway fails");
    let mut text = None;
    for _ in 0..200 {
        if let Some(m) = hook.received.lock().unwrap().first() {
            text = Some(m.clone());
            break;
        }
        // Retries are due by the server's (test) clock.
        app.clock.advance_secs(1);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let m = text.expect("the SMS arrived after the gateway's failures");
    assert_eq!(m["to"], "+5511912345678");
    assert_eq!(m["from"], "Umbral");
    assert_eq!(*hook.failures_left.lock().unwrap(), 0, "it was retried");
    let code = m["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|w| w.len() == 6)
        .unwrap()
        .to_string();
    let (s, b) = app
        .post_json(&c, app.url("/api/v1/factors/sms/confirm"), json!({"code": code}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        app.outbox().await.iter().all(|m| m["channel"] != "sms"),
        "with a gateway, SMS does not go to the dev outbox"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_security_tab_manages_factors_codes_sessions_and_devices() {
    let app = spawn_app().await;
    let email = "tab@example.com";
    let c = app.signed_up(email).await;
    let (s, html) = app.get_text(&c, &app.url("/settings/security?lang=en")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Authenticator app") && html.contains("Recovery codes left: 10"));
    assert!(
        html.contains("id=\"twofa-button\" disabled"),
        "disabled once a method exists"
    );
    let csrf = csrf_from(&html);
    let factor_id: String = html
        .split("/settings/security/factors/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();

    // Removing is asked once more on its own page.
    let confirm = c
        .get(app.url(&format!("/settings/security/factors/{factor_id}/remove")))
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 200);
    let page = confirm.text().await.unwrap();
    assert!(page.contains("id=\"remove-confirm\""), "{page}");
    // The only method cannot go under `required`.
    let r = c
        .post(app.url(&format!("/settings/security/factors/{factor_id}/remove")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("remove your only method"));

    // A second method by SMS, then the first one can go.
    let r = c
        .post(app.url("/settings/security/sms"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("phone_country", "BR"),
            ("phone", "(11) 91234-5678"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["location"], "/settings/security/sms/confirm");
    let code = sms_code(&app, "+5511912345678", 1).await;
    let r = c
        .post(app.url("/settings/security/sms/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/settings/security?notice=factor_added");
    let r = c
        .post(app.url(&format!("/settings/security/factors/{factor_id}/remove")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        "/settings/security?notice=factor_removed"
    );

    // New recovery codes, shown once.
    let r = c
        .post(app.url("/settings/security/recovery-codes"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/recovery-codes");
    let html = c
        .get(app.url("/recovery-codes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10);
    let r = c
        .post(app.url("/recovery-codes"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/settings/security");

    // A second browser remembered; the first one signs it out and forgets it.
    let other = app.client();
    let (_, b) = app
        .post_json(
            &other,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "second_factor");
    // (The dev outbox sorts by the test clock: a later message needs a later time.)
    app.clock.advance_secs(1);
    let (s, b) = app
        .post_json(
            &other,
            app.url("/api/v1/login/second-factor/send"),
            json!({"method": "sms"}),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let code = sms_code(&app, "+5511912345678", 2).await;
    let (s, _) = app
        .post_json(
            &other,
            app.url("/api/v1/login/second-factor"),
            json!({"method": "sms", "code": code, "remember_device": true}),
        )
        .await;
    assert_eq!(s, 200);
    // That sign-in ended the first browser's session (one session per user).
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let devices: Value = other
        .get(app.url("/api/v1/trusted-devices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices["trusted_devices"].as_array().unwrap().len(), 1);
    // The remembered browser signs in with the password alone.
    let (_, b) = app
        .post_json(
            &other,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "done");
    let r = other
        .delete(app.url("/api/v1/trusted-devices"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, b) = app
        .post_json(
            &other,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "second_factor", "forgotten: asked again");
    assert_eq!(b["asked_again"], "revoked", "and told why");
    // The page says it too, on the challenge.
    let (_, html) = app.get_text(&other, &app.url("/login?lang=es")).await;
    let csrf = umbral_testkit::csrf_from(&html);
    let r = other
        .post(app.url("/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login/second-factor?asked=revoked");
    let (s, html) = app
        .get_text(&other, &app.url("/login/second-factor?asked=revoked&lang=es"))
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("id=\"asked-again\"") && html.contains("Este dispositivo se olvidó"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn under_optional_the_user_turns_two_factor_on_and_sets_it_up_at_the_next_sign_in() {
    let app = spawn_app_with(|s| s.two_factor.policy = umbral::config::TwoFactorChoice::Optional).await;
    let email = "opt@example.com";
    let c = app.confirmed(email).await;
    assert_eq!(
        app.next_step(&c, None).await,
        "company",
        "no second factor needed"
    );
    app.onboarded(&c).await;
    let (_, html) = app.get_text(&c, &app.url("/settings/security?lang=es")).await;
    assert!(html.contains("La autenticación de dos factores está desactivada"));
    assert!(html.contains("href=\"/settings/security/activate\" id=\"twofa-button\""));
    let (_, html) = app.get_text(&c, &app.url("/settings/security/activate")).await;
    assert!(html.contains("Activar"));
    let csrf = csrf_from(&html);
    let r = c
        .post(app.url("/settings/security/activate"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login?notice=mfa_activated");
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401,
        "signed out"
    );
    let c = app.client();
    let (_, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "enroll_factor");
    let codes = app.enroll_totp(&c, email).await;
    assert_eq!(codes.len(), 10);
    // Under optional the last method may go: two-factor is off again.
    let factors: Value = c
        .get(app.url("/api/v1/factors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = factors["factors"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        c.delete(app.url(&format!("/api/v1/factors/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (_, b) = app
        .post_json(
            &app.client(),
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "done");
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_in_the_security_tab() {
    let app = spawn_app().await;
    let email = "pw@example.com";
    let c = app.signed_up(email).await;
    let (_, html) = app.get_text(&c, &app.url("/settings/security?lang=pt-BR")).await;
    assert!(
        html.contains("autocomplete=\"current-password\"") && html.contains("autocomplete=\"new-password\"")
    );
    let csrf = csrf_from(&html);
    let form = |current: &'static str, new: &'static str| {
        let c = c.clone();
        let url = app.url("/settings/security/password");
        let csrf = csrf.clone();
        async move {
            c.post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("current_password", current),
                    ("password", new),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = form("wrong-password-1", "outra-senha-forte-55").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"current_password-error\"") && html.contains("A senha atual não está correta.")
    );
    let r = form(PASSWORD, "curta").await;
    assert!(r.text().await.unwrap().contains("id=\"password-error\""));
    let r = form(PASSWORD, "outra-senha-forte-55").await;
    assert_eq!(
        r.headers()["location"],
        "/settings/security?notice=password_changed"
    );
    let (s, b) = app
        .post_json(
            &app.client(),
            app.url("/api/v1/login"),
            json!({"email": email, "password": "outra-senha-forte-55"}),
        )
        .await;
    assert_eq!((s, b["next"].as_str()), (200, Some("second_factor")));
    let (s, _) = app
        .post_json(
            &app.client(),
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, 401);
    app.stop().await;
}

#[tokio::test]
async fn staff_set_an_organizations_two_factor_policy() {
    use umbral_testkit::umbral_core::staff::ApiScope;
    use umbral_testkit::umbral_core::types::OrgId;
    let app = spawn_app().await;
    let c = app.confirmed("org@example.com").await;
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        403,
        "required"
    );
    let org = app
        .store()
        .sign_in_lookup("org@example.com", ["a", "b", "c"])
        .await
        .unwrap()
        .account
        .unwrap()
        .1
        .unwrap()
        .org_id
        .0;
    let (_, staff) = app
        .umbral()
        .create_api_key("staff", ApiScope::Staff)
        .await
        .unwrap();
    let (_, other) = app
        .umbral()
        .create_api_key("other", ApiScope::Organization(OrgId("other".into())))
        .await
        .unwrap();
    let put = |key: String, body: Value| {
        let url = app.url(&format!("/api/v1/admin/organizations/{org}/two-factor-policy"));
        async move {
            reqwest::Client::new()
                .put(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(put(other, json!({"policy": "optional"})).await, 404);
    assert_eq!(put(staff.clone(), json!({"policy": "sometimes"})).await, 422);
    assert_eq!(put(staff.clone(), json!({"policy": "optional"})).await, 200);
    assert_eq!(app.next_step(&c, None).await, "company", "optional now");
    assert_eq!(put(staff, json!({"policy": null})).await, 200);
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        403,
        "the platform's required again"
    );
    app.stop().await;
}

/// Asking whether numbers are taken costs the same allowance as sending to them: the SMS limits
/// are counted before the number is looked up, so the generic answer is no free oracle.
#[tokio::test]
async fn probing_taken_numbers_meets_the_sms_limits() {
    let app = spawn_app().await;
    let c = app.confirmed("owner-sms@example.com").await;
    let (s, _) = app
        .post_json(
            &c,
            app.url("/api/v1/factors/sms"),
            json!({"phone": "+5491123456789"}),
        )
        .await;
    assert_eq!(s, 202);
    let code = sms_code(&app, "+5491123456789", 1).await;
    let (s, _) = app
        .post_json(&c, app.url("/api/v1/factors/sms/confirm"), json!({"code": code}))
        .await;
    assert_eq!(s, 200);
    let prober = app.confirmed("prober@example.com").await;
    let mut answers = Vec::new();
    for _ in 0..8 {
        let (s, b) = app
            .post_json(
                &prober,
                app.url("/api/v1/factors/sms"),
                json!({"phone": "+5491123456789"}),
            )
            .await;
        answers.push((s, b["error"]["code"].as_str().unwrap_or_default().to_string()));
    }
    let told = answers
        .iter()
        .filter(|(_, c)| c == "factor.phone_unavailable")
        .count();
    // Five sends per number an hour, one of them the owner's.
    assert_eq!(told, 4, "{answers:?}");
    assert!(answers[4..].iter().all(|(s, _)| *s == 429), "{answers:?}");
    app.stop().await;
}
