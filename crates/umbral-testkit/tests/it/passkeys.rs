//! Passkeys over HTTP with a software authenticator nobody here wrote (`webauthn-authenticator-rs`,
//! `SoftPasskey`): added from Security, the second factor after the password, the sign-in without
//! one, and every answer that must be refused without a change.

use serde_json::{Value, json};
use tokio::net::TcpListener;
use umbral_core::ports::AuditStore;
use umbral_testkit::{PASSWORD, TestApp, csrf_from, spawn_app_on};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

/// A server whose `public_url` is `http://localhost:<port>` (browsers refuse passkeys for an IP
/// address), and that origin.
async fn app_with_passkeys() -> (TestApp, Url) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("http://localhost:{port}");
    let public = origin.clone();
    let app = spawn_app_on(listener, move |s| s.public_url = public).await;
    (app, Url::parse(&origin).unwrap())
}

/// The page's CSRF token (and the cookie that goes with it).
async fn csrf(app: &TestApp, c: &reqwest::Client, page: &str) -> String {
    let (s, html) = app.get_text(c, page).await;
    assert_eq!(s, 200, "{page}: {html}");
    csrf_from(&html)
}

/// A ceremony's options, as the page's script asks for them.
async fn options(app: &TestApp, c: &reqwest::Client, path: &str, token: &str) -> (u16, Value) {
    let r = c
        .post(app.url(path))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap_or_default())
}

fn answer(ceremony: &Value, credential: Value) -> String {
    json!({"ceremony": ceremony, "credential": credential}).to_string()
}

/// Adds a passkey from Security; returns its credential id (base64url).
async fn add_passkey(app: &TestApp, c: &reqwest::Client, key: &mut SoftPasskey, origin: &Url) -> String {
    let token = csrf(app, c, "/settings/security/passkey").await;
    let (s, o) = options(app, c, "/passkeys/register/options", &token).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(
        o["options"]["publicKey"]["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    assert_eq!(o["options"]["publicKey"]["rp"]["id"], "localhost");
    let ccr: CreationChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
    let reg = key.do_registration(origin.clone(), ccr).unwrap();
    let id = reg.id.clone();
    let (s, location, body) = post_form(
        app,
        c,
        "/settings/security/passkey",
        &[
            ("csrf_token", &token),
            ("name", "Laptop"),
            ("passkey", &answer(&o["ceremony"], json!(reg))),
        ],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (303, "/settings/security?notice=factor_added"),
        "{body}"
    );
    id
}

/// Signs in with the password; the session waits at the second factor.
async fn password_step(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.client();
    let r = app.login(&c, email, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["next"], "second_factor");
    c
}

/// The options and the authenticator's answer for the second factor.
async fn second_factor_answer(
    app: &TestApp,
    c: &reqwest::Client,
    key: &mut SoftPasskey,
    origin: &Url,
) -> (String, String) {
    let token = csrf(app, c, "/login/second-factor?method=passkey").await;
    let (s, o) = options(app, c, "/login/second-factor/passkey/options", &token).await;
    assert_eq!(s, 200, "{o}");
    let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
    let cred = key.do_authentication(origin.clone(), rcr).unwrap();
    (token, answer(&o["ceremony"], json!(cred)))
}

/// The options of a sign-in without a password, and the authenticator's answer. The software
/// authenticator keeps no discoverable credentials, so the test names the one it holds.
async fn sign_in_answer(
    app: &TestApp,
    c: &reqwest::Client,
    key: &mut SoftPasskey,
    origin: &Url,
    credential_id: &str,
) -> (String, String) {
    let token = csrf(app, c, "/login").await;
    let (s, mut o) = options(app, c, "/login/passkey/options", &token).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["options"]["publicKey"]["allowCredentials"], json!([]));
    assert_eq!(o["options"]["publicKey"]["userVerification"], "required");
    o["options"]["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": credential_id}]);
    let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
    let cred = key.do_authentication(origin.clone(), rcr).unwrap();
    (token, answer(&o["ceremony"], json!(cred)))
}

/// Changes a ceremony's options before the authenticator sees them; gives the origin it runs at.
type Tamper<'a> = Box<dyn Fn(&mut Value) -> Url + 'a>;

