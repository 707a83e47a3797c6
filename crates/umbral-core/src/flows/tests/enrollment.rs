//! Setting factors up and the limits and browsers around them: per-person limits, a second
//! authenticator, enrollment completing a sign-in, remembered browsers.

use super::*;

/// A user with an authenticator app whose email is `email`; returns its key.
async fn another_with_totp(u: &Umbral, store: &MemoryStore, clock: &TestClock, email: &str) -> Vec<u8> {
    let token = confirmed(u, store, email).await;
    let auth = u.authenticate(&token).await.unwrap();
    let key = key_of(&u.start_totp(&auth).await.unwrap());
    u.confirm_totp(&auth, &code_now(&key, clock, 0), &meta())
        .await
        .unwrap();
    key
}

#[tokio::test]
async fn one_persons_wrong_codes_never_slow_another_person_down() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    let bea_key = another_with_totp(&u, &store, &clock, "bea@example.com").await;
    clock.advance_secs(90);
    let ana = sign_in(&u, None, "203.0.113.9").await;
    let wrong = format!(
        "{:06}",
        (code_now(&key, &clock, 0).parse::<u32>().unwrap() + 7) % 1_000_000
    );
    for _ in 0..5 {
        let _ = u
            .pass_second_factor(&ana, Method::Totp, &wrong, false, &meta())
            .await;
    }
    let bea = u.login("bea@example.com", PASSWORD, None, &meta()).await.unwrap();
    let bea = u.authenticate(&bea.session_token).await.unwrap();
    u.pass_second_factor(&bea, Method::Totp, &code_now(&bea_key, &clock, 0), false, &meta())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_second_authenticator_app_gets_a_key_of_its_own() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    let auth = u
        .authenticate(&latest_token(&u, &store, &clock, &key).await)
        .await
        .unwrap();
    let second = u.start_totp(&auth).await.unwrap();
    assert_ne!(key_of(&second), key, "the first app's key was shown again");
}

#[tokio::test]
async fn enrolling_at_sign_in_completes_it_and_ends_the_other_browser() {
    let (u, store, clock) = setup();
    // Signed up in one browser (two-factor set-up pending), then signed in from another.
    let first = confirmed(&u, &store, "ana@example.com").await;
    let second = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(second.next, Next::EnrollFactor);
    assert!(u.authenticate(&first).await.is_ok(), "a password alone ended it");
    let key = key_of(&u.start_totp(&second).await.unwrap());
    u.confirm_totp(&second, &code_now(&key, &clock, 0), &meta())
        .await
        .unwrap();
    assert!(matches!(
        u.authenticate(&first).await,
        Err(CoreError::SessionEnded(_))
    ));
}

#[tokio::test]
async fn remembered_browsers_are_listed_and_forgotten_one_at_a_time() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(30);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let device = u
        .pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), true, &meta())
        .await
        .unwrap()
        .device_token
        .unwrap();
    let auth = sign_in(&u, Some(&device), "203.0.113.9").await;
    let listed = u.trusted_devices(&auth).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        u.forget_trusted_devices(&auth, Some("no-such-device"), &meta())
            .await
            .unwrap_err(),
        CoreError::NotFound
    );
    assert_eq!(
        u.forget_trusted_devices(&auth, Some(&listed[0].id), &meta())
            .await
            .unwrap(),
        1
    );
    // Forgetting all when none is left is no error.
    assert_eq!(u.forget_trusted_devices(&auth, None, &meta()).await.unwrap(), 0);
    assert!(u.trusted_devices(&auth).await.unwrap().is_empty());
}
