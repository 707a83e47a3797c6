//! The staff console: staff only, finds users, shows one user's factors, sessions and audit trail,
//! ends sessions, approves lost-factor resets; staff always use two-factor.

use serde_json::{Value, json};
use umbral_core::ports::{AuditStore, DirectoryStore};
use umbral_testkit::{PASSWORD, csrf_from, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_console_is_for_staff_and_finds_shows_and_acts() {
    let app = spawn_app().await;
    let user = app.signed_up("customer@example.com").await;
    let staff = app.staff("agent@example.com").await;
    // Not staff: the console does not exist, and the home page does not offer it.
    assert_eq!(app.get_text(&user, &app.url("/staff")).await.0, 404);
    let (_, home) = app.get_text(&user, &app.url("/")).await;
    assert!(!home.contains("href=\"/staff\"") && home.contains("href=\"/settings/organization\""));
    let (_, home) = app.get_text(&staff, &app.url("/")).await;
    assert!(
        home.contains("href=\"/staff\""),
        "the avatar menu leads staff to the console"
    );
    assert_eq!(
        app.get_text(&app.client(), &app.url("/staff")).await.0,
        303,
        "signed out: to the sign-in page"
    );

    let (s, html) = app.get_text(&staff, &app.url("/staff?q=CUSTOMER&lang=es")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Consola del equipo") && html.contains("customer@example.com"));
    let results = html.split("id=\"results\"").nth(1).unwrap();
    let id = results
        .split("/staff/users/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (s, html) = app
        .get_text(&staff, &app.url(&format!("/staff/users/{id}?lang=en")))
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Authenticator app")
            && html.contains("user.signed_up")
            && html.contains("End every session")
    );
    // Another person's methods, not "Your methods"; a link to their organization.
    assert!(html.contains("Two-factor methods") && !html.contains("Your methods"));
    assert!(html.contains("id=\"user-org\""), "{html}");
    let csrf = csrf_from(&html);
    let r = staff
        .post(app.url(&format!("/staff/users/{id}/end-sessions")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        format!("/staff/users/{id}?notice=sessions_ended")
    );
    assert_eq!(
        user.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    let audit: Vec<_> = app
        .store()
        .audit_for_user(&id.clone().into(), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.details.contains("by=user:"))
        .collect();
    assert!(!audit.is_empty(), "the staff member is the actor");

    // A lost-factor reset, approved in the console.
    let c = app.client();
    let r = c
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": "customer@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["next"], "second_factor");
    c.post(app.url("/api/v1/login/second-factor/lost"))
        .send()
        .await
        .unwrap();
    let mail = app.wait_for_email("customer@example.com", "Confirm your").await;
    let token = mail["body"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let r = c
        .post(app.url("/api/v1/factor-resets/confirm"))
        .json(&json!({"token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, html) = app.get_text(&staff, &app.url("/staff/factor-resets")).await;
    assert!(html.contains("customer@example.com") && html.contains("waiting for a decision"));
    let reset = html
        .split("/staff/factor-resets/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let bystander = app.signed_up("bystander@example.com").await;
    let r = bystander
        .post(app.url(&format!("/staff/factor-resets/{reset}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "not staff: the console does not exist");
    let r = staff
        .post(app.url(&format!("/staff/factor-resets/{reset}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        "/staff/factor-resets?notice=reset_approved"
    );
    let r = app
        .client()
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": "customer@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["next"],
        "enroll_factor",
        "forced re-enrollment"
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_always_use_two_factor_and_one_session() {
    let app = spawn_app_with(|s| {
        s.two_factor.policy = umbral::config::TwoFactorChoice::Optional;
        s.sessions.single_session = false;
    })
    .await;
    let first = app.staff("agent@example.com").await;
    // Under `optional`, a staff member still may not remove the last method.
    let factors: Value = first
        .get(app.url("/api/v1/factors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = factors["factors"][0]["id"].as_str().unwrap().to_string();
    let r = first
        .delete(app.url(&format!("/api/v1/factors/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Several sessions are allowed for users here, never for staff.
    let _second = app.signed_in("agent@example.com").await;
    assert_eq!(
        first.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_create_accounts_set_policies_and_manage_keys_in_the_console() {
    let app = spawn_app().await;
    let owner = app.signed_up("acme-owner@example.com").await;
    let staff = app.staff("agent@example.com").await;
    // Known by the legal name given at the company step.
    let (_, html) = app
        .get_text(&staff, &app.url("/staff/organizations?q=acme"))
        .await;
    let org = html
        .split("/staff/organizations/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (s, html) = app
        .get_text(&staff, &app.url(&format!("/staff/organizations/{org}")))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("acme-owner@example.com") && html.contains("Platform default (Required)"));
    // The company data and the subscription the owner gave at sign-up.
    assert!(
        html.contains("Acme SA") && html.contains("CUIT") && html.contains("33-69345023-9"),
        "{html}"
    );
    assert!(
        html.contains("Plan starter (Monthly), active; renews on "),
        "{html}"
    );
    let csrf = csrf_from(&html);
    let form = |url: String, fields: Vec<(&'static str, String)>| {
        let c = staff.clone();
        async move { c.post(url).form(&fields).send().await.unwrap() }
    };
    let r = form(
        app.url(&format!("/staff/organizations/{org}/policies")),
        vec![
            ("csrf_token", csrf.clone()),
            ("two_factor", "optional".into()),
            ("single_session", "no".into()),
        ],
    )
    .await;
    assert_eq!(
        r.headers()["location"],
        format!("/staff/organizations/{org}?notice=policies_saved")
    );
    let row = app
        .store()
        .organization(&org.clone().into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.mfa_policy.map(|p| p.as_str()), row.single_session),
        (Some("optional"), Some(false))
    );
    // Several sessions now allowed in this organization.
    let _second = app.signed_in("acme-owner@example.com").await;
    assert_eq!(
        owner.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );

    // Create an account in that organization; a wrong organization id is named.
    let r = form(
        app.url("/staff/users/new"),
        vec![
            ("csrf_token", csrf.clone()),
            ("name", "Nuevo".into()),
            ("email", "nuevo@example.com".into()),
            ("organization_id", "nope".into()),
            ("role", "member".into()),
            ("locale", "es".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"organization_id-error\""));
    let r = form(
        app.url("/staff/users/new"),
        vec![
            ("csrf_token", csrf.clone()),
            ("name", "Nuevo".into()),
            ("email", "nuevo@example.com".into()),
            ("organization_id", org.clone()),
            ("role", "member".into()),
            ("locale", "es".into()),
        ],
    )
    .await;
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("?notice=user_created")
    );
    let mail = app.wait_for_email("nuevo@example.com", "").await;
    assert!(mail["body"].as_str().unwrap().contains("/invite?token="));

    // API keys: the secret once, then revoked.
    let r = form(
        app.url("/staff/api-keys"),
        vec![("csrf_token", csrf.clone()), ("name", "bot".into())],
    )
    .await;
    let html = r.text().await.unwrap();
    let secret = html
        .split("id=\"new-key\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("uak_"));
    let listed = reqwest::Client::new()
        .get(app.url("/api/v1/admin/factor-resets"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let (_, html) = app.get_text(&staff, &app.url("/staff/api-keys")).await;
    assert!(!html.contains(&secret), "never shown again");
    let key_id = html
        .split("/staff/api-keys/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let r = form(
        app.url(&format!("/staff/api-keys/{key_id}/revoke")),
        vec![("csrf_token", csrf.clone())],
    )
    .await;
    assert_eq!(r.headers()["location"], "/staff/api-keys?notice=key_revoked");
    let listed = reqwest::Client::new()
        .get(app.url("/api/v1/admin/factor-resets"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn staff_change_the_platform_defaults() {
    let app = spawn_app().await;
    let staff = app.staff("agent@example.com").await;
    let fresh = app.confirmed("fresh@example.com").await;
    assert_eq!(
        fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        403,
        "required by the configuration"
    );
    let (_, html) = app.get_text(&staff, &app.url("/staff/settings?lang=en")).await;
    assert!(html.contains("As configured (required)"));
    let csrf = csrf_from(&html);
    let r = staff
        .post(app.url("/staff/settings"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("two_factor", "optional"),
            ("single_session", "default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/staff/settings?notice=settings_saved");
    assert_eq!(app.next_step(&fresh, None).await, "company", "optional now");
    // Staff still need their second factor.
    let (s, _) = app.get_text(&staff, &app.url("/staff")).await;
    assert_eq!(s, 200);
    let r = staff
        .post(app.url("/staff/settings"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("two_factor", "default"),
            ("single_session", "default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        403,
        "back to the configuration"
    );
    app.stop().await;
}