/// Audit events of this name whose details say `with`.
async fn events(app: &TestApp, name: &str, with: &str) -> usize {
    let filter = umbral_core::audit::AuditFilter {
        event: Some(name.to_string()),
        ..Default::default()
    };
    let found = app.store().list_audit(&filter, 100).await.unwrap();
    found.iter().filter(|e| e.details.contains(with)).count()
}

/// A person who signed up, set an authenticator app up and finished the sign-up steps; signed
/// in on the client returned.
async fn member(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.confirmed(email).await;
    app.enroll_totp(&c, email).await;
    app.onboarded(&c).await;
    c
}

#[tokio::test]
async fn a_passkey_is_a_second_factor_and_a_sign_in_of_its_own() {
    let (app, origin) = app_with_passkeys().await;
    let email = "ana@example.com";
    let c = member(&app, email).await;
    let mut key = SoftPasskey::new(true);
    let id = add_passkey(&app, &c, &mut key, &origin).await;
    let (_, page) = app.get_text(&c, "/settings/security").await;
    assert!(page.contains("Laptop"), "the passkey is listed by its name");

    // After the password: the passkey is offered first, and answers the challenge.
    let c = password_step(&app, email).await;
    let (_, page) = app.get_text(&c, "/login/second-factor").await;
    assert!(page.contains("data-passkey=\"second_factor\""), "{page}");
    let (token, ans) = second_factor_answer(&app, &c, &mut key, &origin).await;
    let form = [
        ("csrf_token", token.as_str()),
        ("method", "passkey"),
        ("passkey", &ans),
    ];
    let (s, location, body) = post_form(&app, &c, "/login/second-factor", &form).await;
    assert_eq!((s, location.as_str()), (303, "/"), "{body}");
    let (s, _) = app.get_text(&c, "/api/v1/me").await;
    assert_eq!(s, 200);

    // The same answer again, from another sign-in: the ceremony was spent.
    let c2 = password_step(&app, email).await;
    let token2 = csrf(&app, &c2, "/login/second-factor?method=passkey").await;
    let form = [
        ("csrf_token", token2.as_str()),
        ("method", "passkey"),
        ("passkey", &ans),
    ];
    let (s, _, body) = post_form(&app, &c2, "/login/second-factor", &form).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("expired or was already used"), "{body}");

    // Without a password: the passkey says who it is, and counts as both factors.
    let c3 = app.client();
    let (token, ans) = sign_in_answer(&app, &c3, &mut key, &origin, &id).await;
    let (s, location, body) = post_form(
        &app,
        &c3,
        "/login/passkey",
        &[("csrf_token", &token), ("passkey", &ans)],
    )
    .await;
    assert_eq!((s, location.as_str()), (303, "/"), "{body}");
    let (s, me) = app.get_text(&c3, "/api/v1/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(events(&app, "session.started", "via=passkey").await, 1);
}

