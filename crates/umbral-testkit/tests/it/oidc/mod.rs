//! Single sign-on, driven by relying parties nobody here wrote (Authlib), against a real server.

mod clients;
mod enterprise;
mod keys;
mod logout;
mod rust_rp;
mod tokens;
mod upstream;
mod upstream_tokens;

use umbral_testkit::umbral_core::oidc::client::NewClient;
use umbral_testkit::umbral_core::ports::AuditStore;
use umbral_testkit::umbral_core::staff::ApiActor;

use serde_json::Value;
use umbral_testkit::{TestApp, spawn_app, spawn_app_with};

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
    // Forward only: a test that moved the clock on keeps what it did.
    app.clock.advance_ms((wall - app.clock.now_ms()).max(0));
}

/// Registers an application from the command line; its id and secret ("-" for a public one).
async fn register(app: &TestApp, new: NewClient) -> (String, String) {
    let r = app
        .umbral()
        .register_client(&ApiActor::command_line(), &new, &Default::default())
        .await
        .unwrap();
    (r.client.id, r.secret.unwrap_or_else(|| "-".into()))
}

async fn client(app: &TestApp, public: bool) -> (String, String) {
    let new = NewClient {
        name: "Billing".into(),
        redirect_uris: vec![REDIRECT.into()],
        public,
        ..Default::default()
    };
    register(app, new).await
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

/// `acr_values=mfa` for a person with one factor and none to give (two-step verification
/// optional, never set up): Security, with the request waiting and saying why; once an
/// authenticator app is set up (which renews the session with it), back to the application
/// with a code whose ID token says two factors. `prompt=none` answers `interaction_required`.
#[tokio::test]
async fn acr_values_mfa_has_the_person_add_a_second_factor_first() {
    let app = spawn_app_with(|s| s.two_factor.policy = umbral::config::TwoFactorChoice::Optional).await;
    let browser = app.confirmed("solo@example.com").await;
    app.onboarded(&browser).await;
    let (id, secret) = client(&app, false).await;
    let start = rp(&["start", &app.base, &id, &secret, REDIRECT]).await;
    let url = format!("{}&acr_values=mfa", start["url"].as_str().unwrap());
    let r = browser.get(format!("{url}&prompt=none")).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        url_param(&location, "error"),
        "interaction_required",
        "{location}"
    );
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/settings/security");
    let (_, page) = app.get_text(&browser, "/settings/security?lang=es").await;
    assert!(page.contains("pide la verificación en dos pasos"), "{page}");
    app.enroll_totp(&browser, "solo@example.com").await;
    let (_, page) = app.get_text(&browser, "/settings/security?lang=es").await;
    assert!(page.contains("Continuar a la aplicación"), "{page}");
    let r = browser
        .get(app.url("/oauth2/authorize/continue"))
        .send()
        .await
        .unwrap();
    let location = way_back(r).await;
    let code = url_param(&location, "code");
    assert!(!code.is_empty(), "{location}");
    let (status, tokens) = token(
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", start["verifier"].as_str().unwrap()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let claims: Value =
        jsonwebtoken::dangerous::insecure_decode_claims(tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["acr"], "mfa", "{claims}");
    assert!(
        claims["amr"].as_array().unwrap().iter().any(|m| m == "otp"),
        "{claims}"
    );
    app.stop().await;
}
