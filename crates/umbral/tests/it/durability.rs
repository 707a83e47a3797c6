//! Kill the server with SIGKILL during a burst of sign-ups; after a restart every acknowledged
//! sign-up exists whole and nothing half-written does. The same for sign-ins, whose session start
//! does not wait for the disk on SQLite (ADR 0008): it must still survive the process dying.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::{AnyPool, Row};
use umbral_store::test_support::{TestDatabase, postgres_admin_url};

use crate::support::{PASSWORD, serve, signup_body, temp_dir};

async fn burst_then_kill(database_url: &str, dir: &std::path::Path) {
    let mut server = serve(dir, database_url, &[], true).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..8 {
        let base = server.base.clone();
        let acked = acked.clone();
        workers.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            for i in 0.. {
                let email = format!("burst-{w}-{i}@example.com");
                match c
                    .post(format!("{base}/api/v1/signup"))
                    .json(&signup_body(&email))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 201 => acked.lock().unwrap().push(email),
                    Ok(r) => panic!("sign-up answered {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Killed once ten sign-ups were acknowledged, with more in flight: the count, not a fixed
    // time, so that a slow or busy machine still kills mid-burst (hashing is most of a sign-up).
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while acked.lock().unwrap().len() < 10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "fewer than ten sign-ups in a minute");
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 10, "only {} sign-ups before the kill", acked.len());

    // Restart on the same database.
    let mut server = serve(dir, database_url, &[], true).await;
    let c = reqwest::Client::new();
    for email in &acked {
        let r = c
            .post(format!("{}/api/v1/login", server.base))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{email} was acknowledged but cannot sign in");
    }
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(database_url).await.unwrap();
    let q = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<i64, _>(0)
                .unwrap()
        }
    };
    let users = q("SELECT COUNT(*) FROM users").await;
    assert!(users >= acked.len() as i64);
    assert_eq!(q("SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.role = 'owner')").await, 0, "a user without an organization");
    assert_eq!(q("SELECT COUNT(*) FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = o.id)").await, 0, "an organization without its owner");
    assert_eq!(
        q("SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM codes c WHERE c.subject = u.id)")
            .await,
        0,
        "a user without a confirmation code"
    );
    assert_eq!(q("SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.subject_user_id = u.id AND a.event = 'user.signed_up')").await, 0, "a sign-up without its audit event");
    assert_eq!(
        q("SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.recipient = u.email)").await,
        0,
        "a sign-up without its email"
    );
    pool.close().await;
}

#[tokio::test]
async fn sigkill_during_signups_on_sqlite() {
    let dir = temp_dir("kill");
    let url = format!("sqlite://{}", dir.join("umbral.db").display());
    burst_then_kill(&url, &dir).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn sigkill_during_signups_on_postgres() {
    let Some(admin) = postgres_admin_url() else { return };
    let db = TestDatabase::postgres(&admin).await;
    let dir = temp_dir("kill-pg");
    burst_then_kill(&db.url, &dir).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn sigkill_right_after_sign_ins_keeps_every_acknowledged_session_on_sqlite() {
    let dir = temp_dir("kill-signin");
    let url = format!("sqlite://{}", dir.join("umbral.db").display());
    let mut server = serve(&dir, &url, &[], true).await;
    let c = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..5 {
        let email = format!("signin-{i}@example.com");
        let r = c
            .post(format!("{}/api/v1/signup", server.base))
            .json(&signup_body(&email))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let r = c
            .post(format!("{}/api/v1/login", server.base))
            .json(&serde_json::json!({"email": email, "password": PASSWORD, "token": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        tokens.push(body["session_token"].as_str().unwrap().to_string());
    }
    // No pause: the last answer has just arrived.
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    for t in &tokens {
        let live: i64 = sqlx::query(
            "SELECT COUNT(*) FROM sessions s WHERE s.id_hash = $1 AND s.ended_at IS NULL AND EXISTS \
             (SELECT 1 FROM audit_events a WHERE a.subject_user_id = s.user_id \
              AND a.event = 'session.started' AND a.details = 'via=password')",
        )
        .bind(umbral_core::secrets::hash_token(t))
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        assert_eq!(
            live, 1,
            "an acknowledged sign-in lost its session or its audit event"
        );
    }
    pool.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}
