//! The outbox: each message leased once, retried, listed in dev mode, and sealed at rest.

use std::sync::Arc;

use umbral_core::ports::*;
use umbral_core::secrets;

use crate::conformance::{NOW, signup};
use crate::each_store;

#[tokio::test]
async fn outbox_leases_each_message_once_and_retries() {
    each_store(|name, store| async move {
        store.create_signup(&signup("out@example.com")).await.unwrap();
        let store = Arc::new(store);
        let (a, b) = tokio::join!(
            store.outbox_claim(NOW, 30_000, 10),
            store.outbox_claim(NOW, 30_000, 10)
        );
        let claimed: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
        assert_eq!(claimed.len(), 1, "{name}: claimed twice");
        let m = &claimed[0];
        assert_eq!(m.content.params.get("code").map(String::as_str), Some("123456"));
        assert_eq!(m.attempts, 1);
        store.outbox_retry(&m.id, NOW + 2000, "smtp down").await.unwrap();
        assert!(
            store
                .outbox_claim(NOW + 1000, 30_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store.outbox_claim(NOW + 2000, 30_000, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        store.outbox_sent(&m.id, NOW + 2001).await.unwrap();
        assert_eq!(store.outbox_pending().await.unwrap(), 0);
        assert!(
            store
                .outbox_claim(NOW + 999_999, 30_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn dev_outbox_lists_newest_first() {
    each_store(|_, store| async move {
        for (i, s) in ["first", "second"].iter().enumerate() {
            store
                .dev_outbox_put(&DevMessage {
                    channel: "email".into(),
                    to: "a@example.com".into(),
                    subject: s.to_string(),
                    body: "b".into(),
                    created_at: NOW + i as i64,
                })
                .await
                .unwrap();
        }
        let l = store.dev_outbox_list(10).await.unwrap();
        assert_eq!(
            l.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
            ["second", "first"]
        );
    })
    .await;
}

/// Pending outbox rows held raw codes and link tokens while SMTP was down: readable from the
/// database file or a backup. They are sealed with the configured key; another key cannot open
/// them (the message is given up, the rest of the queue goes on).
#[tokio::test]
async fn pending_messages_are_sealed_at_rest() {
    crate::each_store_at(|name, url, store| async move {
        let key = |k: &str| secrets::SecretKey::from_base64(k).unwrap();
        let store = store.seal_outbox_with(key("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="));
        store.create_signup(&signup("sealed@example.com")).await.unwrap();
        let raw = sqlx::AnyPool::connect(&url).await.unwrap();
        let content: String =
            sqlx::query_scalar("SELECT content FROM outbox WHERE recipient = 'sealed@example.com'")
                .fetch_one(&raw)
                .await
                .unwrap();
        assert!(
            secrets::SecretKey::is_sealed(&content),
            "{name}: stored as {content}"
        );
        assert!(
            !content.contains("123456") && !content.contains("signup_code"),
            "{name}"
        );
        // Another node with another key gives the message up and goes on.
        store.create_signup(&signup("second@example.com")).await.unwrap();
        sqlx::query("UPDATE outbox SET content = $1 WHERE recipient = 'second@example.com'")
            .bind(
                key("ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4Q=")
                    .seal(b"{}", "outbox:elsewhere")
                    .unwrap(),
            )
            .execute(&raw)
            .await
            .unwrap();
        let claimed = store.outbox_claim(NOW, 30_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{name}");
        assert_eq!(claimed[0].recipient, "sealed@example.com");
        assert_eq!(
            claimed[0].content.params.get("code").map(String::as_str),
            Some("123456")
        );
        let status: String =
            sqlx::query_scalar("SELECT status FROM outbox WHERE recipient = 'second@example.com'")
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(status, "failed", "{name}");
        raw.close().await;
    })
    .await;
}
