//! "Forgot your password?" (`docs/flows/recovery-and-invitations.md`): the same answer and time for any address, a
//! single-use link of one hour that a newer one replaces, and afterwards no session or trusted
//! device of the user left.

use std::time::Instant;

use serde_json::{Value, json};
use umbral_testkit::{PASSWORD, TestApp, csrf_from, spawn_app};

/// The token of the newest reset link emailed to `to`.
async fn link_token(app: &TestApp, to: &str) -> String {
    app.reset_link_token(to).await
}

#[tokio::test]
async fn recovery_by_page_ends_every_session_and_still_asks_the_second_factor() {
    let app = spawn_app().await;
    let email = "rec@example.com";
    let first = app.signed_up(email).await;
    let c = app.client();
    let (_, html) = app.get_text(&c, &app.url("/login?lang=es")).await;
    let csrf = csrf_from(&html);
    let r = c
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    // "Forgot your password?" takes the email typed to the recovery page.
    assert!(html.contains("href=\"/recover?email=") && html.contains("¿Olvidaste tu contraseña?"));
    let (_, prefilled) = app
        .get_text(&c, &app.url("/recover?email=ana%40example.com&lang=es"))
        .await;
    assert!(prefilled.contains("value=\"ana@example.com\""), "{prefilled}");

    // The same page for an address with an account and one without.
    let ask = |address: &'static str| {
        let c = c.clone();
        let url = app.url("/recover");
        let csrf = csrf.clone();
        async move {
            let r = c
                .post(url)
                .form(&[("csrf_token", csrf.as_str()), ("email", address)])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s1, known) = ask(email).await;
    let (s2, unknown) = ask("nobody@example.com").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(
        known.replace(email, "X"),
        unknown.replace("nobody@example.com", "X"),
        "nothing tells the two apart"
    );
    assert!(known.contains("Si existe una cuenta con esta dirección") && known.contains("correo no deseado"));
    assert!(known.contains("id=\"resend\""));
    assert!(app.outbox().await.iter().all(|m| m["to"] != "nobody@example.com"));

    let token = link_token(&app, email).await;
    let (s, html) = app
        .get_text(&c, &app.url(&format!("/recover/complete?token={token}")))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("Elige una nueva contraseña") && html.contains("autocomplete=\"new-password\""));
    let complete = |password: &'static str, token: String| {
        let c = c.clone();
        let url = app.url("/recover/complete");
        let csrf = csrf.clone();
        async move {
            c.post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("token", token.as_str()),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = complete("corta", token.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("id=\"password-error\""));
    let r = complete("nueva-clave-segura-73", token.clone()).await;
    assert_eq!(r.headers()["location"], "/login?notice=password_reset");
    // Used once.
    let r = complete("otra-clave-segura-74", token.clone()).await;
    assert!(r.text().await.unwrap().contains("Este enlace no es válido"));
    // Every session ended; the old password is gone; the second factor is still asked.
    assert_eq!(
        first.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    let login = |password: &'static str| {
        let url = app.url("/api/v1/login");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(login(PASSWORD).await.0, 401);
    let (s, b) = login("nueva-clave-segura-73").await;
    assert_eq!((s, b["next"].as_str()), (200, Some("second_factor")));
    app.stop().await;
}

#[tokio::test]
async fn links_expire_after_an_hour_and_a_newer_one_replaces_the_older() {
    let app = spawn_app().await;
    let email = "links@example.com";
    app.signed_up(email).await;
    let api = reqwest::Client::new();
    let ask = || {
        api.post(app.url("/api/v1/recovery"))
            .json(&json!({"email": email}))
            .send()
    };
    assert_eq!(ask().await.unwrap().status(), 202);
    let older = link_token(&app, email).await;
    // Asking again for the same address waits out a cool-down (30 s, then longer).
    assert_eq!(ask().await.unwrap().status(), 429);
    app.clock.advance_secs(31);
    assert_eq!(ask().await.unwrap().status(), 202);
    let newer = {
        let mut t = link_token(&app, email).await;
        for _ in 0..50 {
            if t != older {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            t = link_token(&app, email).await;
        }
        t
    };
    assert_ne!(older, newer);
    let complete = |token: &str| {
        api.post(app.url("/api/v1/recovery/complete"))
            .json(&json!({"token": token, "password": "nueva-clave-segura-73"}))
            .send()
    };
    let r = complete(&older).await.unwrap();
    assert_eq!(r.status(), 422, "replaced by the newer link");
    app.clock.advance_secs(3601);
    let r = complete(&newer).await.unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "reset.link_expired");
    // Malformed addresses are named; limits apply to every address alike.
    let r = api
        .post(app.url("/api/v1/recovery"))
        .json(&json!({"email": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let s = api
        .post(app.url("/api/v1/recovery"))
        .json(&json!({"email": "ghost@example.com"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 202);
    let r = api
        .post(app.url("/api/v1/recovery"))
        .json(&json!({"email": "ghost@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    app.stop().await;
}

#[tokio::test]
async fn an_address_with_or_without_an_account_takes_the_same_time() {
    let app = spawn_app().await;
    app.signed_up("timed@example.com").await;
    let c = reqwest::Client::new();
    let url = app.url("/api/v1/recovery");
    let ask = |email: String| {
        let (c, url) = (c.clone(), url.clone());
        async move {
            let t = Instant::now();
            let r = c.post(url).json(&json!({"email": email})).send().await.unwrap();
            assert_eq!(r.status(), 202);
            r.bytes().await.unwrap();
            t.elapsed().as_secs_f64()
        }
    };
    // Warm up.
    for i in 0..5 {
        app.clock.advance_secs(3601);
        ask("timed@example.com".into()).await;
        ask(format!("warm{i}@example.com")).await;
    }
    // Two cores shared with other tests: each known request is paired with an unknown one made
    // right next to it (in alternating order), so that load on the machine hits both alike; the
    // medians are compared, and a noisy round is measured again, up to five times.
    let mut last = (0.0, 0.0, 0.0);
    for round in 0..5 {
        let (mut known, mut unknown, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..41 {
            // Time moves on so that the limits never kick in.
            app.clock.advance_secs(3601);
            let (k, u) = if i % 2 == 0 {
                let k = ask("timed@example.com".into()).await;
                (k, ask(format!("nobody{round}-{i}@example.com")).await)
            } else {
                let u = ask(format!("nobody{round}-{i}@example.com")).await;
                (ask("timed@example.com".into()).await, u)
            };
            known.push(k);
            unknown.push(u);
            ratios.push(k / u);
        }
        for v in [&mut known, &mut unknown, &mut ratios] {
            v.sort_by(f64::total_cmp);
        }
        let (mk, mu, ratio) = (known[20], unknown[20], ratios[20]);
        eprintln!("round {round}: known {mk:.5}s, unknown {mu:.5}s, median ratio {ratio:.3}");
        last = (mk, mu, ratio);
        if mk.max(mu) / mk.min(mu) < 1.10 && (0.9..1.1).contains(&ratio) {
            app.stop().await;
            return;
        }
    }
    panic!(
        "medians differ by 10% or more: known {:.5}s, unknown {:.5}s (median ratio {:.3})",
        last.0, last.1, last.2
    );
}

/// The token of the invitation emailed to `to`.
async fn invitation_token(app: &TestApp, to: &str) -> String {
    let m = app.wait_for_email(to, "").await;
    let body = m["body"].as_str().unwrap();
    body.split("/invite?token=")
        .nth(1)
        .map(|r| r.split_whitespace().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no invitation in {body}"))
}

#[tokio::test]
async fn a_user_created_by_staff_sets_the_first_password_through_the_invitation() {
    use umbral_testkit::umbral_core::staff::ApiScope;
    use umbral_testkit::umbral_core::types::OrgId;
    let app = spawn_app().await;
    let (_, staff) = app
        .umbral()
        .create_api_key("staff", ApiScope::Staff)
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let create = |key: String, body: Value| {
        let (api, url) = (api.clone(), app.url("/api/v1/admin/users"));
        async move {
            let r = api.post(url).bearer_auth(key).json(&body).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (s, b) = create(
        staff.clone(),
        json!({"email": "invited@example.com", "name": "Inés Díaz", "locale": "es"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let org = b["organization_id"].as_str().unwrap().to_string();
    let (s, b) = create(
        staff.clone(),
        json!({"email": "INVITED@example.com", "name": "Otra"}),
    )
    .await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("user.email_taken")));
    // An organization's key creates users in its own organization only.
    let (_, org_key) = app
        .umbral()
        .create_api_key("customer", ApiScope::Organization(OrgId(org.clone())))
        .await
        .unwrap();
    let (s, _) = create(
        org_key.clone(),
        json!({"email": "x@example.com", "name": "X", "organization_id": "elsewhere"}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, b) = create(
        org_key,
        json!({"email": "colleague@example.com", "name": "Colega", "role": "admin"}),
    )
    .await;
    assert_eq!((s, b["organization_id"].as_str()), (201, Some(org.as_str())));

    // No password signs the invited user in before the invitation is used.
    let login = |password: &'static str| {
        let url = app.url("/api/v1/login");
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"email": "invited@example.com", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(login(PASSWORD).await, 401);

    let token = invitation_token(&app, "invited@example.com").await;
    let mail = app.wait_for_email("invited@example.com", "").await;
    assert!(
        mail["subject"].as_str().unwrap().contains("está lista"),
        "in the user's language"
    );
    let c = app.client();
    // The page opens in the language the account was made in (unless the person chose one).
    let r = c
        .get(app.url(&format!("/invite?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/invite?token={token}&lang=es")
    );
    let (s, html) = app
        .get_text(&c, &app.url(&format!("/invite?token={token}&lang=es")))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("Inés Díaz") && html.contains("autocomplete=\"new-password\""));
    assert!(html.contains("Elige tu contraseña"), "{html}");
    let csrf = csrf_from(&html);
    // A refused password shows the page again with the person's name ("Welcome, ." before).
    let r = c
        .post(app.url("/invite?lang=es"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("password", "corta"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Inés Díaz") && html.contains("invited@example.com"),
        "{html}"
    );
    let r = c
        .post(app.url("/invite"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // Signed in, and on to the second factor (policy required).
    assert_eq!(r.headers()["location"], "/two-factor");
    let r = c
        .post(app.url("/invite"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "used once");
    assert_eq!(login(PASSWORD).await, 200);

    // An invitation works for 7 days.
    let later = invitation_token(&app, "colleague@example.com").await;
    app.clock.advance_secs(7 * 24 * 3600 + 1);
    let r = api
        .post(app.url("/api/v1/invitations/accept"))
        .json(&json!({"token": later, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "reset.link_expired"
    );
    // "Forgot your password?" works for an invited user too (and confirms the address).
    let (s, _) = {
        let r = api
            .post(app.url("/api/v1/recovery"))
            .json(&json!({"email": "colleague@example.com"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(s, 202);
    let reset = link_token(&app, "colleague@example.com").await;
    let r = api
        .post(app.url("/api/v1/recovery/complete"))
        .json(&json!({"token": reset, "password": "tigre-verde-martes-58"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/login"))
        .json(&json!({"email": "colleague@example.com", "password": "tigre-verde-martes-58"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["next"], "enroll_factor");

    app.stop().await;
}
