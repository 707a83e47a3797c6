//! The session cache across two nodes on one PostgreSQL database (ADR 0015): a change committed
//! through one store is seen by the very next read through the other, even when the other's
//! notification channel was cut or a node never confirms.

use std::time::{Duration, Instant};

use sqlx::Connection;
use umbral_core::audit::AuditEvent;
use umbral_core::error::EndReason;
use umbral_core::ports::*;
use umbral_core::types::SessionId;
use umbral_store::SqlStore;
use umbral_store::test_support::{TestDatabase, postgres_admin_url};

use crate::conformance::{NOW, meta, session, signup, uid};

async fn node(url: &str) -> SqlStore {
    let s = SqlStore::connect(url, 4).await.unwrap();
    s.migrate().await.unwrap();
    s.serve_from_cache().await.unwrap();
    s
}

async fn read(store: &SqlStore, id: &SessionId) -> SessionContext {
    store.session_context(id).await.unwrap().unwrap()
}

async fn raw(url: &str, sql: &str) {
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut c)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_change_on_one_node_is_seen_by_the_next_read_on_the_other() {
    let Some(admin) = postgres_admin_url() else { return };
    let db = TestDatabase::postgres(&admin).await;
    let (a, b) = (node(&db.url).await, node(&db.url).await);
    let s = signup("cache@example.com");
    let user = uid(&s);
    a.create_signup(&s).await.unwrap();

    // B answers from memory: a write that bypasses the store goes unseen (so the rounds below
    // would fail if a change were not told to B).
    assert_eq!(
        read(&b, &s.session.id_hash)
            .await
            .user
            .unwrap()
            .email_confirmed_at,
        None
    );
    raw(&db.url, "UPDATE users SET name = 'Bypassed'").await;
    assert_eq!(read(&b, &s.session.id_hash).await.user.unwrap().name, "Ana Pérez");

    let mut live = s.session.clone();
    for round in 0..25 {
        // B holds the live session in memory; a sign-in on A ends it (one-session rule).
        assert!(read(&b, &live.id_hash).await.session.ended_at.is_none());
        let next = session(Some(&user), NOW + 10 + round);
        let ended = AuditEvent::new(NOW, "session.ended", Some(&user), &meta()).unwrap();
        a.start_session(&next, Some(&ended), &[], None).await.unwrap();
        assert_eq!(
            read(&b, &live.id_hash).await.session.end_reason,
            Some(EndReason::SignedInElsewhere),
            "round {round}: B served the ended session"
        );
        // A sign-out on A.
        assert!(read(&b, &next.id_hash).await.session.ended_at.is_none());
        a.end_session(&next.id_hash, EndReason::SignedOut, NOW + 20, None)
            .await
            .unwrap();
        assert_eq!(
            read(&b, &next.id_hash).await.session.end_reason,
            Some(EndReason::SignedOut),
            "round {round}: B served the signed-out session"
        );
        live = session(Some(&user), NOW + 30 + round);
        a.start_session(&live, None, &[], None).await.unwrap();
    }
    // A change to the account on A (its email confirmed).
    assert_eq!(
        read(&b, &live.id_hash).await.user.unwrap().email_confirmed_at,
        None
    );
    let confirmed = AuditEvent::new(NOW, "user.email_confirmed", Some(&user), &meta()).unwrap();
    a.confirm_email(&user.as_str().into(), &s.code.id, NOW + 40, &confirmed)
        .await
        .unwrap();
    assert!(
        read(&b, &live.id_hash)
            .await
            .user
            .unwrap()
            .email_confirmed_at
            .is_some()
    );

    // An application's grant revoked on A (a code or refresh token reused): B refuses its
    // access tokens at once.
    assert!(!b.grant_revoked("grant-1", NOW).await.unwrap());
    assert!(!b.grant_revoked("grant-1", NOW).await.unwrap());
    a.revoke_grant("grant-1", NOW + 600_000, NOW).await.unwrap();
    assert!(b.grant_revoked("grant-1", NOW).await.unwrap());

    // A store that does not cache (a command run and gone) tells the caching nodes too.
    let command = SqlStore::connect(&db.url, 2).await.unwrap();
    let other = session(Some(&user), NOW + 45);
    a.start_session(&other, None, &[], None).await.unwrap();
    assert!(read(&b, &other.id_hash).await.session.ended_at.is_none());
    command
        .end_session(&other.id_hash, EndReason::Revoked, NOW + 46, None)
        .await
        .unwrap();
    assert!(read(&b, &other.id_hash).await.session.ended_at.is_some());
    command.close().await;

    // B's notification channel is cut: it empties its cache and listens again; a change made
    // meanwhile is still seen.
    raw(
        &db.url,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{}'",
            umbral_store::CACHE_LISTENER_NAME
        ),
    )
    .await;
    assert!(read(&b, &live.id_hash).await.session.ended_at.is_none());
    a.end_session(&live.id_hash, EndReason::SignedOut, NOW + 50, None)
        .await
        .unwrap();
    assert!(read(&b, &live.id_hash).await.session.ended_at.is_some());

    // A node that never confirms: A waits out the caches' time to live before it answers.
    raw(
        &db.url,
        "INSERT INTO cache_nodes (node_id, seen_at) VALUES ('silent', \
         CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + 60000)",
    )
    .await;
    let last = session(Some(&user), NOW + 60);
    a.start_session(&last, None, &[], None).await.unwrap();
    assert!(read(&b, &last.id_hash).await.session.ended_at.is_none());
    let started = Instant::now();
    a.end_session(&last.id_hash, EndReason::SignedOut, NOW + 70, None)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    assert!(read(&b, &last.id_hash).await.session.ended_at.is_some());
    a.close().await;
    b.close().await;
}
