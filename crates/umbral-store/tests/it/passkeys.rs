//! Passkey contracts: a ceremony is taken once (also by two nodes at the same time) and never
//! after it expired; a credential id is one account's; a signature counts once from the counter
//! it was checked against; only its owner renames or removes it.

use std::sync::Arc;

use umbral_core::audit::AuditEvent;
use umbral_core::factors::passkey::{Ceremony, CeremonyPurpose, PasskeyUse, StoredPasskey};
use umbral_core::factors::{Factor, FactorKind, Proof};
use umbral_core::ports::*;
use umbral_core::secrets;
use umbral_core::types::{FactorId, SessionId, UserId};
use umbral_store::SqlStore;

use crate::conformance::{NOW, meta, session, signup, uid};
use crate::{each_store, each_store_at};

fn ceremony(id_hash: &str) -> Ceremony {
    Ceremony {
        id_hash: id_hash.into(),
        purpose: CeremonyPurpose::SecondFactor,
        user_id: Some(UserId::from("u1")),
        session_id_hash: Some(SessionId::from("s1")),
        state: r#"{"ast":{}}"#.into(),
        created_at: NOW,
        expires_at: NOW + 300_000,
    }
}

/// A user with a confirmed passkey whose credential id is `credential`; returns (user, factor).
async fn with_passkey(
    store: &SqlStore,
    email: &str,
    credential: &str,
) -> Result<(UserId, FactorId), StoreError> {
    let s = signup(email);
    let user_id = UserId::from(uid(&s));
    store.create_signup(&s).await.unwrap();
    let id = FactorId(secrets::new_id(NOW).unwrap());
    let factor = Factor {
        id: id.clone(),
        user_id: user_id.clone(),
        kind: FactorKind::Passkey,
        phone: None,
        secret_sealed: None,
        created_at: NOW,
        confirmed_at: None,
        last_used_at: None,
        last_step: None,
        name: Some("Laptop".into()),
        credential_id: Some(credential.into()),
    };
    let key = StoredPasskey {
        factor_id: id.clone(),
        user_id: user_id.clone(),
        credential: r#"{"cred":"v1"}"#.into(),
        sign_count: 0,
        backup_eligible: true,
        backup_state: false,
    };
    store.put_pending_passkey(&factor, &key).await?;
    let confirmed = store
        .confirm_factor(&FactorConfirmation {
            user_id: user_id.clone(),
            factor_id: id.clone(),
            proof: Proof::PasskeyAdded {
                factor_id: id.clone(),
            },
            recovery_code_hashes: Some(vec!["h1".into()]),
            session_id_hash: s.session.id_hash.clone(),
            new_session_id_hash: None,
            end_others: None,
            now: NOW,
            audit: vec![AuditEvent::new(NOW, "factor.enrolled", Some(user_id.as_str()), &meta()).unwrap()],
        })
        .await?;
    assert!(confirmed);
    Ok((user_id, id))
}

fn seen(ceremony_hash: &str, previous: i64, now: i64) -> PasskeyUse {
    PasskeyUse {
        ceremony_hash: ceremony_hash.into(),
        previous_count: previous,
        sign_count: now,
        backup_state: true,
        backup_eligible: true,
    }
}

/// A sign-in with the passkey, answering a new ceremony; whether it counted.
async fn sign_in(store: &SqlStore, user: &UserId, id: &FactorId, previous: i64, now: i64) -> bool {
    let hash = secrets::new_token().unwrap();
    store.put_ceremony(&ceremony(&hash)).await.unwrap();
    sign_in_at(store, user, id, seen(&hash, previous, now)).await
}

async fn sign_in_at(store: &SqlStore, user: &UserId, id: &FactorId, seen: PasskeyUse) -> bool {
    let s = PasskeySignIn {
        user_id: user.clone(),
        factor_id: id.clone(),
        seen,
        session: session(Some(user.as_str()), NOW),
        end_others: None,
        audit: vec![AuditEvent::new(NOW, "session.started", Some(user.as_str()), &meta()).unwrap()],
        now: NOW,
    };
    store.passkey_sign_in(&s).await.unwrap()
}

