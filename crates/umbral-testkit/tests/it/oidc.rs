//! Single sign-on, driven by relying parties nobody here wrote (Authlib), against a real server.

use umbral_testkit::umbral_core::ports::AuditStore;

use serde_json::Value;
use umbral_testkit::{TestApp, spawn_app};

const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// Runs the Authlib relying party (off the runtime, which serves its requests); its JSON.
async fn rp(args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/referees/oidc_rp.py");
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg("-W")
            .arg("ignore::DeprecationWarning")
            .arg(script)
            .args(&args)
            .output()
            .expect("python3")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the relying party failed (pip install authlib requests): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The relying party checks `exp` and `iat` against the wall clock: the test clock is moved to it.
#[allow(clippy::disallowed_methods)]
fn to_wall_clock(app: &TestApp) {
    use umbral_testkit::umbral_core::clock::Clock;
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    app.clock.advance_ms(wall - app.clock.now_ms());
}

async fn client(app: &TestApp, public: bool) -> (String, String) {
    let r = app
        .umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &umbral_testkit::umbral_core::oidc::client::NewClient {
                name: "Billing".into(),
                redirect_uris: vec![REDIRECT.into()],
                public,
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    (r.client.id, r.secret.unwrap_or_else(|| "-".into()))
}

/// The whole code flow with PKCE for a person signed in already: no page at all, straight back
/// with a code; Authlib exchanges it, checks the ID token on the JWKS, and reads userinfo.
#[tokio::test]
async fn oidcc_server_code_flow_with_a_confidential_and_a_public_client() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let issuer = app.base.clone();
    for public in [false, true] {
        let (id, secret) = client(&app, public).await;
        let start = rp(&["start", &issuer, &id, &secret, REDIRECT]).await;
        let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with(REDIRECT), "{location}");
        let done = rp(&[
            "finish",
            &issuer,
            &id,
            &secret,
            REDIRECT,
            &location,
            start["state"].as_str().unwrap(),
            start["nonce"].as_str().unwrap(),
            start["verifier"].as_str().unwrap(),
        ])
        .await;
        let claims = &done["id_token"];
        assert_eq!(claims["iss"], issuer.as_str());
        assert_eq!(claims["aud"], id.as_str());
        assert_eq!(claims["email"], "ana@example.com");
        assert_eq!(claims["email_verified"], true);
        assert_eq!(claims["org"]["role"], "owner");
        assert!(
            claims["amr"].as_array().unwrap().iter().any(|m| m == "mfa"),
            "{claims}"
        );
        assert_eq!(done["header"]["alg"], "RS256");
        assert_eq!(done["userinfo"]["sub"], claims["sub"]);
        assert_eq!(done["userinfo"]["email"], "ana@example.com");
        assert_eq!(done["rotated"], true);
        assert_eq!(done["userinfo_after_refresh"]["sub"], claims["sub"]);
        assert_eq!(done["revoke_status"], 200);
        assert_eq!(done["refresh_after_revoke"], "invalid_grant");
        // The code is single use: a second exchange is refused.
        let code = url_param(&location, "code");
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", id.as_str()),
            ("code_verifier", start["verifier"].as_str().unwrap()),
        ];
        if !public {
            form.push(("client_secret", secret.as_str()));
        }
        let again = reqwest::Client::new()
            .post(app.url("/oauth2/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 400);
        assert_eq!(again.headers()["cache-control"], "no-store");
        assert_eq!(again.json::<Value>().await.unwrap()["error"], "invalid_grant");
    }
    app.stop().await;
}

/// Where the end of a sign-in sends the browser: a page that leaves at once (a form's answer
/// cannot redirect to another origin), its `refresh` address.
async fn way_back(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    page.split("content=\"0;url=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("{page}"))
        .replace("&amp;", "&")
}

fn url_param(url: &str, name: &str) -> String {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// Someone not signed in signs in first, with the request waiting on the server; then back to the
/// application. `prompt=none` answers `login_required` without a page.
#[tokio::test]
async fn oidcc_prompt_none_not_logged_in_and_sign_in_first() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let _ = app.signed_up("bea@example.com").await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let url = start["url"].as_str().unwrap();
    let stranger = app.client();
    let r = stranger.get(format!("{url}&prompt=none")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap();
    assert!(
        back.starts_with(REDIRECT) && back.contains("error=login_required"),
        "{back}"
    );
    assert_eq!(url_param(back, "state"), start["state"].as_str().unwrap());
    // Not signed in: to the sign-in page, the request kept on the server.
    let r = stranger.get(url).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    // Signs in (password and the authenticator app), then lands back in the application.
    let c = app.client();
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(
        app.login(&c, "bea@example.com", umbral_testkit::journey::PASSWORD)
            .await
            .status(),
        200
    );
    app.pass_totp(&c, "bea@example.com").await;
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/oauth2/authorize/continue");
    let r = c.get(app.url("/oauth2/authorize/continue")).send().await.unwrap();
    let back = way_back(r).await;
    assert!(back.starts_with(REDIRECT) && back.contains("code="), "{back}");
    let done = rp(&[
        "finish",
        &app.base,
        &id,
        &secret,
        REDIRECT,
        &back,
        start["state"].as_str().unwrap(),
        start["nonce"].as_str().unwrap(),
        start["verifier"].as_str().unwrap(),
    ])
    .await;
    assert_eq!(done["id_token"]["email"], "bea@example.com");
    // The waiting request is used up: home is home again.
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}

/// An unknown client or an unregistered redirect URI is shown on a page, never redirected.
#[tokio::test]
async fn oidcc_ensure_registered_redirect_uri() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let (id, _) = client(&app, false).await;
    let c = app.client();
    for q in [
        format!("client_id={id}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&scope=openid&state=s"),
        "client_id=nobody&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&response_type=code&scope=openid&state=s".to_string(),
    ] {
        let r = c
            .get(app.url(&format!("/oauth2/authorize?{q}")))
            .header("accept-language", "es")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.headers().get("location").is_none());
        let page = r.text().await.unwrap();
        assert!(page.contains("Esta aplicación no puede iniciar tu sesión"), "{page}");
    }
    app.stop().await;
}

async fn token(app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url("/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (r.status().as_u16(), r.json().await.unwrap())
}

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

/// Runs the code flow for a signed-in browser and exchanges the code; the token answer.
async fn code_flow(app: &TestApp, browser: &reqwest::Client, id: &str, secret: &str, extra: &str) -> Value {
    let start = rp(&["start", &app.base, id, secret, REDIRECT]).await;
    let r = browser
        .get(format!("{}{extra}", start["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let code = url_param(&location, "code");
    assert!(!code.is_empty(), "{location}");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", start["verifier"].as_str().unwrap()),
        ("client_id", id),
        ("client_secret", secret),
    ];
    let (status, body) = token(app, &form).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// RP-initiated logout: with the ID token as a hint and a registered address the session ends
/// at once and the browser goes back with the state; without a hint the person is asked first
/// (a link elsewhere cannot sign them out), and an unregistered address changes nothing.
#[tokio::test]
async fn oidcc_rp_initiated_logout() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let r = app
        .umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &umbral_testkit::umbral_core::oidc::client::NewClient {
                name: "Billing".into(),
                redirect_uris: vec![REDIRECT.into()],
                post_logout_redirect_uris: vec!["http://127.0.0.1:9/bye".into()],
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let (id, secret) = (r.client.id, r.secret.unwrap());
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

/// `prompt=login` and `max_age=0` make a signed-in person sign in again before the code.
#[tokio::test]
async fn oidcc_prompt_login_and_max_age_ask_for_a_new_sign_in() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    let (id, secret) = client(&app, false).await;
    for extra in ["&prompt=login", "&max_age=0"] {
        app.clock.advance_secs(1);
        let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
        let url = format!("{}{extra}", start["url"].as_str().unwrap());
        let r = browser.get(&url).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/login", "{extra}");
        // The old sign-in is over.
        assert_eq!(
            browser.get(app.url("/api/v1/me")).send().await.unwrap().status(),
            401
        );
        // Coming back without signing in does not give a code.
        let r = browser
            .get(app.url("/oauth2/authorize/continue"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/login");
        app.clock.advance_secs(1);
        assert_eq!(
            app.login(&browser, "ana@example.com", umbral_testkit::journey::PASSWORD)
                .await
                .status(),
            200
        );
        app.pass_totp(&browser, "ana@example.com").await;
        let r = browser
            .get(app.url("/oauth2/authorize/continue"))
            .send()
            .await
            .unwrap();
        let back = way_back(r).await;
        assert!(back.contains("code="), "{extra}: {back}");
    }
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
    app.umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &umbral_testkit::umbral_core::oidc::client::NewClient {
                name: "SPA".into(),
                redirect_uris: vec!["https://spa.example.com/cb".into()],
                public: true,
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
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

/// The console registers applications (the secret shown once), makes a new secret (the old one
/// stops working) and switches an application off (no more codes, nor refresh tokens).
#[tokio::test]
async fn staff_register_rotate_and_switch_off_applications() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let staff = app.staff("staff@example.com").await;
    let (status, page) = app.get_text(&staff, "/staff/clients?lang=es").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nueva aplicación"), "{page}");
    let csrf = umbral_testkit::csrf_from(&page);
    // A bad address names the field, in the page's language, and registers nothing.
    let r = staff
        .post(app.url("/staff/clients?lang=es"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Billing"),
            ("redirect_uris", "http://billing.example.com/cb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Cada dirección debe ser https"), "{page}");
    assert!(page.contains("billing.example.com"), "what was typed is kept");
    assert!(
        app.umbral()
            .oidc_clients(&umbral_testkit::umbral_core::staff::ApiActor::command_line())
            .await
            .unwrap()
            .is_empty()
    );
    let r = staff
        .post(app.url("/staff/clients?lang=en"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Billing"),
            ("redirect_uris", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let grab = |id: &str| {
        page.split(&format!("id=\"{id}\">"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_string()
    };
    let (id, secret) = (grab("new-client-id"), grab("new-client-secret"));
    assert!(page.contains("Copy the secret now"));
    // It works.
    let browser = app.signed_up("ana@example.com").await;
    code_flow(&app, &browser, &id, &secret, "").await;
    // A new secret: the old one no longer authenticates.
    let r = staff
        .post(app.url(&format!("/staff/clients/{id}/rotate-secret")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    let new_secret = page
        .split("id=\"new-client-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert_ne!(new_secret, secret);
    let tokens = code_flow(&app, &browser, &id, &new_secret, "").await;
    let f = [
        ("grant_type", "authorization_code"),
        ("code", "x"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(token(&app, &f).await.0, 401);
    // Switched off: no codes (an error page), no refresh.
    let r = staff
        .post(app.url(&format!("/staff/clients/{id}/disable")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/staff/clients?notice=client_disabled");
    let start = rp(&["start", &app.base, &id, &new_secret, REDIRECT]).await;
    let r = browser.get(start["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let f = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ("client_id", id.as_str()),
        ("client_secret", new_secret.as_str()),
    ];
    assert_eq!(token(&app, &f).await.0, 401);
    // The audit log says who did what.
    let events: Vec<String> = app
        .store()
        .list_audit(&Default::default(), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    for e in ["client.created", "client.secret_rotated", "client.disabled"] {
        assert!(events.iter().any(|x| x == e), "{e}: {events:?}");
    }
    app.stop().await;
}

/// The admin API manages applications with a staff-wide key; an organization's key may not.
#[tokio::test]
async fn the_admin_api_manages_applications() {
    use umbral_testkit::umbral_core::staff::ApiScope;
    let app = spawn_app().await;
    let (_, key) = app
        .umbral()
        .create_api_key("tools", ApiScope::Staff)
        .await
        .unwrap();
    let _owner = app.signed_up("owner@example.com").await;
    let org = app.org_of("owner@example.com").await;
    let (_, org_key) = app
        .umbral()
        .create_api_key("org tools", ApiScope::Organization(org))
        .await
        .unwrap();
    let c = reqwest::Client::new();
    let call = async |method: reqwest::Method, path: &str, key: &str, body: Option<Value>| {
        let mut r = c.request(method, app.url(path)).bearer_auth(key);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let body = serde_json::json!({"name": "Billing", "redirect_uris": [REDIRECT]});
    let (s, _) = call(
        reqwest::Method::POST,
        "/api/v1/admin/clients",
        &org_key,
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let (s, bad) = call(
        reqwest::Method::POST,
        "/api/v1/admin/clients",
        &key,
        Some(serde_json::json!({"name": "", "redirect_uris": ["http://x.example/cb"]})),
    )
    .await;
    assert_eq!(s, 422, "{bad}");
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "redirect_uris"]);
    let (s, made) = call(reqwest::Method::POST, "/api/v1/admin/clients", &key, Some(body)).await;
    assert_eq!(s, 201, "{made}");
    let id = made["client_id"].as_str().unwrap().to_string();
    assert!(made["client_secret"].as_str().unwrap().len() > 20);
    let (s, list) = call(reqwest::Method::GET, "/api/v1/admin/clients", &key, None).await;
    assert_eq!(s, 200);
    assert_eq!(list["clients"][0]["client_id"], id.as_str());
    assert!(list["clients"][0].get("client_secret").is_none());
    let path = format!("/api/v1/admin/clients/{id}");
    let (s, changed) = call(
        reqwest::Method::PATCH,
        &path,
        &key,
        Some(serde_json::json!({"name": "Billing 2", "redirect_uris": [REDIRECT, "https://billing.example.com/cb"], "active": false})),
    )
    .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(
        (changed["name"].as_str(), changed["active"].as_bool()),
        (Some("Billing 2"), Some(false))
    );
    let (s, _) = call(
        reqwest::Method::PATCH,
        &path,
        &key,
        Some(serde_json::json!({"redirect_uris": []})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, secret) = call(reqwest::Method::POST, &format!("{path}/secret"), &key, None).await;
    assert_eq!(s, 200);
    assert_ne!(secret["client_secret"], made["client_secret"]);
    let (s, _) = call(reqwest::Method::DELETE, &path, &key, None).await;
    assert_eq!(s, 204);
    let (s, _) = call(reqwest::Method::DELETE, "/api/v1/admin/clients/nope", &key, None).await;
    assert_eq!(s, 404);
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
    let r = app
        .umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &umbral_testkit::umbral_core::oidc::client::NewClient {
                name: "Billing".into(),
                redirect_uris: vec![REDIRECT.into()],
                backchannel_logout_uri: Some(uri),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let (id, secret) = (r.client.id, r.secret.unwrap());
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

/// The sign-in an application sends someone to speaks the language it asked for (`ui_locales`)
/// and has the address it knows filled in (`login_hint`); `prompt=create` opens the sign-up.
#[tokio::test]
async fn ui_locales_login_hint_and_prompt_create() {
    let app = spawn_app().await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let url = start["url"].as_str().unwrap();
    let c = app.client();
    let r = c
        .get(format!(
            "{url}&ui_locales=fr%20pt-BR%20es&login_hint=bea%40example.com"
        ))
        .send()
        .await
        .unwrap();
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/login?lang=pt-BR&email=bea%40example.com");
    let (_, page) = app.get_text(&c, &to).await;
    assert!(page.contains("Entrar"), "{page}");
    assert!(page.contains("value=\"bea@example.com\""), "{page}");
    let r = c.get(format!("{url}&prompt=create")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/signup");
    app.stop().await;
}

/// A third-party application is allowed once per person and scopes (asked again for more, or
/// with `prompt=consent`); refused, it gets `access_denied`; "Connected applications" in
/// Security lists it and removes its access.
#[tokio::test]
async fn consent_for_third_party_applications() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let r = app
        .umbral()
        .register_client(
            &umbral_testkit::umbral_core::staff::ApiActor::command_line(),
            &umbral_testkit::umbral_core::oidc::client::NewClient {
                name: "Partner CRM".into(),
                redirect_uris: vec![REDIRECT.into()],
                third_party: true,
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    let (id, secret) = (r.client.id, r.secret.unwrap());
    let browser = app.signed_up("ana@example.com").await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let url = start["url"].as_str().unwrap().to_string();
    // Never allowed: prompt=none cannot ask.
    let r = browser.get(format!("{url}&prompt=none")).send().await.unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=consent_required")
    );
    // Asked, in the person's language; refused.
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/oauth2/consent");
    let (status, page) = app.get_text(&browser, "/oauth2/consent?lang=es").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("¿Permitir a Partner CRM?") && page.contains("Tu correo electrónico"),
        "{page}"
    );
    let csrf = umbral_testkit::csrf_from(&page);
    let r = browser
        .post(app.url("/oauth2/consent"))
        .form(&[("csrf_token", csrf.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = way_back(r).await;
    assert!(
        back.starts_with(REDIRECT) && back.contains("error=access_denied"),
        "{back}"
    );
    // Asked again; allowed: the code.
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/oauth2/consent");
    let r = browser
        .post(app.url("/oauth2/consent"))
        .form(&[("csrf_token", csrf.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert!(way_back(r).await.contains("code="));
    // Remembered: no question the next time; asked again with prompt=consent.
    let tokens = code_flow(&app, &browser, &id, &secret, "").await;
    // Someone else's application gets no refresh token without `offline_access`.
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let r = browser.get(format!("{url}&prompt=consent")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/oauth2/consent");
    // Listed in Security; removed: asked again, and its refresh token no longer works.
    let (_, page) = app.get_text(&browser, "/settings/security?lang=en").await;
    assert!(
        page.contains("Connected applications") && page.contains("Partner CRM"),
        "{page}"
    );
    let r = browser
        .post(app.url("/settings/security/applications/revoke"))
        .form(&[("csrf_token", csrf.as_str()), ("client", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/settings/security?notice=app_revoked");
    let (_, page) = app.get_text(&browser, "/settings/security?lang=en").await;
    assert!(!page.contains("Partner CRM"), "{page}");
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/oauth2/consent");
    app.stop().await;
}