#[tokio::test]
async fn bad_passkey_answers_are_refused_and_change_nothing() {
    let (app, origin) = app_with_passkeys().await;
    let email = "bea@example.com";
    let c = member(&app, email).await;
    let mut key = SoftPasskey::new(true);
    let id = add_passkey(&app, &c, &mut key, &origin).await;
    let login = |form: Vec<(&'static str, String)>| {
        let c = app.client();
        let app = &app;
        async move {
            let token = csrf(app, &c, "/login").await;
            let mut form = form;
            form.push(("csrf_token", token));
            let r = c
                .post(app.url("/login/passkey"))
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // Malformed, empty, unknown ceremony: a message on the sign-in page, never a 5xx.
    for (bad, says) in [
        ("{", "could not be read"),
        ("", "Use the button"),
        (
            r#"{"ceremony":"nope","credential":{"id":"x","rawId":"eA","type":"public-key","response":{"authenticatorData":"eA","clientDataJSON":"eA","signature":"eA"}}}"#,
            "expired or was already used",
        ),
    ] {
        let (s, body) = login(vec![("passkey", bad.to_string())]).await;
        assert_eq!(s, 422, "{bad}: {body}");
        assert!(body.contains(says), "{bad}: {body}");
    }

    // Another origin, another relying party id, no user verification.
    let allow = json!([{"type": "public-key", "id": id}]);
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "origin",
            Box::new(|_| Url::parse("http://localhost:9").unwrap()),
            "could not be verified",
        ),
        (
            "rp id",
            Box::new(|o| {
                o["publicKey"]["rpId"] = json!("evil.example");
                Url::parse("https://evil.example").unwrap()
            }),
            "could not be verified",
        ),
        (
            "uv",
            Box::new(|o| {
                o["publicKey"]["userVerification"] = json!("discouraged");
                origin.clone()
            }),
            "must check it is you",
        ),
    ];
    for (what, change, says) in cases {
        let c = app.client();
        let token = csrf(&app, &c, "/login").await;
        let (_, mut o) = options(&app, &c, "/login/passkey/options", &token).await;
        o["options"]["publicKey"]["allowCredentials"] = allow.clone();
        let at = change(&mut o["options"]);
        let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
        let cred = key.do_authentication(at, rcr).unwrap();
        let form = [
            ("csrf_token", token.as_str()),
            ("passkey", &answer(&o["ceremony"], json!(cred))),
        ];
        let (s, location, body) = post_form(&app, &c, "/login/passkey", &form).await;
        assert_eq!((s, location.as_str()), (422, ""), "{what}: {body}");
        assert!(body.contains(says), "{what}: {body}");
        let (s, _) = app.get_text(&c, "/api/v1/me").await;
        assert_eq!(s, 401, "{what}: not signed in");
    }

    // A refused answer spends its ceremony: a right answer to it afterwards is refused too.
    let c = app.client();
    let token = csrf(&app, &c, "/login").await;
    let (_, mut o) = options(&app, &c, "/login/passkey/options", &token).await;
    o["options"]["publicKey"]["allowCredentials"] = allow.clone();
    let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
    let wrong = key
        .do_authentication(Url::parse("http://localhost:9").unwrap(), rcr.clone())
        .unwrap();
    let right = key.do_authentication(origin.clone(), rcr).unwrap();
    for (cred, says) in [
        (wrong, "could not be verified"),
        (right, "expired or was already used"),
    ] {
        let form = [
            ("csrf_token", token.as_str()),
            ("passkey", &answer(&o["ceremony"], json!(cred))),
        ];
        let (s, _, body) = post_form(&app, &c, "/login/passkey", &form).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains(says), "{body}");
    }

    // A credential this server never saw.
    let mut stranger = SoftPasskey::new(true);
    let other = app_with_passkeys().await;
    let oc = member(&other.0, "eve@example.com").await;
    let foreign = add_passkey(&other.0, &oc, &mut stranger, &other.1).await;
    let c = app.client();
    let token = csrf(&app, &c, "/login").await;
    let (_, mut o) = options(&app, &c, "/login/passkey/options", &token).await;
    o["options"]["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": foreign}]);
    let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone()).unwrap();
    let cred = stranger.do_authentication(origin.clone(), rcr).unwrap();
    let form = [
        ("csrf_token", token.as_str()),
        ("passkey", &answer(&o["ceremony"], json!(cred))),
    ];
    let (s, _, body) = post_form(&app, &c, "/login/passkey", &form).await;
    assert_eq!(s, 422);
    assert!(body.contains("not registered here"), "{body}");
}

