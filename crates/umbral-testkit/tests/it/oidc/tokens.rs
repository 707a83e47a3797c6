//! Refresh tokens, introspection and CORS.

use super::*;

/// Refresh tokens rotate; the spent one presented again by the same client within 30 s, while
/// its successor is unused, gets that successor back (a retry, a second tab); presented after
/// the successor was used, it revokes the whole family.
#[tokio::test]
async fn oidcc_refresh_token_rotation_grace_and_reuse() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let code = url_param(&location, "code");
    let verifier = start["verifier"].as_str().unwrap();
    let creds = [("client_id", id.as_str()), ("client_secret", secret.as_str())];
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    form.extend(creds);
    let (status, first) = token(&app, &form).await;
    assert_eq!(status, 200, "{first}");
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |t: &str| {
        let mut f = vec![("grant_type", "refresh_token"), ("refresh_token", t)];
        f.extend(creds);
        f.into_iter().map(|(k, v)| (k, v.to_string())).collect::<Vec<_>>()
    };
    let call = async |t: &str| {
        let f = refresh(t);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        token(&app, &f).await
    };
    let (s, second) = call(&r1).await;
    assert_eq!(s, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    // The same spent token again, at once: the same successor.
    let (s, again) = call(&r1).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["refresh_token"], r2.as_str());
    // Another client cannot use it.
    let (other, other_secret) = client(&app, false).await;
    let f = [
        ("grant_type", "refresh_token"),
        ("refresh_token", r2.as_str()),
        ("client_id", other.as_str()),
        ("client_secret", other_secret.as_str()),
    ];
    assert_eq!(token(&app, &f).await.1["error"], "invalid_grant");
    // The successor is used; the spent token comes back: the family is revoked.
    let (s, third) = call(&r2).await;
    assert_eq!(s, 200, "{third}");
    let r3 = third["refresh_token"].as_str().unwrap().to_string();
    let (s, reuse) = call(&r1).await;
    assert_eq!((s, reuse["error"].as_str()), (400, Some("invalid_grant")));
    let (s, dead) = call(&r3).await;
    assert_eq!(
        (s, dead["error"].as_str()),
        (400, Some("invalid_grant")),
        "the family was not revoked"
    );
    // Outside the grace window a spent token is a reuse too.
    let fresh = code_flow(&app, &browser, &id, &secret, "").await;
    let f1 = fresh["refresh_token"].as_str().unwrap().to_string();
    let (_, f2) = call(&f1).await;
    app.clock.advance_secs(31);
    assert_eq!(call(&f1).await.1["error"], "invalid_grant");
    assert_eq!(
        call(f2["refresh_token"].as_str().unwrap()).await.1["error"],
        "invalid_grant"
    );
    // Signing out ends what the session gave.
    let g = code_flow(&app, &browser, &id, &secret, "").await;
    let r = browser.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        call(g["refresh_token"].as_str().unwrap()).await.1["error"],
        "invalid_grant"
    );
    app.stop().await;
}

