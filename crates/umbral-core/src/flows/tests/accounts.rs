//! Sign-up, sign-in, sessions and limits.

use super::*;

#[tokio::test]
async fn the_emailed_code_confirms_within_ten_minutes_only() {
    let (u, store, clock) = setup();
    let out = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    assert_eq!(out.next, Next::ConfirmEmail);
    let auth = u.authenticate(&out.session_token).await.unwrap();
    let code = last_code(&store);
    clock.advance_secs(601);
    assert_eq!(
        u.confirm_email(&auth, &code, &meta()).await,
        Err(CoreError::CodeExpired)
    );

    clock.advance_secs(1);
    u.resend_email_code(&auth, Locale::Es).await.unwrap();
    assert!(matches!(
        u.resend_email_code(&auth, Locale::Es).await,
        Err(CoreError::ResendTooSoon { retry_after_secs: 30 })
    ));
    let code = last_code(&store);
    // Policy `required` (the default): the second factor is the next step, and nothing else
    // opens until it is set up.
    assert_eq!(
        u.confirm_email(&auth, &code, &meta()).await,
        Ok(Next::EnrollFactor)
    );
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(auth.next, Next::EnrollFactor);
    assert_eq!(
        u.me(&auth).unwrap_err(),
        CoreError::StepRequired(Next::EnrollFactor)
    );
}

#[tokio::test]
async fn a_taken_email_gives_a_stand_in_and_warns_the_owner() {
    let (u, store, _) = setup();
    let first = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let second = u.signup(&input("ANA@example.com"), &meta()).await.unwrap();
    assert_eq!(second.next, Next::ConfirmEmail);
    assert_ne!(first.user_id, second.user_id);
    assert_eq!(store.st().users.len(), 1);
    assert_eq!(
        store
            .st()
            .outbox
            .last()
            .map(|m| m.content.template.clone())
            .as_deref(),
        Some("signup_email_taken")
    );
    let stand_in = u.authenticate(&second.session_token).await.unwrap();
    assert!(stand_in.user.is_none());
    // Even the real user's code does nothing for the stand-in.
    let code = store.st().outbox[0].content.params["code"].clone();
    assert_eq!(
        u.confirm_email(&stand_in, &code, &meta()).await,
        Err(CoreError::InvalidCode)
    );
}

#[tokio::test]
async fn sign_in_ends_other_sessions_and_they_say_why() {
    let (u, store, _) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    let first = confirmed(&u, &store, "ana@example.com").await;
    let second = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    assert_eq!(second.next, Next::Done);
    assert_eq!(
        u.authenticate(&first).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedInElsewhere)
    );
    assert!(u.authenticate(&second.session_token).await.is_ok());
    let auth = u.authenticate(&second.session_token).await.unwrap();
    u.logout(&auth, &meta()).await.unwrap();
    assert_eq!(
        u.authenticate(&second.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedOut)
    );
    assert_eq!(
        u.authenticate("no-such-token").await.unwrap_err(),
        CoreError::Unauthenticated
    );
}

#[tokio::test]
async fn sessions_end_when_idle_or_old() {
    let (u, _, clock) = setup();
    let s = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    clock.advance_secs(24 * 3600);
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Idle)
    );
    let s = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    for _ in 0..8 {
        clock.advance_secs(21 * 3600);
        let _ = u.authenticate(&s.session_token).await;
    }
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Expired)
    );
}