#[tokio::test]
async fn a_counter_that_goes_backwards_is_refused_and_audited() {
    let (app, origin) = app_with_passkeys().await;
    let email = "cid@example.com";
    let c = member(&app, email).await;
    let mut key = SoftPasskey::new(true);
    let id = add_passkey(&app, &c, &mut key, &origin).await;
    // Two signatures, the older one (lower counter) sent last: a copy of the authenticator.
    let (c1, c2) = (app.client(), app.client());
    let (t1, older) = sign_in_answer(&app, &c1, &mut key, &origin, &id).await;
    let (t2, newer) = sign_in_answer(&app, &c2, &mut key, &origin, &id).await;
    let (s, _, body) = post_form(
        &app,
        &c2,
        "/login/passkey",
        &[("csrf_token", &t2), ("passkey", &newer)],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (s, _, body) = post_form(
        &app,
        &c1,
        "/login/passkey",
        &[("csrf_token", &t1), ("passkey", &older)],
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("looks like a copy"), "{body}");
    assert_eq!(
        events(&app, "passkey.counter_regressed", "passkey.counter").await,
        1
    );
    let (s, _) = app.get_text(&c1, "/api/v1/me").await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn a_ceremony_started_on_one_node_is_answered_on_another_and_only_once() {
    let (app, origin) = app_with_passkeys().await;
    let email = "dan@example.com";
    let c = member(&app, email).await;
    let mut key = SoftPasskey::new(true);
    let id = add_passkey(&app, &c, &mut key, &origin).await;
    let node = app.another_node().await;
    // The options from this node, the answer to the other (behind one load balancer).
    let c = app.client();
    let (token, ans) = sign_in_answer(&app, &c, &mut key, &origin, &id).await;
    let form = [("csrf_token", token.as_str()), ("passkey", ans.as_str())];
    let r = c
        .post(format!("{}/login/passkey", node.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    // The same answer to the first node: spent.
    let again = app.client();
    let token = csrf(&app, &again, "/login").await;
    let form = [("csrf_token", token.as_str()), ("passkey", ans.as_str())];
    let (s, _, body) = post_form(&app, &again, "/login/passkey", &form).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("expired or was already used"), "{body}");
    node.stop().await;
}

#[tokio::test]
async fn one_client_cannot_fill_the_ceremonies_table() {
    let (app, _) = app_with_passkeys().await;
    let c = app.client();
    let token = csrf(&app, &c, "/login").await;
    // Far more than page loads need, then refused for a while (each ceremony is a row).
    let mut answered = 0;
    let refused = loop {
        let (s, o) = options(&app, &c, "/login/passkey/options", &token).await;
        if s != 200 || answered == 2000 {
            break (s, o);
        }
        answered += 1;
    };
    assert_eq!(refused.0, 429, "{}", refused.1);
    assert!(answered >= 600, "{answered}");
}

#[tokio::test]
async fn a_server_reached_by_an_ip_address_offers_no_passkeys() {
    // The test servers' public_url is http://127.0.0.1:<port>.
    let app = umbral_testkit::spawn_app().await;
    assert!(app.umbral().passkeys_off().is_some());
    let c = app.client();
    let (_, page) = app.get_text(&c, "/login").await;
    assert!(!page.contains("data-passkey"), "no passkey form");
    assert!(page.contains("autocomplete=\"username\""));
    let token = csrf_from(&page);
    let (s, o) = options(&app, &c, "/login/passkey/options", &token).await;
    assert_eq!(s, 422, "{o}");
    assert_eq!(o["error"]["code"], "passkey.unavailable");
}

/// A sign-in with a passkey obeys the client address's limit (the one the password's failures
/// from that address fill), read with the passkey in one query; failures counted against the
/// account do not block it.
#[tokio::test]
async fn a_blocked_address_waits_for_a_passkey_sign_in_too_but_a_blocked_account_does_not() {
    use umbral_core::auth::throttle::{account_key, ip_key};
    use umbral_core::ports::ThrottleStore;
    let (app, origin) = app_with_passkeys().await;
    let email = "ivo@example.com";
    let c = member(&app, email).await;
    let mut key = SoftPasskey::new(true);
    let id = add_passkey(&app, &c, &mut key, &origin).await;
    let now = {
        use umbral_core::clock::Clock;
        app.clock.now_ms()
    };
    let policy = umbral_core::policy::ThrottlePolicy::default();
    // Failures well past a limit's free ones, counted as the password's sign-in counts them.
    let fail = |limit: String, free: i64| {
        let app = &app;
        let window = policy.window.as_ms();
        async move {
            for _ in 0..free + 10 {
                app.store().throttle_failure(&limit, now, window).await.unwrap();
            }
        }
    };
    fail(account_key(email), policy.account_free_failures).await;
    let (c1, c2) = (app.client(), app.client());
    let (t, a) = sign_in_answer(&app, &c1, &mut key, &origin, &id).await;
    let form = [("csrf_token", t.as_str()), ("passkey", a.as_str())];
    let (s, _, body) = post_form(&app, &c1, "/login/passkey", &form).await;
    assert_eq!(s, 303, "the account's failures do not block its passkey: {body}");
    fail(ip_key("127.0.0.1"), policy.ip_free_failures).await;
    let (t, a) = sign_in_answer(&app, &c2, &mut key, &origin, &id).await;
    let form = [("csrf_token", t.as_str()), ("passkey", a.as_str())];
    let (s, _, body) = post_form(&app, &c2, "/login/passkey", &form).await;
    assert_eq!(s, 429, "{body}");
    assert!(body.contains("Too many attempts"), "{body}");
    let (s, _) = app.get_text(&c2, "/api/v1/me").await;
    assert_eq!(s, 401, "not signed in");
}
