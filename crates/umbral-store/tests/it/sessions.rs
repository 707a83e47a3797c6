//! Starting a session is one transaction sent whole (ADR 0008): these prove it is still all or
//! nothing, and that the "session.ended" event counts what it ended.

use umbral_core::audit::AuditEvent;
use umbral_core::error::EndReason;
use umbral_core::ports::*;
use umbral_core::types::UserId;

use crate::conformance::{NOW, meta, session, signup, uid};
use crate::each_store;

fn ended_event(user_id: &str, n: i64) -> AuditEvent {
    let mut e = AuditEvent::new(NOW + n, "session.ended", Some(user_id), &meta())
        .unwrap()
        .details("reason=signed_in_elsewhere");
    e.id = format!("{}-{n}", e.id);
    e
}

async fn ended_details(store: &dyn Store, user_id: &str) -> Vec<String> {
    let mut d: Vec<String> = store
        .audit_for_user(&UserId::from(user_id), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "session.ended")
        .map(|e| e.details)
        .collect();
    d.sort();
    d
}

#[tokio::test]
async fn ending_other_sessions_records_how_many_ended_and_nothing_when_none() {
    each_store(|name, store| async move {
        let s = signup("count@example.com");
        let user = uid(&s);
        store.create_signup(&s).await.unwrap();
        // Two live sessions (the sign-up's and one more), then a sign-in that ends both.
        store
            .start_session(&session(Some(&user), NOW + 1), None, &[], None)
            .await
            .unwrap();
        let third = session(Some(&user), NOW + 2);
        store
            .start_session(&third, Some(&ended_event(&user, 2)), &[], None)
            .await
            .unwrap();
        assert_eq!(
            store
                .live_sessions_of(&UserId::from(user.as_str()), NOW + 2)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        assert_eq!(
            ended_details(&store, &user).await,
            ["reason=signed_in_elsewhere;count=2"],
            "{name}"
        );
        // Ending the others of the only live session ends none and records nothing more.
        store
            .end_session(&third.id_hash, EndReason::SignedOut, NOW + 3, None)
            .await
            .unwrap();
        let alone = session(Some(&user), NOW + 4);
        store
            .start_session(&alone, Some(&ended_event(&user, 4)), &[], None)
            .await
            .unwrap();
        assert_eq!(ended_details(&store, &user).await.len(), 1, "{name}");
        store
            .start_session(
                &session(Some(&user), NOW + 5),
                Some(&ended_event(&user, 5)),
                &[],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            ended_details(&store, &user).await,
            [
                "reason=signed_in_elsewhere;count=1",
                "reason=signed_in_elsewhere;count=2"
            ],
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_session_start_that_fails_half_way_changes_nothing_and_the_store_goes_on() {
    each_store(|name, store| async move {
        let s = signup("half@example.com");
        let user = uid(&s);
        store.create_signup(&s).await.unwrap();
        // The same session id again: its insert fails after the other sessions were ended and
        // the event written, in the same transaction.
        let mut again = session(Some(&user), NOW + 1);
        again.id_hash = s.session.id_hash.clone();
        let started = AuditEvent::new(NOW + 1, "session.started", Some(&user), &meta()).unwrap();
        let err = store
            .start_session(
                &again,
                Some(&ended_event(&user, 1)),
                std::slice::from_ref(&started),
                None,
            )
            .await;
        assert!(err.is_err(), "{name}");
        let live = store
            .live_sessions_of(&UserId::from(user.as_str()), NOW + 1)
            .await
            .unwrap();
        assert_eq!(live.len(), 1, "{name}: the sign-up's session is still live");
        assert!(ended_details(&store, &user).await.is_empty(), "{name}");
        assert!(
            !store
                .audit_for_user(&UserId::from(user.as_str()), 100)
                .await
                .unwrap()
                .iter()
                .any(|e| e.id == started.id),
            "{name}"
        );
        // The writer is usable at once, with and without ending others.
        store
            .start_session(&session(Some(&user), NOW + 2), None, &[], None)
            .await
            .unwrap();
        store
            .start_session(
                &session(Some(&user), NOW + 3),
                Some(&ended_event(&user, 3)),
                &[],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .live_sessions_of(&UserId::from(user.as_str()), NOW + 3)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    })
    .await;
}

/// A session start that ends no other session commits without waiting for the disk, on SQLite on
/// the calling thread (ADR 0009); it is still all or nothing, and a taken id is a conflict.
#[tokio::test]
async fn a_relaxed_session_start_that_fails_half_way_changes_nothing() {
    each_store(|name, store| async move {
        let s = signup("relaxed@example.com");
        let user = uid(&s);
        store.create_signup(&s).await.unwrap();
        let started = AuditEvent::new(NOW + 1, "session.started", Some(&user), &meta()).unwrap();
        store
            .start_session(
                &session(Some(&user), NOW + 1),
                None,
                std::slice::from_ref(&started),
                None,
            )
            .await
            .unwrap();
        // The session is written, then its event, whose id is taken.
        let second = session(Some(&user), NOW + 2);
        let err = store
            .start_session(&second, None, std::slice::from_ref(&started), None)
            .await;
        assert!(matches!(err, Err(StoreError::Conflict(_))), "{name}: {err:?}");
        let live = store
            .live_sessions_of(&UserId::from(user.as_str()), NOW + 2)
            .await
            .unwrap();
        assert_eq!(live.len(), 2, "{name}: the second session was rolled back");
        assert!(live.iter().all(|l| l.id_hash != second.id_hash), "{name}");
        // The writer goes on.
        store.start_session(&second, None, &[], None).await.unwrap();
        assert_eq!(
            store
                .live_sessions_of(&UserId::from(user.as_str()), NOW + 2)
                .await
                .unwrap()
                .len(),
            3,
            "{name}"
        );
    })
    .await;
}