#[tokio::test]
async fn a_ceremony_is_taken_once_by_one_of_two_nodes_and_never_after_it_expired() {
    each_store_at(|name, url, store| async move {
        let other = Arc::new(SqlStore::connect(&url, 4).await.unwrap());
        let store = Arc::new(store);
        store.put_ceremony(&ceremony("c1")).await.unwrap();
        let (a, b) = tokio::join!(store.take_ceremony("c1", NOW), other.take_ceremony("c1", NOW));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            [a.is_some(), b.is_some()].iter().filter(|x| **x).count(),
            1,
            "{name}: one node gets it"
        );
        assert_eq!(a.or(b), Some(ceremony("c1")), "{name}: read back whole");
        assert!(store.take_ceremony("c1", NOW).await.unwrap().is_none(), "{name}");
        store.put_ceremony(&ceremony("c2")).await.unwrap();
        assert!(
            store.take_ceremony("c2", NOW + 300_000).await.unwrap().is_none(),
            "{name}: five minutes and no more"
        );
        assert!(store.take_ceremony("never", NOW).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_credential_is_one_accounts_and_counts_once_from_its_counter() {
    each_store(|name, store| async move {
        let (user, id) = with_passkey(&store, "ana@example.com", "cred-1").await.unwrap();
        let taken = with_passkey(&store, "bea@example.com", "cred-1").await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))), "{name}: {taken:?}");
        let listed = store.passkeys_of(&user).await.unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert!(listed[0].backup_eligible && !listed[0].backup_state);
        let found = store.passkey_by_credential("cred-1").await.unwrap().unwrap();
        assert_eq!(
            (found.user_id, found.factor_id.clone()),
            (user.clone(), id.clone())
        );
        let ctx_factors = store.factors_of(&user).await.unwrap();
        assert_eq!(ctx_factors[0].name.as_deref(), Some("Laptop"));
        assert_eq!(ctx_factors[0].credential_id.as_deref(), Some("cred-1"));
        assert_eq!(store.user_by_id(&user).await.unwrap().unwrap().factor_count, 1);

        let before = store.live_sessions_of(&user, NOW).await.unwrap().len();
        // An authenticator that keeps no counter (always 0) counts every time.
        assert!(sign_in(&store, &user, &id, 0, 0).await);
        assert!(sign_in(&store, &user, &id, 0, 0).await);
        // Two signatures checked against counter 0: the first moves it, the second finds it moved.
        assert!(sign_in(&store, &user, &id, 0, 5).await);
        assert!(!sign_in(&store, &user, &id, 0, 6).await, "{name}");
        // A ceremony spent (or never made) counts nothing, and starts no session.
        store.put_ceremony(&ceremony("once")).await.unwrap();
        assert!(sign_in_at(&store, &user, &id, seen("once", 5, 6)).await);
        assert!(
            !sign_in_at(&store, &user, &id, seen("once", 6, 7)).await,
            "{name}: spent"
        );
        let now = store.passkey_by_credential("cred-1").await.unwrap().unwrap();
        assert_eq!(
            (now.sign_count, now.backup_state, now.backup_eligible),
            (6, true, true)
        );
        assert_eq!(
            now.credential, r#"{"cred":"v1"}"#,
            "{name}: the credential as registered: its counter and flags are the columns"
        );
        let other = UserId::from("nobody");
        assert!(!sign_in(&store, &other, &id, 6, 7).await, "another user's");
        let after = store.live_sessions_of(&user, NOW).await.unwrap().len();
        assert_eq!(after, before + 4, "{name}: one session per sign-in that counted");
    })
    .await;
}

