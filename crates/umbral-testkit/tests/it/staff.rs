//! The staff console: staff only, finds users, shows one user's factors, sessions and audit trail,
//! ends sessions, approves lost-factor resets; staff always use two-factor.

use serde_json::{Value, json};
use umbral_testkit::{PASSWORD, csrf_from, spawn_app, spawn_app_with};

async fn get(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_console_is_for_staff_and_finds_shows_and_acts() {
    let app = spawn_app().await;
    let user = app.signed_up("customer@example.com").await;
    let staff = app.staff("agent@example.com").await;
    // Not staff: the console does not exist.
    assert_eq!(get(&user, &app.url("/staff")).await.0, 404);
    assert_eq!(
        get(&app.client(), &app.url("/staff")).await.0,
        303,
        "signed out: to the sign-in page"
    );

    let (s, html) = get(&staff, &app.url("/staff?q=CUSTOMER&lang=es")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Consola del equipo") && html.contains("customer@example.com"));
    let id = html
        .split("/staff/users/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (s, html) = get(&staff, &app.url(&format!("/staff/users/{id}?lang=en"))).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Authenticator app")
            && html.contains("user.signed_up")
            && html.contains("End every session")
    );
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
        .umbral()
        .store()
        .audit_for_user(&id, 50)
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
    let (_, html) = get(&staff, &app.url("/staff/factor-resets")).await;
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
        s.two_factor.policy = "optional".into();
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