#[tokio::test]
async fn failures_wait_longer_and_then_forgive() {
    let (u, store, clock) = setup();
    u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    for _ in 0..5 {
        assert_eq!(
            u.login("ana@example.com", "wrong-password-1", None, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCredentials
        );
    }
    assert_eq!(
        u.login("ana@example.com", PASSWORD, None, &meta())
            .await
            .unwrap_err(),
        CoreError::RateLimited { retry_after_secs: 2 }
    );
    clock.advance_secs(2);
    assert!(u.login("ana@example.com", PASSWORD, None, &meta()).await.is_ok());
    // Every failure was audited, unknown emails too.
    u.login("nobody@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    let failed = store
        .st()
        .audit
        .iter()
        .filter(|e| e.event == "login.failed")
        .count();
    assert_eq!(failed, 6);
}

#[tokio::test]
async fn unconfirmed_accounts_go_after_seven_days() {
    let (u, _, clock) = setup();
    u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    clock.advance_secs(7 * 86_400 - 1);
    assert_eq!(u.purge_unconfirmed().await.unwrap(), 0);
    clock.advance_secs(2);
    assert_eq!(u.purge_unconfirmed().await.unwrap(), 1);
}

#[tokio::test]
async fn a_disabled_user_gets_the_same_answer_and_loses_their_session() {
    let (u, store, _) = setup();
    let s = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    for user in store.st().users.values_mut() {
        user.status = crate::accounts::UserStatus::Disabled;
    }
    let disabled = u
        .login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    let unknown = u
        .login("nobody@example.com", PASSWORD, None, &meta())
        .await
        .unwrap_err();
    assert_eq!(disabled, CoreError::InvalidCredentials);
    assert_eq!(disabled, unknown);
    assert_eq!(
        u.authenticate(&s.session_token).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Revoked)
    );
}

#[tokio::test]
async fn sign_in_re_hashes_a_password_stored_with_old_parameters() {
    let (old, store, clock) = setup();
    old.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let stored = |store: &MemoryStore| {
        store
            .st()
            .users
            .values()
            .next()
            .and_then(|u| u.password_hash.clone())
            .unwrap()
    };
    assert!(stored(&store).contains("m=64,t=1"));
    // The operator raises the cost; the next sign-in upgrades the stored hash.
    let params = HashParams {
        m_cost_kib: 128,
        t_cost: 2,
        p_cost: 1,
    };
    let hasher = Arc::new(
        PasswordHasherPool::new(params, 1, 16, std::time::Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let new = Umbral::new(Arc::new(store.clone()), clock, hasher, CoreConfig::default());
    new.login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap();
    assert!(stored(&store).contains("m=128,t=2"), "{}", stored(&store));
    new.login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_lists_their_sessions_and_signs_one_out() {
    let (u, store, _) = setup_with(|c| {
        c.factors.default_policy = TwoFactorPolicy::Optional;
        c.session.single_session = false;
    });
    let first = confirmed(&u, &store, "ana@example.com").await;
    let second = u
        .login("ana@example.com", PASSWORD, None, &meta())
        .await
        .unwrap()
        .session_token;
    let auth = u.authenticate(&second).await.unwrap();
    let live = u.active_sessions(&auth).await.unwrap();
    assert_eq!(live.len(), 2);
    // A session that is not one of theirs: not found, and nothing ends.
    assert_eq!(
        u.end_own_session(&auth, &"not-a-session".into(), &meta()).await,
        Err(CoreError::NotFound)
    );
    assert_eq!(u.active_sessions(&auth).await.unwrap().len(), 2);
    // The other browser is revoked; this one, signed out.
    let first_hash = crate::types::SessionId::of_token(&first);
    u.end_own_session(&auth, &first_hash, &meta()).await.unwrap();
    assert_eq!(
        u.authenticate(&first).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::Revoked)
    );
    u.end_own_session(&auth, &auth.session.id_hash, &meta())
        .await
        .unwrap();
    assert_eq!(
        u.authenticate(&second).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedOut)
    );
}

#[tokio::test]
async fn an_unconfirmed_session_is_not_a_confirmed_user_and_use_is_written_once_a_minute() {
    let (u, store, clock) = setup();
    let out = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(
        auth.confirmed_user().unwrap_err(),
        CoreError::StepRequired(Next::ConfirmEmail)
    );
    // Last use: a read stays a read for a minute, then it is written.
    let seen = |s: &MemoryStore| s.st().sessions.values().map(|s| s.last_seen_at).max().unwrap();
    let started = seen(&store);
    clock.advance_secs(59);
    u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(seen(&store), started);
    clock.advance_secs(2);
    u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(seen(&store), started + 61_000);
}

#[tokio::test]
async fn a_browser_gets_its_sign_in_device_cookie_once() {
    let (u, store, _) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    confirmed(&u, &store, "ana@example.com").await;
    let first = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    let cookie = first
        .device_cookie
        .expect("a browser that knows the password gets one");
    let again = u
        .login_on_device("ana@example.com", PASSWORD, None, Some(&cookie), &meta())
        .await
        .unwrap();
    assert_eq!(again.device_cookie, None, "it keeps the one it has");
}

#[tokio::test]
async fn a_person_without_a_second_factor_is_never_told_their_browser_is_asked_again() {
    let (u, store, clock) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    let setup = u.start_totp(&auth).await.unwrap();
    let key = key_of(&setup);
    u.confirm_totp(&auth, &code_now(&key, &clock, 0), &meta())
        .await
        .unwrap();
    // Signed in with the app's code, "Remember this device".
    clock.advance_secs(31);
    let out = u.login("ana@example.com", PASSWORD, None, &meta()).await.unwrap();
    let auth = u.authenticate(&out.session_token).await.unwrap();
    let passed = u
        .pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), true, &meta())
        .await
        .unwrap();
    let device = passed.device_token.unwrap();
    // The app is removed (policy optional): no second factor is asked any more, so nothing is
    // said about the remembered browser either. (The in-memory store keeps the session's id.)
    let auth = u.authenticate(&out.session_token).await.unwrap();
    let factor = u.factors(&auth).unwrap()[0].id.clone();
    u.remove_factor(&auth, &factor, &meta()).await.unwrap();
    let again = u
        .login("ana@example.com", PASSWORD, Some(&device), &meta())
        .await
        .unwrap();
    assert_eq!(again.next, Next::Done);
    assert_eq!(again.asked_again, None);
}
