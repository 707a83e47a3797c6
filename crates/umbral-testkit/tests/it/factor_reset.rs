//! Lost every factor: a request from the challenge page, confirmed from the registered email,
//! decided by staff through the admin API; forbidden callers change nothing.

use serde_json::{Value, json};
use umbral_core::ports::{AccountStore, AuditStore};
use umbral_testkit::{PASSWORD, TestApp, csrf_from, spawn_app};

/// The token of the newest reset link emailed to `to`.
async fn reset_token(app: &TestApp, to: &str) -> String {
    app.link_token(to, "Confirm your", "token=").await
}

#[tokio::test]
async fn lost_every_factor_reset_confirmed_by_email_and_approved_by_staff() {
    use umbral_testkit::umbral_core::staff::ApiScope;
    use umbral_testkit::umbral_core::types::OrgId;
    let app = spawn_app().await;
    let email = "lost@example.com";
    let first = app.signed_up(email).await;
    let c = app.client();
    let (_, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "second_factor");

    // The page explains, and the request goes out by email.
    let (s, html) = app
        .get_text(&c, &app.url("/login/second-factor/lost?lang=es"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("Restablecer tus métodos de dos factores"));
    let csrf = csrf_from(&html);
    let r = c
        .post(app.url("/login/second-factor/lost"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Enviamos un enlace a l***@example.com")
    );
    app.clock.advance_secs(1);
    let token = reset_token(&app, email).await;

    // Staff with a key see it, but it is not confirmed yet.
    let (staff, _) = app
        .umbral()
        .create_api_key("support", ApiScope::Staff)
        .await
        .unwrap();
    let _ = staff;
    let (_, staff_key) = app
        .umbral()
        .create_api_key("support bot", ApiScope::Staff)
        .await
        .unwrap();
    let (_, other_org_key) = app
        .umbral()
        .create_api_key("another customer", ApiScope::Organization(OrgId("nope".into())))
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let list: Value = api
        .get(app.url("/api/v1/admin/factor-resets"))
        .bearer_auth(&staff_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reset = &list["factor_resets"][0];
    assert_eq!(reset["status"], "unconfirmed");
    assert_eq!(reset["user"]["email"], email);
    assert_eq!(reset["user"]["phone"], "+5491123456789");
    let id = reset["id"].as_str().unwrap().to_string();
    let approve = |key: String| {
        let api = api.clone();
        let url = app.url(&format!("/api/v1/admin/factor-resets/{id}/approve"));
        async move {
            let r = api.post(url).bearer_auth(key).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (s, b) = approve(staff_key.clone()).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (422, Some("reset.not_confirmed"))
    );

    // The link asks for a button press, then the request waits for staff.
    let (_, html) = app
        .get_text(&c, &app.url(&format!("/factor-reset/confirm?token={token}")))
        .await;
    assert!(html.contains("Confirmar la solicitud"));
    let csrf = csrf_from(&html);
    let r = c
        .post(app.url("/factor-reset/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("espera a nuestro equipo"));
    let (s, _) = app
        .post_json(
            &api,
            app.url("/api/v1/factor-resets/confirm"),
            json!({"token": "forged"}),
        )
        .await;
    assert_eq!(s, 422);

    // Forbidden callers change nothing.
    assert_eq!(approve("no-key".into()).await.0, 401);
    assert_eq!(approve("uak_forged".into()).await.0, 401);
    assert_eq!(
        approve(other_org_key.clone()).await.0,
        404,
        "another organization's key"
    );
    let session = app.client();
    let (_, b) = app
        .post_json(
            &session,
            app.url("/api/v1/login"),
            json!({"email": "lost@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "second_factor");
    let r = session
        .post(app.url(&format!("/api/v1/admin/factor-resets/{id}/approve")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a user session is no API key");
    assert_eq!(
        first.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200,
        "unchanged"
    );

    let (s, b) = approve(staff_key.clone()).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("approved")), "{b}");
    assert_eq!(approve(staff_key.clone()).await.0, 409, "decided once");
    // Factors, sessions and trusted devices are gone; the next sign-in enrolls.
    let r = first.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let c = app.client();
    let (_, b) = app
        .post_json(
            &c,
            app.url("/api/v1/login"),
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(b["next"], "enroll_factor");
    app.clock.advance_secs(1);
    let mail = app.wait_for_email(email, "were reset").await;
    assert!(mail["body"].as_str().unwrap().contains("next sign-in"));
    let audit = app
        .store()
        .audit_for_user(&user_id_of(&app, email).await.into(), 50)
        .await
        .unwrap();
    let events: Vec<&str> = audit.iter().map(|e| e.event.as_str()).collect();
    for e in [
        "factor_reset.requested",
        "factor_reset.confirmed",
        "factor_reset.approved",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
    assert!(
        audit
            .iter()
            .any(|e| e.event == "factor_reset.approved" && e.details.contains("by=api_key:"))
    );
    app.stop().await;
}

async fn user_id_of(app: &TestApp, email: &str) -> String {
    app.store().user_by_email_key(email).await.unwrap().unwrap().id.0
}
