//! The forms' CSRF token: a post without it is refused before anything is done, on every
//! form route, and the page keeps what was typed.

use umbral_testkit::{PASSWORD, TestApp, spawn_app};

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_keep_input() {
    let app = spawn_app().await;
    let c = app.client();
    app.get_text(&c, &app.url("/signup")).await;
    let form = [
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("csrf_token", "forged"),
    ];
    let r = c.post(app.url("/signup")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("This form has expired") && html.contains("value=\"ana@example.com\""));
    assert!(app.outbox().await.is_empty());
    // From another site, the browser's own headers are enough to refuse.
    let r = c
        .post(app.url("/signup"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

/// Every form of every page, posted without its CSRF token by a browser at the step where that
/// form belongs, is refused and changes nothing: the check runs before the handler can act.
#[tokio::test]
async fn every_form_route_refuses_a_post_without_its_token() {
    let app = spawn_app().await;
    let signed = app.signed_up("forms@example.com").await;
    let staff = app.staff("forms-staff@example.com").await;
    let pending = app.client();
    let r = pending
        .post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("forms-pending@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let enrolling = app.confirmed("forms-enrolling@example.com").await;
    let at_company = app.confirmed("forms-company@example.com").await;
    app.enroll_totp(&at_company, "forms-company@example.com").await;
    let at_checkout = app.confirmed("forms-checkout@example.com").await;
    app.enroll_totp(&at_checkout, "forms-checkout@example.com").await;
    let r = at_checkout
        .post(app.url("/api/v1/onboarding/company"))
        .json(&TestApp::company_body())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.signed_up("forms-challenged@example.com").await;
    let challenged = app.client();
    let r = challenged
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"email": "forms-challenged@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let anonymous = app.client();
    // An SMS set-up waiting for its code, at enrollment and in the Security tab.
    for (c, phone) in [(&enrolling, "+5491123456701"), (&signed, "+5491123456702")] {
        let r = c
            .post(app.url("/api/v1/factors/sms"))
            .json(&serde_json::json!({"phone": phone}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    }
    // Each browser holds a CSRF cookie, as it would after showing any page.
    for c in [
        &signed,
        &staff,
        &pending,
        &enrolling,
        &at_company,
        &at_checkout,
        &challenged,
        &anonymous,
    ] {
        c.get(app.url("/login")).send().await.unwrap();
    }
    let org_policies = format!(
        "/staff/organizations/{}/policies",
        app.org_of("forms@example.com").await
    );
    let new_client = umbral_testkit::umbral_core::oidc::client::NewClient {
        name: "Forms".into(),
        redirect_uris: vec!["https://forms.example.com/cb".into()],
        ..Default::default()
    };
    let client_id = app
        .umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &new_client,
            &Default::default(),
        )
        .await
        .map(|r| r.client.id)
        .unwrap_or_default();
    let client_page = format!("/staff/clients/{client_id}");
    let client_actions = ["rotate-secret", "disable", "enable"].map(|a| format!("{client_page}/{a}"));
    let routes: Vec<(&str, &reqwest::Client)> = vec![
        ("/signup", &anonymous),
        ("/login", &anonymous),
        ("/login/password", &anonymous),
        ("/recover", &anonymous),
        ("/recover/complete", &anonymous),
        ("/invite", &anonymous),
        ("/factor-reset/confirm", &anonymous),
        ("/signup/confirm", &pending),
        ("/signup/confirm/resend", &pending),
        ("/two-factor/app", &enrolling),
        ("/two-factor/sms", &enrolling),
        ("/two-factor/sms/confirm", &enrolling),
        ("/onboarding/company", &at_company),
        ("/checkout", &at_checkout),
        ("/login/second-factor", &challenged),
        ("/login/second-factor/send", &challenged),
        ("/login/second-factor/lost", &challenged),
        ("/first-steps/skip", &signed),
        ("/join/x/accept", &signed),
        ("/join/x/decline", &signed),
        ("/settings/security/app", &signed),
        ("/settings/security/sms", &signed),
        ("/settings/security/sms/confirm", &signed),
        ("/settings/security/activate", &signed),
        ("/settings/security/password", &signed),
        ("/settings/security/recovery-codes", &signed),
        ("/settings/security/devices/forget", &signed),
        ("/settings/security/sessions/end", &signed),
        ("/settings/security/factors/x/remove", &signed),
        ("/settings/organization/invite", &signed),
        ("/settings/organization/transfer", &signed),
        ("/settings/organization/members/x/role", &signed),
        ("/settings/organization/members/x/active", &signed),
        ("/settings/organization/members/x/remove", &signed),
        ("/staff/settings", &staff),
        ("/staff/users/new", &staff),
        ("/staff/users/x/end-sessions", &staff),
        (&org_policies, &staff),
        ("/staff/api-keys", &staff),
        ("/staff/api-keys/x/revoke", &staff),
        ("/staff/factor-resets/x/approve", &staff),
        ("/staff/factor-resets/x/reject", &staff),
        ("/staff/clients", &staff),
        (&client_page, &staff),
        (&client_actions[0], &staff),
        (&client_actions[1], &staff),
        (&client_actions[2], &staff),
        ("/settings/security/applications/revoke", &signed),
        ("/login/idp/x", &anonymous),
        ("/signup/idp", &anonymous),
        ("/login/idp/link", &signed),
        ("/settings/security/idp/x/link", &signed),
        ("/settings/security/idp/unlink", &signed),
        ("/settings/organization/sso", &signed),
        ("/settings/organization/sso/verify", &signed),
        ("/staff/identity-providers", &staff),
        ("/staff/identity-providers/x/remove", &staff),
        ("/two-factor/passkey", &enrolling),
        ("/settings/security/passkey", &signed),
        ("/settings/security/factors/x/rename", &signed),
        ("/login/passkey", &anonymous),
        ("/passkeys/register/options", &enrolling),
        ("/login/second-factor/passkey/options", &challenged),
        ("/login/passkey/options", &anonymous),
    ];
    let outbox_before = app.outbox().await.len();
    let form = [
        ("name", "Someone"),
        ("email", "forms-new@example.com"),
        ("password", PASSWORD),
        ("current_password", PASSWORD),
        ("code", "123456"),
        ("method", "email"),
        ("phone_country", "AR"),
        ("phone", "11 2345-6789"),
        ("role", "admin"),
        ("accept_terms", "yes"),
        ("csrf_token", "forged"),
    ];
    for (path, c) in &routes {
        let r = c
            .post(app.url(&format!("{path}?lang=en")))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(
            status == 403 || body.contains("This form has expired"),
            "{path}: {status} {body}"
        );
    }
    // Signing out and "I saved my codes" without the token: back home, nothing cleared.
    for path in ["/logout", "/recovery-codes"] {
        let r = signed.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(
            (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
            (303, "/")
        );
        assert!(r.headers().get("set-cookie").is_none(), "{path}");
    }
    // Nothing happened: every browser is where it was, no message was sent.
    for (c, next) in [
        (&signed, "done"),
        (&pending, "confirm_email"),
        (&enrolling, "enroll_factor"),
        (&at_company, "company"),
        (&at_checkout, "checkout"),
        (&challenged, "second_factor"),
    ] {
        assert_eq!(app.next_step(c, None).await, next);
    }
    assert_eq!(app.outbox().await.len(), outbox_before);
    app.stop().await;
}
