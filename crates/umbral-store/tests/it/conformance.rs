use std::sync::Arc;
use umbral_core::error::EndReason;

use umbral_core::accounts::{User, UserStatus};
use umbral_core::audit::{AuditEvent, RequestMeta};
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::*;
use umbral_core::secrets;
use umbral_core::types::{Locale, SessionId, UserId};

use crate::each_store;

pub(crate) const NOW: i64 = 1_767_225_600_000;

pub(crate) fn meta() -> RequestMeta {
    RequestMeta {
        ip: "203.0.113.7".into(),
        user_agent: "test".into(),
    }
}

pub(crate) fn session(user_id: Option<&str>, at: i64) -> SessionRecord {
    SessionRecord {
        id_hash: SessionId::of_token(&secrets::new_token().unwrap()),
        user_id: user_id.map(UserId::from),
        created_at: at,
        last_seen_at: at,
        expires_at: at + 3_600_000,
        ended_at: None,
        end_reason: None,
        ip: "203.0.113.7".into(),
        user_agent: "test".into(),
        mfa_at: None,
        mfa_method: None,
        first_factor: Default::default(),
    }
}

pub(crate) fn signup(email: &str) -> NewSignup {
    let user_id = secrets::new_id(NOW).unwrap();
    let org_id = secrets::new_id(NOW).unwrap();
    let user = User {
        id: UserId(user_id.clone()),
        email: email.to_string(),
        name: "Ana Pérez".into(),
        phone: "+5491123456789".into(),
        password_hash: Some("$argon2id$stub".into()),
        locale: "es".into(),
        status: UserStatus::Active,
        email_confirmed_at: None,
        created_at: NOW,
        mfa_enabled: false,
        security_epoch: 0,
        factor_count: 0,
        is_staff: false,
    };
    NewSignup {
        account: Some((
            user,
            NewOrganization {
                id: org_id,
                name: "Ana Pérez".into(),
                created_at: NOW,
                setup: OrgSetup::Company,
                plan_choice: Some("starter".into()),
            },
            TermsAcceptance {
                version: "2026-01".into(),
                at: NOW,
                ip: "203.0.113.7".into(),
            },
        )),
        session: session(Some(&user_id), NOW),
        code: CodeRecord {
            id: secrets::new_id(NOW).unwrap(),
            subject: user_id.clone(),
            purpose: CodePurpose::ConfirmEmail,
            code_hash: secrets::hash_code(&user_id, "123456"),
            expires_at: NOW + 600_000,
            attempts: 0,
            created_at: NOW,
        },
        message: Some(
            OutboxMessage::email(NOW, email, "signup_code", Locale::Es, &[("code", "123456")]).unwrap(),
        ),
        audit: vec![AuditEvent::new(NOW, "user.signed_up", Some(&user_id), &meta()).unwrap()],
    }
}

pub(crate) fn uid(s: &NewSignup) -> String {
    s.account.as_ref().unwrap().0.id.0.clone()
}

