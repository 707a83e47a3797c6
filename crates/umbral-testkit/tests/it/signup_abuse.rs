//! Sign-up as an attacker would use it: to flood someone's inbox, or to create accounts in bulk
//! from one client. (The strength estimate's place off the async workers is tested in
//! `umbral-core`: `run_uses_a_hashing_thread`.)

use std::time::Duration;

use serde_json::Value;
use umbral_testkit::{TestApp, spawn_app, spawn_app_with};

/// The messages queued for `to`, once the outbox had a moment to take them.
async fn emails_to(app: &TestApp, to: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.outbox().await.into_iter().filter(|m| m["to"] == to).count()
}

#[tokio::test]
async fn sign_ups_with_someones_address_send_them_one_notice_an_hour() {
    let app = spawn_app().await;
    app.signed_up("victim@example.com").await;
    let c = reqwest::Client::new();
    for _ in 0..10 {
        let r = c
            .post(app.url("/api/v1/signup"))
            .json(&TestApp::signup_body("victim@example.com"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "a taken address answers like any other");
    }
    // The code of the real sign-up, and one warning.
    let to_victim = emails_to(&app, "victim@example.com").await;
    assert_eq!(to_victim, 2, "{to_victim} emails to one address");
    app.clock.advance_secs(3601);
    c.post(app.url("/api/v1/signup"))
        .json(&TestApp::signup_body("victim@example.com"))
        .send()
        .await
        .unwrap();
    let to_victim = emails_to(&app, "victim@example.com").await;
    assert_eq!(to_victim, 3, "an hour later, one more warning");
    app.stop().await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_client() {
    let app = spawn_app_with(|s| s.signup.per_ip = 20).await;
    let c = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..22 {
        let r = c
            .post(app.url("/api/v1/signup"))
            .json(&TestApp::signup_body(&format!("bulk{i}@example.com")))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let b: Value = r.json().await.unwrap();
            assert_eq!(b["error"]["code"], "auth.too_many_attempts");
        }
    }
    assert!(statuses[..20].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(&statuses[20..], &[429, 429]);
    app.stop().await;
}
