//! The keys: each application's choice of algorithm, applications that prove themselves with a
//! signed assertion (`private_key_jwt`, Authlib's), and rotation.

use umbral_testkit::umbral_core::oidc::keys::KeyAlg;

use super::*;

fn header(jwt: &str) -> Value {
    jsonwebtoken::decode_header(jwt)
        .map(|h| serde_json::to_value(h).unwrap())
        .unwrap()
}

async fn jwks(app: &TestApp) -> (Value, String) {
    let r = reqwest::get(app.url("/oauth2/jwks")).await.unwrap();
    let cache = r.headers()["cache-control"].to_str().unwrap().to_string();
    (r.json().await.unwrap(), cache)
}

fn kids(set: &Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// A key pair made by Authlib; its private JWK and the public JWKS.
async fn app_key(alg: &str) -> (String, Value) {
    let k = rp(&["keygen", alg]).await;
    (k["private"].to_string(), k["jwks"].clone())
}

/// Serves a JWKS at an address, as an application publishes its keys.
async fn jwks_server(set: Value) -> String {
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || async move { axum::Json(set) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Each application gets ID tokens in its algorithm (RS256, ES256, EdDSA), verified by Authlib on
/// the JWKS; an application without a secret proves itself with an assertion signed by a key it
/// registered, inline or at an address. An assertion is good for one request, for its own
/// client only.
#[tokio::test]
async fn private_key_jwt_and_the_clients_own_id_token_algorithm() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let issuer = app.base.clone();
    for (key_alg, id_alg, by_address) in [
        ("ES256", KeyAlg::EdDsa, false),
        ("EdDSA", KeyAlg::Es256, true),
        ("RS256", KeyAlg::Rs256, false),
    ] {
        let (private, public) = app_key(key_alg).await;
        let (jwks, jwks_uri) = if by_address {
            (None, Some(jwks_server(public).await))
        } else {
            (Some(public.to_string()), None)
        };
        let (id, secret) = register(
            &app,
            NewClient {
                name: "Reports".into(),
                redirect_uris: vec![REDIRECT.into()],
                id_token_alg: id_alg,
                jwks,
                jwks_uri,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(secret, "-", "a keyed client gets no secret");
        let done = keyed_sign_in(&app, &browser, &id, &private).await;
        assert_eq!(done["header"]["alg"], id_alg.as_str(), "{key_alg}");
        assert_eq!(done["id_token"]["email"], "ana@example.com");
        assert_eq!(done["rotated"], true);
        assert_eq!(done["refresh_after_revoke"], "invalid_grant", "{done}");

        // One assertion, one request: the second use is refused, as is a request with none.
        let assertion = rp(&["assertion", &issuer, &id, &private]).await["assertion"]
            .as_str()
            .unwrap()
            .to_string();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", "not-a-token"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
        ];
        let (status, body) = token(&app, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        let (status, body) = token(&app, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{body}"
        );
        let (status, _) = token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", &id),
            ],
        )
        .await;
        assert_eq!(status, 401, "a keyed client without its assertion");
    }
    // Another client's assertion does not open this one.
    let (private, public) = app_key("ES256").await;
    let (mine, _) = register(
        &app,
        NewClient {
            name: "Mine".into(),
            redirect_uris: vec![REDIRECT.into()],
            jwks: Some(public.to_string()),
            ..Default::default()
        },
    )
    .await;
    let (other, _) = client(&app, false).await;
    let assertion = rp(&["assertion", &issuer, &mine, &private]).await["assertion"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", &other),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ],
    )
    .await;
    assert_eq!(status, 401);
    // A private key, or a public client with keys, is refused at registration.
    let (private_jwk, _) = app_key("ES256").await;
    for bad in [
        NewClient {
            name: "Leaky".into(),
            redirect_uris: vec![REDIRECT.into()],
            jwks: Some(format!(r#"{{"keys": [{private_jwk}]}}"#)),
            ..Default::default()
        },
        NewClient {
            name: "Both".into(),
            redirect_uris: vec![REDIRECT.into()],
            jwks: Some(public.to_string()),
            public: true,
            ..Default::default()
        },
    ] {
        let Err(e) = app
            .umbral()
            .register_client(&ApiActor::command_line(), &bad, &Default::default())
            .await
        else {
            panic!("registered");
        };
        assert!(format!("{e:?}").contains("jwks"), "{e:?}");
    }
    app.stop().await;
}

/// `umbral keys rotate`: the new keys are published at once and sign one JWKS cache lifetime
/// later (plus the minute every node takes to read them); the old ones stay published until
/// what they signed has expired. The JWKS answer's `max-age` is that cache lifetime.
/// Signs in through a keyed client with Authlib's assertion; the tokens' answer.
async fn keyed_sign_in(app: &TestApp, browser: &reqwest::Client, id: &str, private: &str) -> Value {
    let secret = format!("jwk:{private}");
    let start = rp(&["start", &app.base, id, &secret, REDIRECT]).await;
    let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    // Authlib's assertion lives an hour from the wall clock's now; the server refuses one that
    // lives longer than that from its own now: on a loaded machine this test's frozen clock
    // falls more than the 30 s of leeway behind.
    to_wall_clock(app);
    rp(&[
        "finish",
        &app.base,
        id,
        &secret,
        REDIRECT,
        &location,
        start["state"].as_str().unwrap(),
        start["nonce"].as_str().unwrap(),
        start["verifier"].as_str().unwrap(),
    ])
    .await
}

/// Staff register a keyed application in the console and move its keys to an address; it never
/// gets a secret, and it cannot be left without keys.
#[tokio::test]
async fn the_console_registers_and_changes_an_applications_keys() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let staff = app.staff("staff@example.com").await;
    let browser = app.signed_up("ana@example.com").await;
    let (private, public) = app_key("ES256").await;
    let (_, page) = app.get_text(&staff, "/staff/clients?lang=es").await;
    assert!(page.contains("Claves en lugar de un secreto"), "{page}");
    let csrf = umbral_testkit::csrf_from(&page);
    let r = staff
        .post(app.url("/staff/clients?lang=es"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Reports"),
            ("redirect_uris", REDIRECT),
            ("jwks", &public.to_string()),
            ("jwks_uri", ""),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Se identifica con sus propias claves"), "{page}");
    assert!(!page.contains("new-client-secret") && !page.contains("rotate-secret"));
    let id = page
        .split("id=\"new-client-id\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        keyed_sign_in(&app, &browser, &id, &private).await["rotated"],
        true
    );

    let (_, page) = app
        .get_text(&staff, &format!("/staff/clients/{id}?lang=en"))
        .await;
    assert!(
        page.contains("private_key_jwt") && page.contains("Public keys (JWKS)"),
        "{page}"
    );
    let post = |jwks: String, jwks_uri: String| {
        staff
            .post(app.url(&format!("/staff/clients/{id}?lang=en")))
            .form(&[
                ("csrf_token", csrf.clone()),
                ("name", "Reports".into()),
                ("redirect_uris", REDIRECT.into()),
                ("jwks", jwks),
                ("jwks_uri", jwks_uri),
            ])
            .send()
    };
    // Both fields blank: refused on the field, nothing changed.
    let r = post(" ".into(), String::new()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Give the application&#x27;s public keys")
    );
    let kept = app
        .umbral()
        .oidc_clients(&ApiActor::command_line())
        .await
        .unwrap();
    assert!(kept[0].jwks.is_some() && kept[0].jwks_uri.is_none());
    // The keys move to an address the application serves: a new key there works at once.
    let (private, public) = app_key("EdDSA").await;
    let url = jwks_server(public).await;
    let r = post(String::new(), url.clone()).await.unwrap();
    assert_eq!(r.headers()["location"], "/staff/clients?notice=client_changed");
    let moved = app
        .umbral()
        .oidc_clients(&ApiActor::command_line())
        .await
        .unwrap();
    assert_eq!(
        (moved[0].jwks.as_deref(), moved[0].jwks_uri.as_deref()),
        (None, Some(url.as_str()))
    );
    assert!(moved[0].secret_hash.is_none());
    let refused = app
        .umbral()
        .rotate_client_secret(&ApiActor::command_line(), &id, &Default::default())
        .await;
    assert!(
        matches!(
            refused,
            Err(umbral_testkit::umbral_core::CoreError::Validation(_))
        ),
        "a keyed client gets no secret"
    );
    assert_eq!(
        keyed_sign_in(&app, &browser, &id, &private).await["rotated"],
        true
    );
    app.stop().await;
}

#[tokio::test]
async fn keys_are_published_before_they_sign_and_after_they_stop() {
    let app = spawn_app_with(|s| s.oidc.jwks_max_age_minutes = 5).await;
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let (first, cache) = jwks(&app).await;
    assert_eq!(cache, "public, max-age=300");
    assert_eq!(kids(&first).len(), 3, "RS256, ES256 and EdDSA: {first}");
    let before = code_flow(&app, &browser, &id, &secret, "").await;
    let old_kid = header(before["id_token"].as_str().unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(kids(&first).contains(&old_kid));
    assert_eq!(header(before["access_token"].as_str().unwrap())["alg"], "ES256");

    let made = app.umbral().rotate_keys(false).await.unwrap();
    assert_eq!(made.len(), 3);
    let (during, _) = jwks(&app).await;
    assert_eq!(kids(&during).len(), 6, "new keys are published at once");
    let still = code_flow(&app, &browser, &id, &secret, "").await;
    assert_eq!(
        header(still["id_token"].as_str().unwrap())["kid"],
        old_kid.as_str(),
        "not signing yet"
    );

    app.clock.advance_secs(5 * 60 + 61);
    let after = code_flow(&app, &browser, &id, &secret, "").await;
    let new_kid = header(after["id_token"].as_str().unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(made.iter().any(|k| k.kid == new_kid), "the new key signs now");
    assert_eq!(
        kids(&jwks(&app).await.0).len(),
        6,
        "the old keys stay while their tokens live"
    );

    // Past the longest token lifetime (10 minutes) and a node's minute, the old keys go.
    app.clock.advance_secs(11 * 60 + 61);
    let (last, _) = jwks(&app).await;
    assert_eq!(kids(&last).len(), 3, "{last}");
    assert!(!kids(&last).contains(&old_kid));

    // On a schedule: nothing is due before the rotation period.
    assert!(app.umbral().rotate_keys(true).await.unwrap().is_empty());
    app.clock.advance_secs(91 * 86_400);
    assert_eq!(app.umbral().rotate_keys(true).await.unwrap().len(), 3);
    app.stop().await;
}

/// Two nodes on one database: a code node A issued is exchanged on node B, whose ID token A's
/// JWKS verifies; a refresh token sent to both at once is spent once (the other answer is the
/// same successor, the retry rule); an access token from one node works on the other.
#[tokio::test]
async fn two_nodes_share_keys_clients_codes_and_refresh_tokens() {
    let app = spawn_app().await;
    let b = app.another_node().await;
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let code = url_param(&location, "code");
    let http = reqwest::Client::new();
    let post = |base: &str, form: Vec<(&'static str, String)>| {
        let req = http
            .post(format!("{base}/oauth2/token"))
            .basic_auth(&id, Some(&secret))
            .form(&form);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, tokens) = post(
        &b.base,
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", start["verifier"].as_str().unwrap().into()),
        ],
    )
    .await;
    assert_eq!(status, 200, "node B exchanges node A's code: {tokens}");
    let kid = header(tokens["id_token"].as_str().unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        kids(&jwks(&app).await.0).contains(&kid),
        "node A publishes node B's signing key"
    );
    // The access token of node B's answer reads userinfo on both nodes.
    let info = http
        .get(app.url("/oauth2/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let on_b = http
        .get(format!("{}/oauth2/userinfo", b.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((info.status().as_u16(), on_b.status().as_u16()), (200, 200));
    // One refresh token, both nodes at once: one rotation, both answers name its successor.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let pair = || {
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh.clone()),
        ]
    };
    let ((sa, ra), (sb, rb)) = tokio::join!(post(&app.base, pair()), post(&b.base, pair()));
    assert_eq!((sa, sb), (200, 200), "{ra} {rb}");
    assert_eq!(
        ra["refresh_token"], rb["refresh_token"],
        "one winner: the same successor"
    );
    // The code is spent for both nodes (and its reuse revokes what it gave).
    let (status, again) = post(
        &app.base,
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", start["verifier"].as_str().unwrap().into()),
        ],
    )
    .await;
    assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")));
    b.stop().await;
    app.stop().await;
}