#[tokio::test]
async fn signup_is_written_whole() {
    each_store(|name, store| async move {
        let s = signup("Ana@Example.com");
        store.create_signup(&s).await.unwrap();
        let u = store
            .user_by_email_key("ana@example.com")
            .await
            .unwrap()
            .expect(name);
        assert_eq!(u.email, "Ana@Example.com");
        assert_eq!(u.name, "Ana Pérez");
        let found = store
            .sign_in_lookup("ana@example.com", ["a", "b", "c"])
            .await
            .unwrap();
        let (user, m) = found.account.expect("account");
        assert_eq!(user.id, u.id);
        let m = m.expect("membership");
        assert!(
            store
                .sign_in_lookup("nobody@example.com", ["a", "b", "c"])
                .await
                .unwrap()
                .account
                .is_none()
        );
        assert_eq!(m.role.as_str(), "owner");
        let ctx = store
            .session_context(&s.session.id_hash)
            .await
            .unwrap()
            .expect("session");
        assert_eq!(ctx.user.unwrap().id, u.id);
        assert_eq!(ctx.membership.unwrap().org_id, m.org_id);
        assert!(
            store
                .current_code(&u.id.0, CodePurpose::ConfirmEmail)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(store.outbox_pending().await.unwrap(), 1);
        assert_eq!(
            store
                .audit_for_user(&UserId::from(u.id.0.as_str()), 10)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_taken_email_conflicts_and_writes_nothing() {
    each_store(|name, store| async move {
        store.create_signup(&signup("ana@example.com")).await.unwrap();
        let second = signup("ANA@example.com");
        let err = store.create_signup(&second).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{name}: {err:?}");
        assert!(
            store
                .session_context(&second.session.id_hash)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .user_by_id(&UserId::from(uid(&second).as_str()))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.outbox_pending().await.unwrap(),
            1,
            "{name}: no message from the refused sign-up"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_signups_with_one_email_make_one_user() {
    each_store(|name, store| async move {
        let store = Arc::new(store);
        let mut handles = Vec::new();
        for _ in 0..8 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                store.create_signup(&signup("race@example.com")).await
            }));
        }
        let mut ok = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(()) => ok += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
        assert_eq!(ok, 1, "{name}");
    })
    .await;
}

#[tokio::test]
async fn concurrent_sign_ins_leave_one_session() {
    each_store(|name, store| async move {
        let s = signup("one@example.com");
        let user_id = uid(&s);
        store.create_signup(&s).await.unwrap();
        let store = Arc::new(store);
        let ended = AuditEvent::new(NOW, "session.ended", Some(&user_id), &meta()).unwrap();
        let mut handles = Vec::new();
        for i in 0..10 {
            let (store, user_id, ended) = (store.clone(), user_id.clone(), ended.clone());
            handles.push(tokio::spawn(async move {
                let mut e = ended;
                e.id = format!("{}-{i}", e.id);
                store
                    .start_session(&session(Some(&user_id), NOW + i), Some(&e), &[], None)
                    .await
            }));
        }
        for h in handles {
            h.await.unwrap().unwrap();
        }
        let live = store
            .live_sessions_of(&UserId::from(user_id.as_str()), NOW)
            .await
            .unwrap();
        assert_eq!(live.len(), 1, "{name}: {live:?}");
        let ended = store
            .session_context(&s.session.id_hash)
            .await
            .unwrap()
            .unwrap()
            .session;
        assert_eq!(ended.end_reason, Some(EndReason::SignedInElsewhere));
    })
    .await;
}

#[tokio::test]
async fn sessions_end_and_say_why() {
    each_store(|_, store| async move {
        let s = signup("end@example.com");
        store.create_signup(&s).await.unwrap();
        store.touch_session(&s.session.id_hash, NOW + 5).await.unwrap();
        let ctx = store.session_context(&s.session.id_hash).await.unwrap().unwrap();
        assert_eq!(ctx.session.last_seen_at, NOW + 5);
        store
            .end_session(&s.session.id_hash, EndReason::SignedOut, NOW + 10, None)
            .await
            .unwrap();
        let ctx = store.session_context(&s.session.id_hash).await.unwrap().unwrap();
        assert_eq!(ctx.session.ended_at, Some(NOW + 10));
        assert_eq!(ctx.session.end_reason, Some(EndReason::SignedOut));
        assert!(
            store
                .live_sessions_of(&UserId::from(uid(&s).as_str()), NOW)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn codes_are_replaced_counted_and_consumed() {
    each_store(|_, store| async move {
        let s = signup("code@example.com");
        let user_id = uid(&s);
        store.create_signup(&s).await.unwrap();
        let c = store
            .current_code(&user_id, CodePurpose::ConfirmEmail)
            .await
            .unwrap()
            .unwrap();
        assert!(store.take_code_attempt(&c.id, 2).await.unwrap());
        assert_eq!(
            store
                .current_code(&user_id, CodePurpose::ConfirmEmail)
                .await
                .unwrap()
                .unwrap()
                .attempts,
            1
        );
        let mut newer = c.clone();
        newer.id = secrets::new_id(NOW + 1).unwrap();
        newer.code_hash = secrets::hash_code(&user_id, "654321");
        store.replace_code(&newer, None).await.unwrap();
        let cur = store
            .current_code(&user_id, CodePurpose::ConfirmEmail)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((cur.id.as_str(), cur.attempts), (newer.id.as_str(), 0));
        let ev = AuditEvent::new(NOW, "user.email_confirmed", Some(&user_id), &meta()).unwrap();
        store
            .confirm_email(&UserId::from(user_id.as_str()), &cur.id, NOW + 2, &ev)
            .await
            .unwrap();
        assert!(
            store
                .current_code(&user_id, CodePurpose::ConfirmEmail)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store
                .user_by_id(&UserId::from(user_id.as_str()))
                .await
                .unwrap()
                .unwrap()
                .email_confirmed_at,
            Some(NOW + 2)
        );
    })
    .await;
}

#[tokio::test]
async fn throttle_counts_within_a_window() {
    each_store(|_, store| async move {
        let k = "login:account:x@example.com";
        let limits = |keys: [&'static str; 2]| {
            let store = store.clone();
            async move {
                let [a, b, _] = store
                    .sign_in_lookup("x@example.com", [keys[0], keys[1], "third"])
                    .await
                    .unwrap()
                    .limits;
                [a, b]
            }
        };
        assert_eq!(limits([k, "other"]).await, [None, None]);
        assert_eq!(store.throttle_failure(k, NOW, 1000).await.unwrap().failures, 1);
        assert_eq!(
            store.throttle_failure(k, NOW + 10, 1000).await.unwrap().failures,
            2
        );
        let s = store.throttle_failure(k, NOW + 5000, 1000).await.unwrap();
        assert_eq!((s.failures, s.window_started_at), (1, NOW + 5000));
        store.throttle_failure("other", NOW, 1000).await.unwrap();
        let [a, b] = limits([k, "other"]).await;
        assert_eq!((a.map(|x| x.failures), b.map(|x| x.failures)), (Some(1), Some(1)));
        store.throttle_clear(k).await.unwrap();
        let [a, b] = limits([k, "other"]).await;
        assert_eq!((a, b.is_some()), (None, true));
    })
    .await;
}

/// A code's attempts are taken one by one up to the limit, however many ask at once.
#[tokio::test]
async fn code_attempts_stop_at_the_limit_under_concurrency() {
    each_store(|name, store| async move {
        let s = signup("attempts@example.com");
        let user_id = uid(&s);
        store.create_signup(&s).await.unwrap();
        let c = store
            .current_code(&user_id, CodePurpose::ConfirmEmail)
            .await
            .unwrap()
            .unwrap();
        let store = Arc::new(store);
        let tries = (0..30).map(|_| {
            let store = store.clone();
            let id = c.id.clone();
            async move { store.take_code_attempt(&id, 5).await.unwrap() }
        });
        let taken = futures_join_all(tries).await.into_iter().filter(|t| *t).count();
        assert_eq!(taken, 5, "{name}: {taken} attempts taken against a limit of 5");
    })
    .await;
}

/// `throttle_take` counts an attempt only on the state the caller saw: of many callers that
/// saw the same state, one wins.
#[tokio::test]
async fn throttle_take_is_a_compare_and_set() {
    each_store(|name, store| async move {
        let k = "login:account:cas@example.com";
        assert!(store.throttle_take(k, None, NOW, 60_000).await.unwrap());
        assert!(
            !store.throttle_take(k, None, NOW, 60_000).await.unwrap(),
            "{name}: taken twice on a missing row"
        );
        let seen = store.throttle_state(k).await.unwrap();
        assert_eq!(seen.map(|s| s.failures), Some(1));
        let store = Arc::new(store);
        let tries = (0..10).map(|i| {
            let store = store.clone();
            async move { store.throttle_take(k, seen, NOW + 1 + i, 60_000).await.unwrap() }
        });
        let won = futures_join_all(tries).await.into_iter().filter(|t| *t).count();
        assert_eq!(won, 1, "{name}: {won} callers counted on one seen state");
        assert_eq!(
            store.throttle_state(k).await.unwrap().map(|s| s.failures),
            Some(2)
        );
        // A window that is over starts again.
        let seen = store.throttle_state(k).await.unwrap();
        assert!(store.throttle_take(k, seen, NOW + 120_000, 60_000).await.unwrap());
        let s = store.throttle_state(k).await.unwrap().unwrap();
        assert_eq!((s.failures, s.window_started_at), (1, NOW + 120_000));
        // A session start forgets the key it is told to.
        let s = signup("cas@example.com");
        store.create_signup(&s).await.unwrap();
        store
            .start_session(&session(Some(&uid(&s)), NOW + 3), None, &[], Some(k))
            .await
            .unwrap();
        assert_eq!(store.throttle_state(k).await.unwrap(), None);
    })
    .await;
}

/// Runs the futures at once (no extra dependency for `join_all`).
async fn futures_join_all<T: Send + 'static>(
    futures: impl Iterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn unconfirmed_accounts_are_purged_with_their_organization() {
    each_store(|_, store| async move {
        let old = signup("old@example.com");
        store.create_signup(&old).await.unwrap();
        let mut ghost = signup("ghost@example.com");
        ghost.account = None;
        ghost.session.user_id = None;
        store.create_signup(&ghost).await.unwrap();
        let n = store.purge_unconfirmed(NOW + 1).await.unwrap();
        assert_eq!(n, 1);
        assert!(
            store
                .user_by_email_key("old@example.com")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .session_context(&ghost.session.id_hash)
                .await
                .unwrap()
                .is_none()
        );
        // The audit trail stays.
        assert_eq!(
            store
                .audit_for_user(&UserId::from(uid(&old).as_str()), 10)
                .await
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn ping_and_migrate_twice() {
    each_store(|_, store| async move {
        store.ping(1).await.unwrap();
        store.migrate().await.unwrap();
    })
    .await;
}

/// Reads a session before each change and after it: a cached read must never hide a change.
#[tokio::test]
async fn reads_after_every_change_see_it() {
    each_store(|name, store| async move {
        let s = signup("seen@example.com");
        let user_id = uid(&s);
        store.create_signup(&s).await.unwrap();
        let read = |h: String| {
            let store = store.clone();
            async move {
                store
                    .session_context(&SessionId::from(h.as_str()))
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        assert!(read(s.session.id_hash.0.clone()).await.session.ended_at.is_none());

        let other = session(Some(&user_id), NOW + 1);
        let ended = AuditEvent::new(NOW, "session.ended", Some(&user_id), &meta()).unwrap();
        store
            .start_session(&other, Some(&ended), &[], None)
            .await
            .unwrap();
        assert_eq!(
            read(s.session.id_hash.0.clone()).await.session.end_reason,
            Some(EndReason::SignedInElsewhere),
            "{name}"
        );

        let ctx = read(other.id_hash.0.clone()).await;
        assert_eq!(ctx.user.unwrap().email_confirmed_at, None);
        let code = store
            .current_code(&user_id, CodePurpose::ConfirmEmail)
            .await
            .unwrap()
            .unwrap();
        let ev = AuditEvent::new(NOW, "user.email_confirmed", Some(&user_id), &meta()).unwrap();
        store
            .confirm_email(&UserId::from(user_id.as_str()), &code.id, NOW + 2, &ev)
            .await
            .unwrap();
        assert_eq!(
            read(other.id_hash.0.clone())
                .await
                .user
                .unwrap()
                .email_confirmed_at,
            Some(NOW + 2),
            "{name}"
        );

        store.touch_session(&other.id_hash, NOW + 70_000).await.unwrap();
        assert_eq!(
            read(other.id_hash.0.clone()).await.session.last_seen_at,
            NOW + 70_000,
            "{name}"
        );

        store
            .update_password_hash(&UserId::from(user_id.as_str()), "$argon2id$new", NOW + 3)
            .await
            .unwrap();
        assert_eq!(
            read(other.id_hash.0.clone())
                .await
                .user
                .unwrap()
                .password_hash
                .as_deref(),
            Some("$argon2id$new")
        );

        store
            .end_session(&other.id_hash, EndReason::SignedOut, NOW + 4, None)
            .await
            .unwrap();
        assert_eq!(
            read(other.id_hash.0.clone()).await.session.end_reason,
            Some(EndReason::SignedOut),
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_failed_sign_in_counts_both_limits_and_is_audited() {
    each_store(|name, store| async move {
        let ev = AuditEvent::new(NOW, "login.failed", None, &meta()).unwrap();
        let mut ev = ev;
        ev.subject_user_id = Some("someone".into());
        store
            .failed_sign_in(&["acct", "ip"], NOW, 1000, &ev)
            .await
            .unwrap();
        store
            .failed_sign_in(
                &["acct2", "ip"],
                NOW + 1,
                1000,
                &AuditEvent {
                    id: format!("{}x", ev.id),
                    ..ev.clone()
                },
            )
            .await
            .unwrap();
        let [a, i, _] = store
            .sign_in_lookup("nobody@example.com", ["acct", "ip", "device"])
            .await
            .unwrap()
            .limits;
        assert_eq!((a.unwrap().failures, i.unwrap().failures), (1, 2), "{name}");
        assert_eq!(
            store
                .audit_for_user(&UserId::from("someone"), 10)
                .await
                .unwrap()
                .len(),
            2,
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn audit_events_are_listed_newest_first_and_purged_past_retention() {
    each_store(|name, store| async move {
        for (i, at) in [1_000i64, 2_000, 3_000].iter().enumerate() {
            let mut e = AuditEvent::new(*at, "test.event", Some("u1"), &meta()).unwrap();
            e.id = format!("e{i}");
            store.record_audit(&e).await.unwrap();
        }
        let f = umbral_core::audit::AuditFilter {
            event: Some("test.".into()),
            ..Default::default()
        };
        let all = store.list_audit(&f, 10).await.unwrap();
        let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["e2", "e1", "e0"], "{name}");
        let page2 = umbral_core::audit::AuditFilter {
            before: Some((3_000, "e2".into())),
            ..f.clone()
        };
        assert_eq!(store.list_audit(&page2, 1).await.unwrap()[0].id, "e1", "{name}");
        assert_eq!(store.purge_audit(2_500).await.unwrap(), 2, "{name}");
        assert_eq!(store.list_audit(&f, 10).await.unwrap().len(), 1, "{name}");
    })
    .await;
}
