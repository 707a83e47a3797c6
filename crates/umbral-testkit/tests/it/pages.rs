use umbral_core::ports::AccountStore;
use umbral_testkit::{PASSWORD, TestApp, csrf_from, spawn_app};

#[tokio::test]
async fn signup_page_journey_in_spanish() {
    let app = spawn_app().await;
    let c = app.client();
    let (s, html) = app.get_text(&c, &app.url("/signup?lang=es&plan=pro")).await;
    assert_eq!(s, 200);
    for text in [
        "Crea tu cuenta",
        "Nombre",
        "Correo electrónico",
        "Teléfono",
        "Contraseña",
        "Términos Generales del Servicio",
        "Crear cuenta",
        // An unknown plan from the vendor's site: the catalogue, nothing chosen.
        "<option value=\"\">Lo elijo al pagar</option>",
        "<option value=\"starter\">Inicial · ARS\u{a0}$\u{a0}29.000,00 &#x2f; Mensual</option>",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    let (_, chosen) = app.get_text(&c, &app.url("/signup?lang=es&plan=business")).await;
    assert!(
        chosen.contains("<option value=\"business\" selected>"),
        "the vendor's plan is chosen"
    );
    for attr in [
        "autocomplete=\"name\"",
        "autocomplete=\"email\"",
        "autocomplete=\"tel-national\"",
        "autocomplete=\"new-password\"",
        "<label for=\"email\">",
        "lang=\"es\"",
    ] {
        assert!(html.contains(attr), "missing {attr}");
    }
    let csrf = csrf_from(&html);
    assert!(csrf.len() >= 40);
    // Changing the language keeps the plan chosen on the vendor's site.
    assert!(
        html.contains("href=\"&#x2f;signup?plan=pro&amp;lang=pt-BR\""),
        "{html}"
    );

    // A bad form keeps what was typed (not the password) and marks the field.
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Ana Pérez"),
        ("email", "ana@example"),
        ("phone_country", "AR"),
        ("phone", "11 2345-6789"),
        ("password", "short"),
        ("plan", "pro"),
    ];
    let r = c.post(app.url("/signup")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Ana Pérez\""));
    assert!(html.contains("value=\"ana@example\""));
    assert!(
        !html.contains("value=\"short\""),
        "the password is never sent back"
    );
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""),
        "{html}"
    );
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("Escribe un correo electrónico válido"));
    assert!(html.contains("La contraseña debe tener al menos 10 caracteres."));
    assert!(html.contains("Debes aceptar los Términos Generales del Servicio"));
    assert!(html.contains(" autofocus"), "focus goes to the first error");

    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Ana Pérez"),
        ("email", "ana@example.com"),
        ("phone_country", "AR"),
        ("phone", "9 11 2345-6789"),
        ("password", PASSWORD),
        ("accept_terms", "yes"),
    ];
    let r = c.post(app.url("/signup")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/signup/confirm");
    let (_, html) = app.get_text(&c, &app.url("/signup/confirm")).await;
    assert!(html.contains("Confirma tu correo electrónico"));
    assert!(html.contains("autocomplete=\"one-time-code\"") && html.contains("inputmode=\"numeric\""));
    // Which address the code went to, and a way out when it is the wrong one.
    assert!(
        html.contains("Enviamos un código de 6 dígitos a ana@example.com"),
        "{html}"
    );
    assert!(html.contains("id=\"wrong-address\""));
    // "Send a new code" too soon: the wait is said by that button, not on the code field.
    let r = c
        .post(app.url("/signup/confirm/resend"))
        .form(&[("csrf_token", csrf_from(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let again = r.text().await.unwrap();
    assert!(
        again.contains("id=\"resend-error\"") && !again.contains("aria-invalid"),
        "{again}"
    );
    let code = app.code_for("ana@example.com").await;
    let mail = app.wait_for_email("ana@example.com", "código").await;
    assert!(
        mail["body"].as_str().unwrap().contains("Hola, Ana Pérez"),
        "email in the user's language"
    );
    let r = c
        .post(app.url("/signup/confirm"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/two-factor");
    // Nothing else opens before the second factor.
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/two-factor");
    let (_, html) = app.get_text(&c, &app.url("/two-factor")).await;
    assert!(html.contains("Autenticación de dos factores") && html.contains("Aplicación de autenticación"));
    let (s, html) = app.get_text(&c, &app.url("/two-factor/app")).await;
    assert_eq!(s, 200);
    // The key shown as text, read by an independent implementation (pyotp) at the server's time.
    let secret: String = html
        .split("id=\"secret\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .replace(' ', "");
    assert_eq!(secret.len(), 32, "160-bit key in base32");
    // The QR code, decoded by an independent decoder, holds the same key.
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap() + 6];
    let uri = umbral_testkit::decode_qr_svg(svg);
    assert_eq!(
        uri,
        format!("otpauth://totp/Umbral:ana%40example.com?secret={secret}&issuer=Umbral")
    );
    let now_secs = {
        use umbral_testkit::umbral_core::clock::Clock;
        app.clock.now_ms() / 1000
    };
    let wrong = format!(
        "{:06}",
        (umbral_testkit::pyotp_code(&secret, now_secs)
            .parse::<u32>()
            .unwrap()
            + 1)
            % 1_000_000
    );
    let r = c
        .post(app.url("/two-factor/app"))
        .form(&[("csrf_token", csrf.as_str()), ("code", wrong.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("El código no es correcto") && html.contains(&secret[..4]),
        "same key shown again"
    );
    let code = umbral_testkit::pyotp_code(&secret, now_secs);
    let r = c
        .post(app.url("/two-factor/app"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    // Post, then redirect: a reload shows the same codes, until the person says they saved them.
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/recovery-codes");
    let (s, html) = app.get_text(&c, &app.url("/recovery-codes")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Códigos de recuperación"));
    assert_eq!(html.matches("<li><code>").count(), 10, "ten recovery codes");
    assert!(html.contains("download=\"recovery-codes.txt\""));
    let (s, reloaded) = app.get_text(&c, &app.url("/recovery-codes")).await;
    assert_eq!((s, &reloaded), (200, &html), "a reload shows the same codes");
    // The set-up page sent again from the history adds nothing.
    let r = c
        .post(app.url("/two-factor/app"))
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store()
            .user_by_email_key("ana@example.com")
            .await
            .unwrap()
            .unwrap()
            .factor_count,
        1
    );
    let r = c
        .post(app.url("/recovery-codes"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let next = r.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(next, "/recovery-codes");
    let r = c.get(app.url("/recovery-codes")).send().await.unwrap();
    assert_eq!(r.status(), 303, "saved: never shown again");
    onboarding_pages_in_spanish(&app, &c, &csrf).await;
    let (s, html) = app.get_text(&c, &app.url("/")).await;
    assert_eq!(s, 200);
    assert!(html.contains("¡Hola, Ana Pérez!"), "{html}");
    assert!(html.contains("Preferencias de la cuenta"));

    // Sign out ends the session on the server.
    let r = c
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login?notice=signed_out");
    let (s, _) = app.get_text(&c, &app.url("/")).await;
    assert_eq!(s, 303);
    app.stop().await;
}

#[tokio::test]
async fn identifier_first_sign_in_page() {
    let app = spawn_app().await;
    app.signed_up("page@example.com").await;
    let c = app.client();
    let (_, html) = app.get_text(&c, &app.url("/login?lang=en")).await;
    assert!(html.contains("Sign in") && html.contains(">Next<") && html.contains("Create your account"));
    assert!(html.contains("autocomplete=\"username\""));
    let csrf = csrf_from(&html);
    // Any well-formed email goes on to the password step: nothing tells whether it exists.
    let r = c
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "nobody@example.com")])
        .send()
        .await
        .unwrap();
    let unknown = r.text().await.unwrap();
    let r = c
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "page@example.com")])
        .send()
        .await
        .unwrap();
    let known = r.text().await.unwrap();
    assert_eq!(
        unknown
            .replace("nobody@example.com", "X")
            .replace("nobody%40example.com", "X"),
        known
            .replace("page@example.com", "X")
            .replace("page%40example.com", "X")
    );
    assert!(known.contains("autocomplete=\"current-password\"") && known.contains("readonly"));
    assert!(known.contains("value=\"page@example.com\""));

    let r = c
        .post(app.url("/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "page@example.com"),
            ("password", "wrong-password-x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("The email or the password is not correct."));
    assert!(html.contains("value=\"page@example.com\""), "the email stays");

    let r = c
        .post(app.url("/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "page@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login/second-factor");
    let (_, html) = app.get_text(&c, &app.url("/login/second-factor")).await;
    assert!(html.contains("Enter the 6-digit code from your authenticator app."));
    assert!(html.contains("Remember this device") && html.contains("Try another method"));
    let (_, html) = app.get_text(&c, &app.url("/login/second-factor?choose=1")).await;
    assert!(html.contains("p***@example.com") && html.contains("Recovery code"));
    let code = app.next_totp("page@example.com");
    let r = c
        .post(app.url("/login/second-factor"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("method", "totp"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    app.stop().await;
}

#[tokio::test]
async fn every_page_renders_in_every_language() {
    let app = spawn_app().await;
    let signed = app.signed_up("all@example.com").await;
    let enrolling = app.confirmed("enroll@example.com").await;
    let staff = app.staff("console@example.com").await;
    app.signed_up("challenge@example.com").await;
    let challenged = app.client();
    let r = challenged
        .post(app.url("/api/v1/login"))
        .json(&serde_json::json!({"email": "challenge@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for lang in ["en", "es", "pt-BR"] {
        for (path, client) in [
            ("/two-factor", enrolling.clone()),
            ("/two-factor/app", enrolling.clone()),
            ("/two-factor/sms", enrolling.clone()),
            ("/settings/security/sms", signed.clone()),
            ("/login/second-factor", challenged.clone()),
            ("/login/second-factor?choose=1", challenged.clone()),
            ("/login/second-factor?method=recovery_code", challenged.clone()),
            ("/settings/security", signed.clone()),
            ("/settings/organization", signed.clone()),
            ("/staff", staff.clone()),
            ("/staff?q=example", staff.clone()),
            ("/staff/factor-resets", staff.clone()),
            ("/staff/organizations?q=a", staff.clone()),
            ("/staff/users/new", staff.clone()),
            ("/staff/api-keys", staff.clone()),
            ("/staff/audit", staff.clone()),
            ("/staff/settings", staff.clone()),
            ("/settings/organization/audit", signed.clone()),
            ("/settings/security/app", signed.clone()),
            ("/settings/security/activate", signed.clone()),
            ("/recover", app.client()),
            ("/recover/complete?token=nope", app.client()),
            ("/invite?token=nope", app.client()),
            ("/signup", app.client()),
            ("/login", app.client()),
            ("/login?notice=signed_in_elsewhere", app.client()),
            ("/terms", app.client()),
            ("/dev/outbox", app.client()),
            ("/", signed.clone()),
            ("/no-such-page", app.client()),
        ] {
            let r = client
                .get(app.url(&format!(
                    "{path}{}lang={lang}",
                    if path.contains('?') { "&" } else { "?" }
                )))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(
                status == 200
                    || (path == "/no-such-page" && status == 404)
                    || (path.contains("token=nope") && status == 422),
                "{path} {lang}: {status}"
            );
            let html = r.text().await.unwrap();
            assert!(html.starts_with("<!doctype html>"), "{path} {lang}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path} {lang}");
            // No message id leaked untranslated.
            for marker in [
                "signup-",
                "login-",
                "field-",
                "notice-",
                "error-",
                "outbox-",
                "home-",
                "twofa-",
                "security-",
                "challenge-",
                "method-",
                "recovery-",
                "activate-",
                "nav-",
                "settings-",
            ] {
                assert!(
                    !html.contains(&format!(">{marker}")),
                    "{path} {lang}: untranslated {marker}"
                );
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn language_query_sets_the_cookie() {
    let app = spawn_app().await;
    let c = app.client();
    let r = c.get(app.url("/login?lang=pt-BR")).send().await.unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("umbral_lang=pt-BR")
    );
    let (_, html) = app.get_text(&c, &app.url("/login")).await;
    assert!(html.contains("Entrar"), "the cookie keeps the language");
    let r = app
        .client()
        .get(app.url("/login"))
        .header("accept-language", "es-MX,es;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Iniciar sesión"));
    let _ = TestApp::signup_body;
    app.stop().await;
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in the page"))
        .to_string()
}

/// After 2FA: the company data (the country taken from the phone, the tax id checked), the
/// checkout (a declined card, then a paid one), "Your account is ready!" and "First steps".
async fn onboarding_pages_in_spanish(app: &umbral_testkit::TestApp, c: &reqwest::Client, csrf: &str) {
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/onboarding/company");
    let (s, html) = app.get_text(c, &app.url("/onboarding/company")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Incluir datos adicionales") && html.contains("Añadir datos"));
    assert!(
        html.contains("<option value=\"AR\" data-tax-label=\"CUIT\" selected>"),
        "the phone's country"
    );
    let mut form = vec![
        ("csrf_token", csrf),
        ("country", "AR"),
        ("tax_id", "33-69345023-8"),
        ("legal_name", "Acme SA"),
        ("employees", "11-50"),
        ("segment", "technology"),
        ("postal_code", "C1425DKA"),
        ("street", "Av. Santa Fe"),
        ("number", "1234"),
        ("city", "Buenos Aires"),
        ("state", "CABA"),
    ];
    let r = c
        .post(app.url("/onboarding/company"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("El dígito verificador no coincide") && html.contains("value=\"Acme SA\""));
    form[2] = ("tax_id", "33-69345023-9");
    let r = c
        .post(app.url("/onboarding/company"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/checkout");
    let (_, html) = app.get_text(c, &app.url("/checkout")).await;
    assert!(html.contains("Elige un plan"), "no plan was picked at sign-up");
    let (_, html) = app
        .get_text(c, &app.url("/checkout?plan=starter&period=month"))
        .await;
    assert!(
        html.contains("Resumen de compra") && html.contains("ARS\u{a0}$\u{a0}29.000,00"),
        "{html}"
    );
    let pay = |number: &'static str, key: String| {
        let form = vec![
            ("csrf_token", csrf.to_string()),
            ("plan", "starter".to_string()),
            ("period", "month".to_string()),
            ("idempotency_key", key),
            ("card_number", number.to_string()),
            ("card_exp_month", "12".to_string()),
            ("card_exp_year", "2040".to_string()),
            ("card_cvc", "123".to_string()),
        ];
        c.post(app.url("/checkout")).form(&form).send()
    };
    let r = pay("4000 0000 0000 0002", hidden_value(&html, "idempotency_key"))
        .await
        .unwrap();
    assert_eq!(r.status(), 402);
    let html = r.text().await.unwrap();
    assert!(html.contains("Tu tarjeta fue rechazada"), "{html}");
    // The number stays in the form to fix a typo (the CVC does not); the expiry boxes speak
    // Spanish.
    assert!(html.contains("value=\"4000 0000 0000 0002\"") && !html.contains("value=\"123\""));
    assert!(html.contains("placeholder=\"AAAA\""), "{html}");
    let key = hidden_value(&html, "idempotency_key");
    let r = pay("4242 4242 4242 4242", key.clone()).await.unwrap();
    assert_eq!(r.headers()["location"], "/checkout/done");
    // A second press of "Pay" charges nothing more.
    let r = pay("4242 4242 4242 4242", key).await.unwrap();
    assert_eq!(r.headers()["location"], "/checkout/done");
    let (_, html) = app.get_text(c, &app.url("/checkout/done")).await;
    assert!(
        html.contains("¡Listo! Tu cuenta está creada.") && html.contains("Plan Inicial"),
        "{html}"
    );
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/first-steps");
    let (_, html) = app.get_text(c, &app.url("/first-steps")).await;
    assert!(html.contains("Primeros pasos") && html.contains("Saltar"));
    let r = c
        .post(app.url("/first-steps/skip"))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

/// A path that starts with two slashes is this site's page, never a link to another site: the
/// language links are built from the path with one leading slash.
#[tokio::test]
async fn language_links_never_point_to_another_site() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    for path in ["//evil.example/", "/%5Cevil.example/x"] {
        let (status, html) = app.get_text(&c, &app.url(path)).await;
        assert_eq!(status, 404, "{path}");
        // As the browser reads the attribute.
        let html = html.replace("&#x2f;", "/").replace("&#x5c;", "\\");
        assert!(html.contains("lang=es"), "{path}: no language links");
        assert!(
            !html.contains("href=\"//") && !html.contains("href=\"/\\"),
            "{path}: {html}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_dial_prefix_list_names_every_region_in_the_persons_language_the_likely_one_first() {
    let app = spawn_app().await;
    let c = app.client();
    let options = |html: &str| -> Vec<String> {
        let select = html.split("id=\"phone_country\"").nth(1).unwrap();
        let select = select.split("</select>").next().unwrap();
        select
            .split("<option ")
            .skip(1)
            .map(|o| o.split("</option>").next().unwrap().to_string())
            .collect()
    };
    // A Mexican browser reading Spanish: Mexico first and chosen, then the rest by name.
    let r = c
        .get(app.url("/signup"))
        .header("accept-language", "es-MX,es;q=0.9")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let list = options(&html);
    assert!(
        list.len() > 230,
        "every region libphonenumber knows: {}",
        list.len()
    );
    assert_eq!(list[0], "value=\"MX\" selected>México +52");
    assert!(list.contains(&"value=\"DE\">Alemania +49".to_string()));
    assert!(list.contains(&"value=\"JP\">Japón +81".to_string()));
    assert_eq!(list[1], "value=\"AF\">Afganistán +93");
    // Portuguese without a region: Brazil, and names in Portuguese.
    let (_, html) = app.get_text(&c, &app.url("/signup?lang=pt-BR")).await;
    let list = options(&html);
    assert_eq!(list[0], "value=\"BR\" selected>Brasil +55");
    assert!(list.contains(&"value=\"DE\">Alemanha +49".to_string()));

    // A number of a country outside the old short list signs up.
    let csrf = csrf_from(&html);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("name", "Kenji Sato"),
        ("email", "kenji@example.com"),
        ("phone_country", "JP"),
        ("phone", "090-1234-5678"),
        ("password", PASSWORD),
        ("accept_terms", "yes"),
    ];
    let r = c.post(app.url("/signup")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    app.stop().await;
}
