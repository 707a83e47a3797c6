//! Factor contracts: a proof counts once (also between two connections, as two nodes would have),
//! an SMS number belongs to one user, confirmations write everything that goes with them.

use std::sync::Arc;
use umbral_core::types::{FactorId, SessionId, UserId};

use umbral_core::audit::AuditEvent;
use umbral_core::factors::{Factor, FactorKind, Proof, TrustedDevice};
use umbral_core::ports::*;
use umbral_core::secrets;
use umbral_store::SqlStore;

use crate::conformance::{NOW, meta, signup, uid};
use crate::{each_store, each_store_at};

fn factor(user_id: &str, kind: FactorKind, phone: Option<&str>) -> Factor {
    Factor {
        id: FactorId(secrets::new_id(NOW).unwrap()),
        user_id: user_id.into(),
        kind,
        phone: phone.map(str::to_string),
        secret_sealed: Some("v1.sealed".into()),
        created_at: NOW,
        confirmed_at: None,
        last_used_at: None,
        last_step: None,
        name: None,
        credential_id: None,
    }
}

fn audit(user_id: &str, event: &str) -> AuditEvent {
    AuditEvent::new(NOW, event, Some(user_id), &meta()).unwrap()
}

/// A user with a confirmed TOTP factor; returns (user id, session hash, factor id).
async fn with_totp(store: &SqlStore, email: &str) -> (String, SessionId, FactorId) {
    let s = signup(email);
    let user_id = uid(&s);
    store.create_signup(&s).await.unwrap();
    let f = factor(&user_id, FactorKind::Totp, None);
    store.put_pending_factor(&f, None).await.unwrap();
    let ok = store
        .confirm_factor(&FactorConfirmation {
            user_id: UserId::from(user_id.clone()),
            factor_id: f.id.clone(),
            proof: Proof::TotpStep {
                factor_id: f.id.clone(),
                step: 100,
            },
            recovery_code_hashes: Some(vec!["h1".into(), "h2".into()]),
            session_id_hash: s.session.id_hash.clone(),
            new_session_id_hash: None,
            end_others: None,
            now: NOW,
            audit: vec![audit(&user_id, "factor.enrolled")],
        })
        .await
        .unwrap();
    assert!(ok);
    (user_id, s.session.id_hash, f.id)
}

fn passed(
    user_id: &str,
    session: &SessionId,
    proof: Proof,
    device: Option<TrustedDevice>,
) -> ChallengePassed {
    ChallengePassed {
        user_id: user_id.into(),
        session_id_hash: session.clone(),
        // The same id: these tests look the session up again afterwards.
        new_session_id_hash: session.clone(),
        via: umbral_core::factors::MfaVia::Method(umbral_core::factors::Method::Totp),
        proof,
        device,
        end_others: None,
        now: NOW,
        audit: vec![audit(user_id, "mfa.challenge_passed")],
        limit: None,
    }
}

