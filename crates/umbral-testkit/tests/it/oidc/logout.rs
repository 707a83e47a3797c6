//! Signing out: RP-initiated and back-channel logout.

use super::*;

/// RP-initiated logout: with the ID token as a hint and a registered address the session ends
/// at once and the browser goes back with the state; without a hint the person is asked first
/// (a link elsewhere cannot sign them out), and an unregistered address changes nothing.
#[tokio::test]
async fn oidcc_rp_initiated_logout() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = register(
        &app,
        NewClient {
            name: "Billing".into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec!["http://127.0.0.1:9/bye".into()],
            ..Default::default()
        },
    )
    .await;
    let tokens = code_flow(&app, &browser, &id, &secret, "").await;
    let hint = tokens["id_token"].as_str().unwrap();
    // An unregistered address: an error page, nothing changes.
    let r = browser
        .get(app.url(&format!(
            "/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.next_step(&browser, None).await, "done");
    // No hint: asked first; a post without the form's token changes nothing.
    let (status, page) = app.get_text(&browser, "/oauth2/logout?lang=en").await;
    assert_eq!(status, 200);
    assert!(page.contains("Do you want to sign out?"), "{page}");
    let r = browser
        .post(app.url("/oauth2/logout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.next_step(&browser, None).await, "done");
    // With the hint: signed out at once, back to the application with the state.
    let r = browser
        .get(app.url(&format!(
            "/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=xyz"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "http://127.0.0.1:9/bye?state=xyz");
    assert_eq!(
        browser.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        401
    );
    // What the session gave ends with it.
    let f = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(token(&app, &f).await.1["error"], "invalid_grant");
    let r = reqwest::Client::new()
        .get(app.url("/oauth2/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

/// An application's back-channel logout URI: a server that keeps every logout token posted.
async fn logout_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::routing::post;
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/backchannel",
        post(move |body: String| {
            let keep = keep.clone();
            let failures = failures.clone();
            async move {
                // The first delivery fails: Umbral must try again.
                if failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                keep.lock().unwrap().push(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/backchannel", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// Signing out anywhere signs out everywhere: every application the session reached gets a
/// logout token (Back-Channel Logout 1.0), signed with the published keys, naming the session
/// its ID token named; a failed delivery is tried again.
#[tokio::test]
async fn oidcc_backchannel_logout() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let (uri, got) = logout_receiver().await;
    let (id, secret) = register(
        &app,
        NewClient {
            name: "Billing".into(),
            redirect_uris: vec![REDIRECT.into()],
            backchannel_logout_uri: Some(uri),
            ..Default::default()
        },
    )
    .await;
    let browser = app.signed_up("ana@example.com").await;
    let tokens = code_flow(&app, &browser, &id, &secret, "").await;
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(app.url("/oauth2/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let read = |token: &str| {
        let header = jsonwebtoken::decode_header(token).unwrap();
        let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.set_audience(&[id.as_str()]);
        v.set_issuer(&[app.base.as_str()]);
        v.leeway = 300;
        let data =
            jsonwebtoken::decode::<Value>(token, &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(), &v)
                .unwrap();
        (header, data.claims)
    };
    let (_, id_claims) = read(tokens["id_token"].as_str().unwrap());
    // Nothing is sent while the session lives.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(got.lock().unwrap().is_empty());
    let r = browser.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    // The first delivery fails; the next one, 5 s later, arrives.
    let mut body = None;
    for _ in 0..40 {
        app.clock.advance_secs(1);
        if let Some(b) = got.lock().unwrap().first().cloned() {
            body = Some(b);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let body = body.expect("no logout token arrived");
    let token = body.strip_prefix("logout_token=").unwrap();
    let (header, claims) = read(token);
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    assert_eq!(claims["sid"], id_claims["sid"]);
    assert_eq!(claims["sub"], id_claims["sub"]);
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims.get("nonce").is_none());
    // Delivered once.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(got.lock().unwrap().len(), 1);
    app.stop().await;
}