/// Spent refresh tokens are deleted once their grace window has passed (by the family's next
/// rotation, or by the hourly upkeep), and so is everything of an ended session; a deleted spent token replayed still revokes its family (its name is part
/// of the token) and is audited.
#[tokio::test]
async fn spent_refresh_tokens_are_purged_and_a_purged_one_replayed_revokes_its_family() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let call = async |t: &str| {
        let f = [
            ("grant_type", "refresh_token"),
            ("refresh_token", t),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ];
        token(&app, &f).await
    };
    let umbral = &app.running.as_ref().unwrap().umbral;
    let first = code_flow(&app, &browser, &id, &secret, "").await;
    let mut spent = vec![first["refresh_token"].as_str().unwrap().to_string()];
    for _ in 0..3 {
        let (s, next) = call(spent.last().unwrap()).await;
        assert_eq!(s, 200, "{next}");
        spent.push(next["refresh_token"].as_str().unwrap().to_string());
    }
    let live = spent.pop().unwrap();
    assert_eq!(
        umbral.purge_refresh_tokens().await.unwrap(),
        0,
        "within the grace window"
    );
    app.clock.advance_secs(31);
    assert_eq!(
        umbral.purge_refresh_tokens().await.unwrap(),
        3,
        "the three spent tokens"
    );
    // The live one still works; a purged one replayed revokes the family.
    let (s, next) = call(&live).await;
    assert_eq!(s, 200, "{next}");
    let live = next["refresh_token"].as_str().unwrap().to_string();
    let (s, reuse) = call(&spent[0]).await;
    assert_eq!(
        (s, reuse["error"].as_str()),
        (400, Some("invalid_grant")),
        "{reuse}"
    );
    assert!(
        reuse["error_description"]
            .as_str()
            .unwrap()
            .contains("used already"),
        "{reuse}"
    );
    assert_eq!(
        call(&live).await.1["error"],
        "invalid_grant",
        "the family lives on"
    );
    let events = app.store().list_audit(&Default::default(), 50).await.unwrap();
    assert!(events.iter().any(|e| e.event == "oidc.refresh_reused"));
    // A token never issued, in a family's shape, is only unknown.
    let forged = format!("{}.{}", "ab".repeat(32), "x".repeat(43));
    assert!(
        call(&forged).await.1["error_description"]
            .as_str()
            .unwrap()
            .contains("unknown")
    );

    // Revoking a spent token deleted since (RFC 7009) still revokes its family.
    let fam = code_flow(&app, &browser, &id, &secret, "").await;
    let spent_one = fam["refresh_token"].as_str().unwrap().to_string();
    let (_, next) = call(&spent_one).await;
    let live = next["refresh_token"].as_str().unwrap().to_string();
    app.clock.advance_secs(31);
    assert!(umbral.purge_refresh_tokens().await.unwrap() >= 1);
    let r = reqwest::Client::new()
        .post(app.url("/oauth2/revoke"))
        .form(&[
            ("token", spent_one.as_str()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        call(&live).await.1["error"],
        "invalid_grant",
        "the family was not revoked"
    );

    // A signed-out session's tokens are deleted, the unused one included.
    code_flow(&app, &browser, &id, &secret, "").await;
    let r = browser.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    app.clock.advance_secs(31);
    assert!(umbral.purge_refresh_tokens().await.unwrap() >= 1);
    assert_eq!(umbral.purge_refresh_tokens().await.unwrap(), 0);
    app.stop().await;
}

/// A resource server introspects access tokens (RFC 7662): active while the session lives;
/// an ID token or anything else is not an access token.
#[tokio::test]
async fn introspection_follows_the_session() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let tokens = code_flow(&app, &browser, &id, &secret, "").await;
    let ask = async |token: &str, id: &str, secret: &str| {
        let r = reqwest::Client::new()
            .post(app.url("/oauth2/introspect"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    let (s, v) = ask(tokens["access_token"].as_str().unwrap(), &id, &secret).await;
    assert_eq!(s, 200);
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["client_id"], id.as_str());
    assert!(v["scope"].as_str().unwrap().contains("openid"));
    assert_eq!(
        ask(tokens["id_token"].as_str().unwrap(), &id, &secret).await.1["active"],
        false
    );
    assert_eq!(ask("garbage", &id, &secret).await.1["active"], false);
    assert_eq!(ask("x", &id, "wrong").await.0, 401);
    let r = browser.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        ask(tokens["access_token"].as_str().unwrap(), &id, &secret)
            .await
            .1["active"],
        false
    );
    app.stop().await;
}

/// Browser applications call the token endpoints from their own origins only: CORS answers the
/// origins of registered redirect URIs, never `*`, never another site.
#[tokio::test]
async fn cors_for_the_clients_own_origins_only() {
    let app = spawn_app().await;
    let spa = NewClient {
        name: "SPA".into(),
        redirect_uris: vec!["https://spa.example.com/cb".into()],
        public: true,
        ..Default::default()
    };
    register(&app, spa).await;
    let c = reqwest::Client::new();
    for path in ["/oauth2/token", "/oauth2/userinfo", "/oauth2/revoke"] {
        let r = c
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", "https://spa.example.com")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "https://spa.example.com"
        );
        assert!(r.headers().get("access-control-allow-credentials").is_none());
        let r = c
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.headers().get("access-control-allow-origin").is_none());
    }
    // A token request from the page: answered (here with an error) and readable by that origin.
    let r = c
        .post(app.url("/oauth2/token"))
        .header("origin", "https://spa.example.com")
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://spa.example.com"
    );
    let r = c
        .post(app.url("/oauth2/token"))
        .header("origin", "https://evil.example")
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    app.stop().await;
}

/// `oidcc-codereuse`: a code presented again is refused, and the tokens its first use gave are
/// revoked with it: the refresh token, and the access token (userinfo refuses it).
#[tokio::test]
async fn oidcc_codereuse_revokes_what_the_code_gave() {
    let app = spawn_app().await;
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
    let code = url_param(r.headers()["location"].to_str().unwrap(), "code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", start["verifier"].as_str().unwrap()),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (status, first) = token(&app, &form).await;
    assert_eq!(status, 200, "{first}");
    let userinfo = || {
        reqwest::Client::new()
            .get(app.url("/oauth2/userinfo"))
            .bearer_auth(first["access_token"].as_str().unwrap())
            .send()
    };
    assert_eq!(userinfo().await.unwrap().status(), 200);
    let (status, again) = token(&app, &form).await;
    assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")));
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (status, body) = token(&app, &refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    app.stop().await;
}