/// Passing the second factor moves the session to its new id: the old one finds nothing.
#[tokio::test]
async fn a_session_that_passes_its_second_factor_moves_to_its_new_id() {
    each_store(|name, store| async move {
        let (user_id, session, factor_id) = with_totp(&store, "rotate@example.com").await;
        let mut p = passed(&user_id, &session, Proof::TotpStep { factor_id, step: 101 }, None);
        p.new_session_id_hash = "rotated".into();
        assert!(store.pass_challenge(&p).await.unwrap());
        assert!(
            store.session_context(&session).await.unwrap().is_none(),
            "{name}: the old id still works"
        );
        let moved = store
            .session_context(&SessionId::from("rotated"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.session.mfa_at, Some(NOW), "{name}");
        assert_eq!(
            moved.session.user_id.as_ref().map(|u| u.as_str()),
            Some(user_id.as_str())
        );
    })
    .await;
}

#[tokio::test]
async fn confirming_a_factor_writes_everything_that_goes_with_it() {
    each_store(|name, store| async move {
        let (user_id, session, factor_id) = with_totp(&store, "ana@example.com").await;
        let user = store
            .user_by_id(&UserId::from(user_id.as_str()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.factor_count, 1, "{name}");
        assert!(user.mfa_enabled, "{name}");
        assert_eq!(user.security_epoch, 1, "{name}");
        assert_eq!(
            store
                .recovery_codes_left(&UserId::from(user_id.as_str()))
                .await
                .unwrap(),
            2,
            "{name}"
        );
        let ctx = store.session_context(&session).await.unwrap().unwrap();
        assert_eq!(
            ctx.session.mfa_method,
            Some(umbral_core::factors::MfaVia::Enrollment),
            "{name}"
        );
        assert_eq!(ctx.user.unwrap().factor_count, 1, "{name}");
        let factors = store.factors_of(&UserId::from(user_id.as_str())).await.unwrap();
        assert_eq!(factors[0].last_step, Some(100), "{name}");
        assert!(
            store
                .audit_for_user(&UserId::from(user_id.as_str()), 10)
                .await
                .unwrap()
                .iter()
                .any(|e| e.event == "factor.enrolled")
        );
        // A second pending factor of the same kind replaces the first pending one only.
        let p1 = factor(&user_id, FactorKind::Totp, None);
        let p2 = factor(&user_id, FactorKind::Totp, None);
        store.put_pending_factor(&p1, None).await.unwrap();
        store.put_pending_factor(&p2, None).await.unwrap();
        let mut ids: Vec<FactorId> = store
            .factors_of(&UserId::from(user_id.as_str()))
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        let mut want = vec![factor_id.clone(), p2.id.clone()];
        ids.sort();
        want.sort();
        assert_eq!(ids, want, "{name}");
        assert!(
            store
                .remove_factor(
                    &UserId::from(user_id.as_str()),
                    &factor_id,
                    false,
                    &audit(&user_id, "factor.removed")
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .remove_factor(
                    &UserId::from(user_id.as_str()),
                    &factor_id,
                    false,
                    &audit(&user_id, "factor.removed")
                )
                .await
                .unwrap()
        );
        let user = store
            .user_by_id(&UserId::from(user_id.as_str()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (user.factor_count, user.mfa_enabled, user.security_epoch),
            (0, false, 2),
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_totp_step_counts_once_even_from_two_nodes_at_once() {
    each_store_at(|name, url, store| async move {
        let (user_id, session, factor_id) = with_totp(&store, "ana@example.com").await;
        // A second pool on the same database stands for a second node.
        let other = Arc::new(SqlStore::connect(&url, 4).await.unwrap());
        let store = Arc::new(store);
        let mut handles = Vec::new();
        for i in 0..8 {
            let s: Arc<SqlStore> = if i % 2 == 0 { store.clone() } else { other.clone() };
            let p = passed(
                &user_id,
                &session,
                Proof::TotpStep {
                    factor_id: factor_id.clone(),
                    step: 101,
                },
                None,
            );
            handles.push(tokio::spawn(async move { s.pass_challenge(&p).await }));
        }
        let mut wins = 0;
        for h in handles {
            if h.await.unwrap().unwrap() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "{name}");
        // Neither the same step nor an earlier one again; a later one yes.
        for (step, ok) in [(101, false), (100, false), (102, true)] {
            let p = passed(
                &user_id,
                &session,
                Proof::TotpStep {
                    factor_id: factor_id.clone(),
                    step,
                },
                None,
            );
            assert_eq!(store.pass_challenge(&p).await.unwrap(), ok, "{name} step {step}");
        }
        other.close().await;
    })
    .await;
}

#[tokio::test]
async fn recovery_codes_and_emailed_codes_count_once() {
    each_store(|name, store| async move {
        let (user_id, session, _) = with_totp(&store, "ana@example.com").await;
        let rc = |h: &str| {
            passed(
                &user_id,
                &session,
                Proof::RecoveryCode { code_hash: h.into() },
                None,
            )
        };
        assert!(store.pass_challenge(&rc("h1")).await.unwrap(), "{name}");
        assert!(!store.pass_challenge(&rc("h1")).await.unwrap(), "{name}");
        assert!(!store.pass_challenge(&rc("nope")).await.unwrap(), "{name}");
        assert_eq!(
            store
                .recovery_codes_left(&UserId::from(user_id.as_str()))
                .await
                .unwrap(),
            1
        );
        store
            .replace_recovery_codes(
                &UserId::from(user_id.as_str()),
                &["h3".into()],
                NOW,
                &audit(&user_id, "recovery_codes.created"),
            )
            .await
            .unwrap();
        assert!(
            !store.pass_challenge(&rc("h2")).await.unwrap(),
            "{name}: old codes are gone"
        );
        assert!(store.pass_challenge(&rc("h3")).await.unwrap(), "{name}");

        let code = CodeRecord {
            id: secrets::new_id(NOW).unwrap(),
            subject: user_id.clone(),
            purpose: CodePurpose::MfaEmail,
            code_hash: "x".into(),
            expires_at: NOW + 600_000,
            attempts: 0,
            created_at: NOW,
        };
        store.replace_code(&code, None).await.unwrap();
        let c = passed(
            &user_id,
            &session,
            Proof::Code {
                code_id: code.id.clone(),
                attempts: None,
            },
            None,
        );
        assert!(store.pass_challenge(&c).await.unwrap(), "{name}");
        assert!(!store.pass_challenge(&c).await.unwrap(), "{name}");
    })
    .await;
}

#[tokio::test]
async fn two_users_claiming_one_sms_number_one_wins() {
    each_store(|name, store| async move {
        let store = Arc::new(store);
        let mut handles = Vec::new();
        for i in 0..6 {
            let store = store.clone();
            handles.push(tokio::spawn(async move {
                let s = signup(&format!("user{i}@example.com"));
                let user_id = uid(&s);
                store.create_signup(&s).await.unwrap();
                let f = factor(&user_id, FactorKind::Sms, Some("+5491123456789"));
                store.put_pending_factor(&f, None).await.unwrap();
                let code = CodeRecord {
                    id: secrets::new_id(NOW).unwrap(),
                    subject: user_id.clone(),
                    purpose: CodePurpose::EnrollSms,
                    code_hash: "x".into(),
                    expires_at: NOW + 600_000,
                    attempts: 0,
                    created_at: NOW,
                };
                store.replace_code(&code, None).await.unwrap();
                store
                    .confirm_factor(&FactorConfirmation {
                        user_id: UserId::from(user_id.clone()),
                        factor_id: f.id.clone(),
                        proof: Proof::Code {
                            code_id: code.id,
                            attempts: None,
                        },
                        recovery_code_hashes: None,
                        session_id_hash: s.session.id_hash.clone(),
                        new_session_id_hash: None,
                        end_others: None,
                        now: NOW,
                        audit: vec![],
                    })
                    .await
                    .map(|ok| (ok, user_id))
            }));
        }
        let mut winners = Vec::new();
        for h in handles {
            match h.await.unwrap() {
                Ok((true, user)) => winners.push(user),
                Ok((false, _)) => panic!("{name}: the code was not used"),
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
        assert_eq!(winners.len(), 1, "{name}");
        // The losers' codes were not used up: their transaction rolled back whole.
    })
    .await;
}

#[tokio::test]
async fn trusted_devices_are_remembered_listed_and_forgotten() {
    each_store(|name, store| async move {
        let (user_id, session, factor_id) = with_totp(&store, "ana@example.com").await;
        let device = TrustedDevice {
            id: secrets::new_id(NOW).unwrap(),
            user_id: UserId(user_id.clone()),
            token_hash: secrets::hash_token("device-token"),
            created_at: NOW,
            expires_at: NOW + 14 * 86_400_000,
            network: "203.0.113.0/24".into(),
            user_agent: "test".into(),
            security_epoch: 1,
            owner_epoch: 0,
            revoked_at: None,
        };
        let p = passed(
            &user_id,
            &session,
            Proof::TotpStep { factor_id, step: 200 },
            Some(device.clone()),
        );
        assert!(store.pass_challenge(&p).await.unwrap());
        assert_eq!(
            store.trusted_device(&device.token_hash).await.unwrap(),
            Some(device.clone()),
            "{name}"
        );
        assert_eq!(
            store
                .trusted_devices_of(&UserId::from(user_id.as_str()), NOW)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            store
                .trusted_devices_of(&UserId::from(user_id.as_str()), NOW + 15 * 86_400_000)
                .await
                .unwrap()
                .is_empty()
        );
        let n = store
            .forget_trusted_devices(
                &UserId::from(user_id.as_str()),
                Some(&device.id),
                NOW,
                &audit(&user_id, "trusted_device.forgotten"),
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{name}");
        assert!(
            store
                .trusted_device(&device.token_hash)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some()
        );
        assert!(
            store
                .trusted_devices_of(&UserId::from(user_id.as_str()), NOW)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_challenge_completions_leave_one_session() {
    each_store(|name, store| async move {
        let (user_id, _, _) = with_totp(&store, "ana@example.com").await;
        let codes: Vec<String> = (0..6).map(|i| format!("code-{i}")).collect();
        store
            .replace_recovery_codes(
                &UserId::from(user_id.as_str()),
                &codes,
                NOW,
                &audit(&user_id, "recovery_codes.created"),
            )
            .await
            .unwrap();
        // Six browsers passed the password and wait for their second factor.
        let mut sessions = Vec::new();
        for i in 0..6 {
            let mut s = crate::conformance::session(Some(&user_id), NOW + i);
            s.id_hash = SessionId::from(format!("pending-{i}"));
            store.start_session(&s, None, &[], None).await.unwrap();
            sessions.push(s.id_hash);
        }
        let store = Arc::new(store);
        let mut handles = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            let mut p = passed(
                &user_id,
                session,
                Proof::RecoveryCode {
                    code_hash: codes[i].clone(),
                },
                None,
            );
            p.end_others = Some(audit(&user_id, "session.ended"));
            let store = store.clone();
            handles.push(tokio::spawn(async move { store.pass_challenge(&p).await }));
        }
        for h in handles {
            match h.await.unwrap() {
                Ok(true) | Err(StoreError::SessionGone) => {}
                other => panic!("{name}: {other:?}"),
            }
        }
        let live = store
            .live_sessions_of(&UserId::from(user_id.as_str()), NOW)
            .await
            .unwrap();
        assert_eq!(live.len(), 1, "{name}: {live:?}");
        assert!(
            live[0].mfa_at.is_some(),
            "{name}: the survivor passed its challenge"
        );
    })
    .await;
}

/// A right answer commits only while the attempt limit is as the check read it: a failure
/// counted meanwhile (a concurrent guess) stops it and leaves everything as it was; a limit seen
/// with failures on it is forgotten by the success; a success that saw none writes none.
#[tokio::test]
async fn a_success_commits_only_while_the_limit_is_as_seen() {
    each_store(|name, store| async move {
        let (user_id, session, factor_id) = with_totp(&store, "limit@example.com").await;
        let key = format!("mfa:{user_id}");
        let totp = |step| Proof::TotpStep {
            factor_id: factor_id.clone(),
            step,
        };
        let with_limit = |proof, seen| {
            let mut p = passed(&user_id, &session, proof, None);
            p.limit = Some(LimitSeen {
                key: key.clone(),
                seen,
            });
            p
        };
        // Seen with nothing counted, but a failure was counted since.
        assert!(store.throttle_take(&key, None, NOW, 60_000).await.unwrap());
        assert!(
            !store.pass_challenge(&with_limit(totp(101), None)).await.unwrap(),
            "{name}: passed although a failure was counted after the read"
        );
        let counted = store.throttle_state(&key).await.unwrap();
        assert!(counted.is_some(), "{name}: the count was lost");
        // The step was not used up by the stopped script: it passes once the limit is seen.
        assert!(
            store
                .pass_challenge(&with_limit(totp(101), counted))
                .await
                .unwrap(),
            "{name}: refused with the limit as it stands"
        );
        assert_eq!(
            store.throttle_state(&key).await.unwrap(),
            None,
            "{name}: not forgotten"
        );
        // Nothing counted, nothing counted since: passes and writes no limit.
        assert!(store.pass_challenge(&with_limit(totp(102), None)).await.unwrap());
        assert_eq!(store.throttle_state(&key).await.unwrap(), None, "{name}");
        // A stale count (another failure since) stops it too.
        assert!(store.throttle_take(&key, None, NOW, 60_000).await.unwrap());
        let stale = store.throttle_state(&key).await.unwrap();
        assert!(store.throttle_take(&key, stale, NOW + 1, 60_000).await.unwrap());
        assert!(
            !store.pass_challenge(&with_limit(totp(103), stale)).await.unwrap(),
            "{name}"
        );
    })
    .await;
}

/// A sent code checked before its attempt is counted is used up only while its count is still
/// the one the check read: a wrong guess counted meanwhile stops the success.
#[tokio::test]
async fn a_sent_code_is_used_only_while_its_attempts_are_as_seen() {
    each_store(|name, store| async move {
        let (user_id, session, _) = with_totp(&store, "code-seen@example.com").await;
        let code = CodeRecord {
            id: secrets::new_id(NOW).unwrap(),
            subject: user_id.clone(),
            purpose: CodePurpose::MfaEmail,
            code_hash: "x".into(),
            expires_at: NOW + 600_000,
            attempts: 0,
            created_at: NOW,
        };
        store.replace_code(&code, None).await.unwrap();
        let with_seen = |attempts| {
            passed(
                &user_id,
                &session,
                Proof::Code {
                    code_id: code.id.clone(),
                    attempts: Some(attempts),
                },
                None,
            )
        };
        assert!(store.take_code_attempt(&code.id, 5).await.unwrap());
        assert!(
            !store.pass_challenge(&with_seen(0)).await.unwrap(),
            "{name}: used although a guess was counted after the read"
        );
        assert!(store.pass_challenge(&with_seen(1)).await.unwrap(), "{name}");
        assert!(
            !store.pass_challenge(&with_seen(1)).await.unwrap(),
            "{name}: used twice"
        );
    })
    .await;
}
