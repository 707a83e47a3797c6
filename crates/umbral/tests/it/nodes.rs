//! Two `umbral serve` processes on one PostgreSQL database.

use serde_json::{Value, json};
use umbral_core::factors::totp;
use umbral_store::test_support::{TestDatabase, postgres_admin_url};

use crate::support::{PASSWORD, confirmed_signup, serve, temp_dir};

#[tokio::test]
async fn two_nodes_share_sessions_single_session_and_limits() {
    let Some(admin) = postgres_admin_url() else { return };
    let db = TestDatabase::postgres(&admin).await;
    let dir = temp_dir("nodes");
    let (mut a, mut b) = tokio::join!(serve(&dir, &db.url, &[], true), serve(&dir, &db.url, &[], true));
    let c = reqwest::Client::new();

    // A session made on A works on B.
    let token_a = confirmed_signup(&c, &a.base, &b.base, "nodes@example.com").await;
    // The authenticator app is set up on A and confirmed on B.
    let setup: Value = c
        .post(format!("{}/api/v1/factors/totp", a.base))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = totp::secret_from_text(setup["secret"].as_str().unwrap()).unwrap();
    let step = || {
        use umbral_core::clock::{Clock, SystemClock};
        SystemClock.now_ms() / 30_000
    };
    let enrolled_at = step();
    let r = c
        .post(format!("{}/api/v1/factors/totp/confirm", b.base))
        .bearer_auth(&token_a)
        .json(&json!({"code": totp::code_at_step(&key, enrolled_at).unwrap()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Enrolling completed the sign-in: the session's id rotated, and the old token ended.
    let old = token_a.clone();
    let token_a = r.json::<Value>().await.unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(token_a, old);
    let r = c
        .get(format!("{}/api/v1/me", a.base))
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the token of before the second factor still works"
    );
    // The company data given on A, the payment made on B.
    let r = c
        .post(format!("{}/api/v1/onboarding/company", a.base))
        .bearer_auth(&token_a)
        .json(
            &json!({"legal_name": "Acme SA", "country": "AR", "tax_id": "33-69345023-9", "employees": "11-50",
            "segment": "technology", "postal_code": "C1425DKA", "street": "Av. Santa Fe", "number": "1234",
            "city": "Buenos Aires", "state": "CABA"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{}/api/v1/checkout", b.base))
        .bearer_auth(&token_a)
        .json(
            &json!({"plan": "starter", "period": "month", "idempotency_key": "nodes-000000000001",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(format!("{}/api/v1/me", a.base))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "A sees the payment made on B");

    // A sign-in on B ends the session held on A.
    let login = |node: String| {
        let c = c.clone();
        async move {
            let r: Value = c
                .post(format!("{node}/api/v1/login"))
                .json(&json!({"email": "nodes@example.com", "password": PASSWORD, "token": true}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(r["next"], "second_factor");
            r["session_token"].as_str().unwrap().to_string()
        }
    };
    let token_b = login(b.base.clone()).await;
    // One step later than enrollment (within the one step of drift allowed), answered on B ...
    let code = totp::code_at_step(&key, enrolled_at + 1).unwrap();
    let answer = |node: String, token: String, code: String| {
        let c = c.clone();
        async move {
            let r = c
                .post(format!("{node}/api/v1/login/second-factor"))
                .bearer_auth(token)
                .json(&json!({"method": "totp", "code": code}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap_or_default();
            (status, body["session_token"].as_str().map(str::to_string))
        }
    };
    // Passing the second factor rotates the session's id: B's new token comes in the answer.
    let (status, rotated) = answer(b.base.clone(), token_b.clone(), code.clone()).await;
    assert_eq!(status, 200);
    let token_b = rotated.unwrap();
    let r = c
        .get(format!("{}/api/v1/me", a.base))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "auth.session_signed_in_elsewhere"
    );
    assert_eq!(
        c.get(format!("{}/api/v1/me", a.base))
            .bearer_auth(&token_b)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // ... and the same step is refused on A: no TOTP step counts twice, on any node.
    let token_a2 = login(a.base.clone()).await;
    assert_eq!(answer(a.base.clone(), token_a2, code).await.0, 400);

    // Limits are shared: failures on A count on B.
    for _ in 0..5 {
        let r = c
            .post(format!("{}/api/v1/login", a.base))
            .json(&json!({"email": "nodes@example.com", "password": "wrong-password-x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = c
        .post(format!("{}/api/v1/login", b.base))
        .json(&json!({"email": "nodes@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);

    a.child.start_kill().unwrap();
    b.child.start_kill().unwrap();
    let _ = a.child.wait().await;
    let _ = b.child.wait().await;
    drop(db);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Each node keeps sessions in memory (ADR 0015); a sign-out or a sign-in on A, once A answered,
/// is seen by B's very next request, round after round.
#[tokio::test]
async fn the_other_node_never_serves_a_stale_session() {
    let Some(admin) = postgres_admin_url() else { return };
    let db = TestDatabase::postgres(&admin).await;
    let dir = temp_dir("exact");
    let env = [("UMBRAL_TWO_FACTOR_POLICY", "optional")];
    let (mut a, mut b) = tokio::join!(serve(&dir, &db.url, &env, true), serve(&dir, &db.url, &env, true));
    let c = reqwest::Client::new();
    let email = "exact@example.com";
    confirmed_signup(&c, &a.base, &a.base, email).await;
    // The account has not described its company yet: a live session gets "finish the current
    // step first" (403), an ended one 401.
    const LIVE: u16 = 403;
    let me = |node: &str, token: &str| c.get(format!("{node}/api/v1/me")).bearer_auth(token).send();
    let login = || async {
        let r: Value = c
            .post(format!("{}/api/v1/login", a.base))
            .json(&json!({"email": email, "password": PASSWORD, "token": true}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["session_token"].as_str().unwrap().to_string()
    };
    let mut token = login().await;
    for round in 0..10 {
        // B serves the session from memory ...
        for _ in 0..3 {
            assert_eq!(me(&b.base, &token).await.unwrap().status(), LIVE);
        }
        // ... until a sign-in on A ends it.
        let next = login().await;
        let r = me(&b.base, &token).await.unwrap();
        assert_eq!(
            r.status(),
            401,
            "round {round}: B served a session ended by a sign-in on A"
        );
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "auth.session_signed_in_elsewhere"
        );
        for _ in 0..3 {
            assert_eq!(me(&b.base, &next).await.unwrap().status(), LIVE);
        }
        let r = c
            .post(format!("{}/api/v1/logout", a.base))
            .bearer_auth(&next)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(
            me(&b.base, &next).await.unwrap().status(),
            401,
            "round {round}: B served a session signed out on A"
        );
        token = login().await;
    }

    a.child.start_kill().unwrap();
    b.child.start_kill().unwrap();
    let _ = a.child.wait().await;
    let _ = b.child.wait().await;
    drop(db);
    std::fs::remove_dir_all(dir).unwrap();
}