#[tokio::test]
async fn a_passkey_is_renamed_and_removed_by_its_owner_only() {
    each_store(|name, store| async move {
        let (user, id) = with_passkey(&store, "cid@example.com", "cred-2").await.unwrap();
        let event = AuditEvent::new(NOW, "factor.renamed", Some(user.as_str()), &meta()).unwrap();
        assert!(store.rename_passkey(&user, &id, "Phone", &event).await.unwrap());
        assert!(
            !store
                .rename_passkey(&UserId::from("nobody"), &id, "Mine", &event)
                .await
                .unwrap(),
            "{name}: only the owner's"
        );
        let factors = store.factors_of(&user).await.unwrap();
        assert_eq!(factors[0].name.as_deref(), Some("Phone"), "{name}");
        let removed = AuditEvent::new(NOW, "factor.removed", Some(user.as_str()), &meta()).unwrap();
        let nobody = UserId::from("nobody");
        assert!(!store.remove_factor(&nobody, &id, false, &removed).await.unwrap());
        assert!(store.remove_factor(&user, &id, false, &removed).await.unwrap());
        assert!(
            store.passkey_by_credential("cred-2").await.unwrap().is_none(),
            "{name}"
        );
        assert!(store.passkeys_of(&user).await.unwrap().is_empty());
    })
    .await;
}

/// A ceremony is read back whole until it expires, and not from then on; the passkey a sign-in
/// names is found by its credential id once confirmed.
#[tokio::test]
async fn a_ceremony_reads_back_until_it_expires() {
    each_store(|name, store| async move {
        let c = ceremony("read-back");
        store.put_ceremony(&c).await.unwrap();
        let read = |id: &'static str, at: i64| {
            let store = &store;
            async move {
                store
                    .passkey_answer_lookup(id, "", "", at)
                    .await
                    .unwrap()
                    .ceremony
            }
        };
        let found = read("read-back", NOW).await;
        assert_eq!(found.as_ref().map(|f| &f.state), Some(&c.state), "{name}");
        assert_eq!(found.map(|f| f.expires_at), Some(c.expires_at), "{name}");
        assert!(read("read-back", c.expires_at).await.is_none(), "{name}: expired");
        assert!(read("unknown", NOW).await.is_none(), "{name}");
    })
    .await;
}

#[tokio::test]
async fn a_passkey_sign_in_reads_its_ceremony_passkey_account_and_limit_at_once() {
    each_store(|name, store| async move {
        let (user, id) = with_passkey(&store, "lea@example.com", "cred-l").await.unwrap();
        store.put_ceremony(&ceremony("cl")).await.unwrap();
        store.throttle_failure("login:ip:1", NOW, 60_000).await.unwrap();
        let found = store
            .passkey_answer_lookup("cl", "cred-l", "login:ip:1", NOW)
            .await
            .unwrap();
        assert_eq!(found.ceremony, Some(ceremony("cl")), "{name}");
        let key = found.passkey.expect("the passkey");
        assert_eq!((&key.factor_id, &key.user_id), (&id, &user), "{name}");
        assert_eq!(key, store.passkey_by_credential("cred-l").await.unwrap().unwrap());
        let (u, membership) = found.account.expect("its account");
        assert_eq!(u.id, user, "{name}");
        assert_eq!(u.email, "lea@example.com");
        assert!(membership.is_some(), "{name}: the organization signed up with");
        assert_eq!(found.limit.map(|l| l.failures), Some(1), "{name}");
        // Each part on its own: an expired ceremony, an unknown credential, another key.
        let found = store
            .passkey_answer_lookup("cl", "nope", "login:ip:2", NOW + 300_000)
            .await
            .unwrap();
        assert_eq!(found.ceremony, None, "{name}: expired");
        assert!(found.passkey.is_none() && found.account.is_none(), "{name}");
        assert_eq!(found.limit, None, "{name}");
        let found = store
            .passkey_answer_lookup("none", "cred-l", "", NOW)
            .await
            .unwrap();
        assert_eq!(found.ceremony, None, "{name}");
        assert_eq!(found.account.map(|(u, _)| u.id), Some(user), "{name}");
    })
    .await;
}
