//! Second factors (`docs/flows/two-factor.md`), trusted devices, the password change and the
//! organization's policy.

use super::*;

#[tokio::test]
async fn an_authenticator_app_is_set_up_with_a_current_code_and_gives_ten_recovery_codes() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    let setup = u.start_totp(&auth).await.unwrap();
    assert!(
        setup
            .otpauth_uri
            .starts_with("otpauth://totp/Umbral:ana%40example.com?secret=")
    );
    assert_eq!(setup.secret.len(), 32, "160-bit key");
    // A reload shows the same key; the key is stored sealed, never in clear.
    assert_eq!(u.start_totp(&auth).await.unwrap().secret, setup.secret);
    assert!(
        !store.st().factors[0]
            .secret_sealed
            .as_ref()
            .unwrap()
            .contains(&setup.secret)
    );
    let key = key_of(&setup);
    assert_eq!(
        u.confirm_totp(&auth, "12345", &meta()).await.unwrap_err().code(),
        "code.format"
    );
    let wrong = format!(
        "{:06}",
        (code_now(&key, &clock, 0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        u.confirm_totp(&auth, &wrong, &meta()).await.unwrap_err(),
        CoreError::InvalidCode
    );
    let done = u
        .confirm_totp(&auth, &code_now(&key, &clock, 0), &meta())
        .await
        .unwrap();
    assert_eq!(done.recovery_codes.as_ref().unwrap().len(), 10);
    assert_eq!(done.next, Next::Done);
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(auth.next, Next::Done);
    assert_eq!(u.factors(&auth).unwrap().len(), 1);
    assert!(store.st().audit.iter().any(|e| e.event == "factor.enrolled"));
}

#[tokio::test]
async fn totp_accepts_one_step_either_way_and_never_the_same_step_twice() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    // The step used at enrollment cannot sign in.
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::SecondFactor);
    assert_eq!(
        u.me(&auth).unwrap_err(),
        CoreError::StepRequired(Next::SecondFactor)
    );
    assert_eq!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await
            .unwrap_err(),
        CoreError::InvalidCode
    );
    for drift in [-2, 2] {
        assert!(
            u.pass_second_factor(
                &auth,
                Method::Totp,
                &code_now(&key, &clock, drift),
                false,
                &meta()
            )
            .await
            .is_err()
        );
    }
    let next = u
        .pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 1), false, &meta())
        .await
        .unwrap();
    assert_eq!(next.next, Next::Done);
    // A later sign-in cannot reuse that step, nor an earlier one.
    clock.advance_secs(30);
    let again = sign_in(&u, None, "203.0.113.9").await;
    for drift in [-1, 0] {
        assert_eq!(
            u.pass_second_factor(
                &again,
                Method::Totp,
                &code_now(&key, &clock, drift),
                false,
                &meta()
            )
            .await
            .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    clock.advance_secs(30);
    assert!(
        u.pass_second_factor(&again, Method::Totp, &code_now(&key, &clock, 1), false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn wrong_authenticator_codes_wait_longer_and_longer() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(90);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let wrong = format!(
        "{:06}",
        (code_now(&key, &clock, 0).parse::<u32>().unwrap() + 7) % 1_000_000
    );
    for _ in 0..5 {
        assert_eq!(
            u.pass_second_factor(&auth, Method::Totp, &wrong, false, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    // Even the right code waits now.
    assert!(matches!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    clock.advance_secs(3);
    assert!(
        u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn email_is_offered_only_next_to_another_factor_and_its_code_follows_the_code_rules() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    // No factor yet: the challenge is not the step, and email is not a way out of enrollment.
    assert_eq!(
        u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
            .await
            .unwrap_err(),
        CoreError::StepRequired(Next::EnrollFactor)
    );
    let setup = u.start_totp(&auth).await.unwrap();
    u.confirm_totp(&auth, &code_now(&key_of(&setup), &clock, 0), &meta())
        .await
        .unwrap();

    let auth = sign_in(&u, None, "203.0.113.9").await;
    let options = u.challenge_options(&auth).unwrap();
    assert_eq!(
        options.methods,
        vec![Method::Totp, Method::Email, Method::RecoveryCode]
    );
    assert_eq!(options.email_masked, "a***@example.com");
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let first = last_code(&store);
    assert_eq!(store.st().outbox.last().unwrap().content.template, "mfa_code");
    assert!(matches!(
        u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
            .await,
        Err(CoreError::ResendTooSoon { .. })
    ));
    clock.advance_secs(30);
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let second = last_code(&store);
    if first != second {
        // A new code replaces the old one.
        assert_eq!(
            u.pass_second_factor(&auth, Method::Email, &first, false, &meta())
                .await
                .unwrap_err(),
            CoreError::InvalidCode
        );
    }
    // Five attempts, then the code is spent.
    let wrong = format!("{:06}", (second.parse::<u32>().unwrap() + 1) % 1_000_000);
    for _ in 0..4 {
        let _ = u
            .pass_second_factor(&auth, Method::Email, &wrong, false, &meta())
            .await;
    }
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &second, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeAttemptsExhausted
    );
    clock.advance_secs(30);
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let third = last_code(&store);
    clock.advance_secs(601);
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &third, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeExpired
    );
    u.send_challenge_code(&auth, Method::Email, Locale::Es, &meta())
        .await
        .unwrap();
    let fourth = last_code(&store);
    // Good up to the last instant of its ten minutes.
    clock.advance_secs(600);
    assert!(
        u.pass_second_factor(&auth, Method::Email, &fourth, false, &meta())
            .await
            .is_ok()
    );
    // Used up: it does not count twice.
    let other = sign_in(&u, None, "203.0.113.9").await;
    assert!(
        u.pass_second_factor(&other, Method::Email, &fourth, false, &meta())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_recovery_code_works_once_and_new_codes_replace_the_old() {
    let (u, store, clock) = setup();
    let (_, _, codes) = with_totp(&u, &store, &clock).await;
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(
        u.pass_second_factor(&auth, Method::RecoveryCode, "abc", false, &meta())
            .await
            .unwrap_err()
            .code(),
        "code.recovery_format"
    );
    assert!(
        u.pass_second_factor(
            &auth,
            Method::RecoveryCode,
            &codes[0].to_lowercase(),
            false,
            &meta()
        )
        .await
        .is_ok()
    );
    let token = sign_in_token(&u, None, "203.0.113.9").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &codes[0], false, &meta())
            .await
            .unwrap_err(),
        CoreError::InvalidCode
    );
    u.pass_second_factor(&auth, Method::RecoveryCode, &codes[1], false, &meta())
        .await
        .unwrap();
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(u.recovery_codes_left(&auth).await.unwrap(), 8);
    let fresh = u.regenerate_recovery_codes(&auth, &meta()).await.unwrap();
    assert_eq!(u.recovery_codes_left(&auth).await.unwrap(), 10);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &codes[2], false, &meta())
            .await
            .is_err()
    );
    assert!(
        u.pass_second_factor(&auth, Method::RecoveryCode, &fresh[0], false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_last_factor_stays_under_required_and_may_go_under_optional() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    clock.advance_secs(30);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    u.pass_second_factor(&auth, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
        .await
        .unwrap();
    let auth = u
        .authenticate(&latest_token(&u, &store, &clock, &key).await)
        .await
        .unwrap();
    let factor = u.factors(&auth).unwrap().remove(0);
    assert_eq!(
        u.remove_factor(&auth, &factor.id, &meta())
            .await
            .unwrap_err()
            .code(),
        "factor.last_required"
    );
    assert_eq!(
        u.remove_factor(&auth, &"no-such-factor".into(), &meta())
            .await
            .unwrap_err(),
        CoreError::NotFound
    );

    let (u, store, clock) = setup_with(|c| c.factors.default_policy = TwoFactorPolicy::Optional);
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    // Optional: no enrollment step; the user turns it on, is signed out, and enrolls at the next
    // sign-in.
    assert_eq!(auth.next, Next::Done);
    u.enable_two_factor(&auth, &meta()).await.unwrap();
    assert!(matches!(
        u.authenticate(&token).await,
        Err(CoreError::SessionEnded(_))
    ));
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::EnrollFactor);
    let setup = u.start_totp(&auth).await.unwrap();
    u.confirm_totp(&auth, &code_now(&key_of(&setup), &clock, 0), &meta())
        .await
        .unwrap();
    let auth = u
        .authenticate(&latest_token(&u, &store, &clock, &key_of(&setup)).await)
        .await
        .unwrap();
    let factor = u.factors(&auth).unwrap().remove(0);
    u.remove_factor(&auth, &factor.id, &meta()).await.unwrap();
    // Two-factor is off again: the next sign-in is done after the password.
    let auth = sign_in(&u, None, "203.0.113.9").await;
    assert_eq!(auth.next, Next::Done);
}

#[tokio::test]
async fn a_password_alone_does_not_sign_the_other_browser_out_a_passed_challenge_does() {
    let (u, store, clock) = setup();
    let (first, key, _) = with_totp(&u, &store, &clock).await;
    let pending = sign_in(&u, None, "198.51.100.7").await;
    assert_eq!(pending.next, Next::SecondFactor);
    assert_eq!(
        u.authenticate(&first).await.unwrap().next,
        Next::Done,
        "still signed in"
    );
    clock.advance_secs(30);
    u.pass_second_factor(&pending, Method::Totp, &code_now(&key, &clock, 0), false, &meta())
        .await
        .unwrap();
    assert_eq!(
        u.authenticate(&first).await.unwrap_err(),
        CoreError::SessionEnded(EndReason::SignedInElsewhere)
    );
}

#[tokio::test]
async fn a_remembered_device_skips_the_code_until_a_rule_asks_again() {
    let (u, store, clock) = setup();
    let (_, key, _) = with_totp(&u, &store, &clock).await;
    let ip = "203.0.113.9";
    let remember = |clock: &TestClock| {
        let clock_code = code_now(&key, clock, 0);
        let u = &u;
        async move {
            let auth = sign_in(u, None, ip).await;
            u.pass_second_factor(&auth, Method::Totp, &clock_code, true, &meta())
                .await
                .unwrap()
                .device_token
                .unwrap()
        }
    };
    clock.advance_secs(30);
    let device = remember(&clock).await;
    // Same browser, same /24: no code.
    assert_eq!(sign_in(&u, Some(&device), "203.0.113.200").await.next, Next::Done);
    // Another network: asked again.
    assert_eq!(
        sign_in(&u, Some(&device), "198.51.100.7").await.next,
        Next::SecondFactor
    );
    // Another browser: asked.
    assert_eq!(sign_in(&u, None, ip).await.next, Next::SecondFactor);
    // 14 days later: asked again.
    clock.advance_secs(14 * 24 * 3600);
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);

    // Factors changed (new recovery codes): asked again.
    let device = remember(&clock).await;
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::Done);
    let auth = sign_in(&u, Some(&device), ip).await;
    u.regenerate_recovery_codes(&auth, &meta()).await.unwrap();
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);

    // Revoked by the user: asked again.
    clock.advance_secs(30);
    let device = remember(&clock).await;
    let auth = sign_in(&u, Some(&device), ip).await;
    assert_eq!(auth.next, Next::Done);
    assert_eq!(u.trusted_devices(&auth).await.unwrap().len(), 1);
    u.forget_trusted_devices(&auth, None, &meta()).await.unwrap();
    assert_eq!(sign_in(&u, Some(&device), ip).await.next, Next::SecondFactor);
}

#[tokio::test]
async fn a_phone_is_set_up_with_a_code_by_sms_and_belongs_to_one_user_only() {
    let (u, store, clock) = setup();
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.start_sms(&auth, &national("AR", "11"), Locale::Es, &meta())
            .await
            .unwrap_err()
            .code(),
        "phone.invalid"
    );
    u.start_sms(&auth, &national("AR", "9 11 2345-6789"), Locale::Es, &meta())
        .await
        .unwrap();
    let sent = store.st().outbox.last().unwrap().clone();
    assert_eq!(sent.channel, crate::outbox::Channel::Sms);
    assert_eq!(sent.recipient, "+5491123456789");
    assert_eq!(u.pending_sms(&auth).await.unwrap().as_deref(), Some("••• 6789"));
    assert!(matches!(
        u.start_sms(&auth, &national("AR", "9 11 2345-6789"), Locale::Es, &meta())
            .await,
        Err(CoreError::ResendTooSoon { .. })
    ));
    let done = u.confirm_sms(&auth, &last_code(&store), &meta()).await.unwrap();
    assert_eq!(done.recovery_codes.unwrap().len(), 10);

    // Another user, in another organization, cannot have that number; the answer names no one.
    let other = {
        let out = u.signup(&input("bruno@example.com"), &meta()).await.unwrap();
        let auth = u.authenticate(&out.session_token).await.unwrap();
        u.confirm_email(&auth, &last_code(&store), &meta()).await.unwrap();
        u.authenticate(&out.session_token).await.unwrap()
    };
    let e = u
        .start_sms(
            &other,
            &PhoneInput::E164("+5491123456789".into()),
            Locale::Es,
            &meta(),
        )
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("factor.phone_unavailable", Some("phone")));

    // The challenge by SMS, after the password.
    clock.advance_secs(60);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let options = u.challenge_options(&auth).unwrap();
    assert_eq!(
        options.methods,
        vec![Method::Sms, Method::Email, Method::RecoveryCode]
    );
    assert_eq!(options.phone_masked.as_deref(), Some("••• 6789"));
    u.send_challenge_code(&auth, Method::Sms, Locale::Es, &meta())
        .await
        .unwrap();
    assert_eq!(
        store.st().outbox.last().unwrap().channel,
        crate::outbox::Channel::Sms
    );
    let code = last_code(&store);
    assert_eq!(
        u.pass_second_factor(&auth, Method::Email, &code, false, &meta())
            .await
            .unwrap_err(),
        CoreError::CodeExpired,
        "an SMS code is not an email code"
    );
    assert!(
        u.pass_second_factor(&auth, Method::Sms, &code, false, &meta())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn sms_pumping_is_limited_per_number_ip_and_country_and_by_allowed_countries() {
    let (u, store, clock) = setup_with(|c| {
        c.factors.sms.allowed_countries = vec!["AR".into(), "BR".into()];
        c.factors.sms.per_ip = 3;
    });
    let token = confirmed(&u, &store, "ana@example.com").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(
        u.start_sms(&auth, &national("US", "201 555 0123"), Locale::Es, &meta())
            .await
            .unwrap_err()
            .code(),
        "phone.country_not_allowed"
    );
    for i in 0..3 {
        clock.advance_secs(31);
        u.start_sms(
            &auth,
            &national("BR", &format!("11 91234-567{i}")),
            Locale::Es,
            &meta(),
        )
        .await
        .unwrap();
    }
    clock.advance_secs(31);
    assert!(matches!(
        u.start_sms(&auth, &national("BR", "11 91234-5679"), Locale::Es, &meta())
            .await,
        Err(CoreError::RateLimited { .. })
    ));
    // From other IPs, the number's own allowance (5 an hour) still counts: it had one send.
    let from = |i: usize| RequestMeta {
        ip: format!("198.51.100.{i}"),
        user_agent: "test".into(),
    };
    for i in 0..4 {
        clock.advance_secs(31);
        u.start_sms(&auth, &national("BR", "11 91234-5670"), Locale::Es, &from(i))
            .await
            .unwrap();
    }
    clock.advance_secs(31);
    assert!(matches!(
        u.start_sms(&auth, &national("BR", "11 91234-5670"), Locale::Es, &from(9))
            .await,
        Err(CoreError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn changing_the_password_asks_the_current_one_and_ends_the_other_sessions() {
    let (u, store, clock) = setup();
    let (token, key, _) = with_totp(&u, &store, &clock).await;
    let auth = u.authenticate(&token).await.unwrap();
    let e = u
        .change_password(&auth, "not-my-password", "otra-clave-segura-91", &meta())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        ("password.current_wrong", Some("current_password"))
    );
    let e = u
        .change_password(&auth, PASSWORD, "short", &meta())
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("password.too_short", Some("password")));
    let e = u
        .change_password(&auth, PASSWORD, "ana@example.com-2026", &meta())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "password.contains_personal");
    // Another browser, remembered.
    clock.advance_secs(30);
    let other = sign_in(&u, None, "203.0.113.9").await;
    let device = u
        .pass_second_factor(&other, Method::Totp, &code_now(&key, &clock, 0), true, &meta())
        .await
        .unwrap()
        .device_token
        .unwrap();
    let token = sign_in_token(&u, Some(&device), "203.0.113.9").await;
    let auth = u.authenticate(&token).await.unwrap();
    assert_eq!(auth.next, Next::Done);
    let elsewhere = sign_in_token(&u, None, "198.51.100.1").await;
    u.change_password(&auth, PASSWORD, "otra-clave-segura-91", &meta())
        .await
        .unwrap();
    assert_eq!(
        u.authenticate(&token).await.unwrap().next,
        Next::Done,
        "this session stays"
    );
    assert!(matches!(
        u.authenticate(&elsewhere).await,
        Err(CoreError::SessionEnded(_))
    ));
    assert_eq!(
        store.st().outbox.last().unwrap().content.template,
        "password_changed"
    );
    // The old password is gone, and the remembered device asks again.
    let m = meta();
    assert_eq!(
        u.login("ana@example.com", PASSWORD, None, &m).await.unwrap_err(),
        CoreError::InvalidCredentials
    );
    let out = u
        .login("ana@example.com", "otra-clave-segura-91", Some(&device), &m)
        .await
        .unwrap();
    assert_eq!(out.next, Next::SecondFactor);
}

#[tokio::test]
async fn a_new_owner_makes_remembered_devices_ask_again() {
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
    assert_eq!(sign_in(&u, Some(&device), "203.0.113.9").await.next, Next::Done);
    // The organization's owner changes (the owner transfer moves the epoch on).
    {
        let mut st = store.st();
        let org = st.members.values().next().unwrap().clone();
        st.owner_epoch.insert(org, 1);
    }
    assert_eq!(
        sign_in(&u, Some(&device), "203.0.113.9").await.next,
        Next::SecondFactor
    );
}

#[tokio::test]
async fn an_organization_may_set_its_own_policy() {
    let (u, store, _) = setup();
    let out = u.signup(&input("ana@example.com"), &meta()).await.unwrap();
    {
        let mut st = store.st();
        let org = st.members.values().next().unwrap().clone();
        st.org_policy.insert(org, TwoFactorPolicy::Optional);
    }
    let auth = u.authenticate(&out.session_token).await.unwrap();
    assert_eq!(
        u.confirm_email(&auth, &last_code(&store), &meta()).await,
        Ok(Next::Done),
        "the organization's optional beats the platform's required"
    );
}

#[tokio::test]
async fn a_phone_added_after_an_app_is_offered_and_used_at_the_challenge() {
    let (u, store, clock) = setup();
    let (token, _, _) = with_totp(&u, &store, &clock).await;
    let auth = u.authenticate(&token).await.unwrap();
    u.start_sms(&auth, &national("AR", "9 11 2345-6789"), Locale::Es, &meta())
        .await
        .unwrap();
    u.confirm_sms(&auth, &last_code(&store), &meta()).await.unwrap();
    clock.advance_secs(60);
    let auth = sign_in(&u, None, "203.0.113.9").await;
    let options = u.challenge_options(&auth).unwrap();
    assert_eq!(
        options.methods,
        vec![Method::Totp, Method::Sms, Method::Email, Method::RecoveryCode]
    );
    // The phone is the SMS factor's, not the first factor's (the app has none).
    assert_eq!(options.phone_masked.as_deref(), Some("••• 6789"));
    u.send_challenge_code(&auth, Method::Sms, Locale::Es, &meta())
        .await
        .unwrap();
    assert_eq!(store.st().outbox.last().unwrap().recipient, "+5491123456789");
}
