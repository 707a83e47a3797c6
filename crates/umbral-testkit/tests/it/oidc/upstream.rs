//! Signing in with an upstream provider: a second real Umbral server is the provider (through
//! its own OpenID Connect endpoints), reached by the `openidconnect` crate.

use tokio::net::TcpListener;
use umbral::config::{IdentityProviderSettings, Secret};
use umbral_testkit::spawn_app_on;

use super::*;

/// The provider (`idp`, on the wall clock its ID tokens are checked against) and the server
/// people sign in to (`app`), which knows the provider as `corp`.
async fn pair() -> (TestApp, TestApp) {
    let idp = spawn_app().await;
    to_wall_clock(&idp);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (client_id, secret) = register(
        &idp,
        NewClient {
            name: "Umbral downstream".into(),
            redirect_uris: vec![format!("http://127.0.0.1:{port}/login/idp/corp/callback")],
            ..Default::default()
        },
    )
    .await;
    let issuer = idp.base.clone();
    let app = spawn_app_on(listener, move |s| {
        s.identity_providers = vec![IdentityProviderSettings {
            id: "corp".into(),
            kind: "oidc".into(),
            name: "Corp".into(),
            issuer,
            client_id,
            client_secret: Secret::from(secret.as_str()),
            scopes: vec!["email".into(), "profile".into()],
        }];
    })
    .await;
    (idp, app)
}

pub(super) fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Where a "Sign in with ..." answer sends the browser: a page that refreshes to the provider
/// (a form's redirect to another origin would break the pages' `form-action 'self'`).
pub(super) async fn to_provider(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    html.split("content=\"0;url=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{html}"))
        .replace("&amp;", "&")
}

/// "Sign in with Corp" from `page` in `browser` (of `app`), the person signed in at the provider
/// in `at_idp`: the provider's answer as `app` takes it.
async fn through(
    app: &TestApp,
    browser: &reqwest::Client,
    at_idp: &reqwest::Client,
    page: &str,
) -> reqwest::Response {
    let (_, html) = app.get_text(browser, page).await;
    assert!(html.contains("Corp"), "{html}");
    let csrf = umbral_testkit::csrf_from(&html);
    let r = browser
        .post(app.url("/login/idp/corp"))
        .form(&[("csrf_token", csrf.as_str()), ("plan", "")])
        .send()
        .await
        .unwrap();
    let to_idp = to_provider(r).await;
    assert!(
        to_idp.contains("code_challenge_method=S256") && to_idp.contains("nonce="),
        "{to_idp}"
    );
    let r = at_idp.get(&to_idp).send().await.unwrap();
    let back = location(&r);
    assert!(back.starts_with(&app.url("/login/idp/corp/callback")), "{back}");
    browser.get(&back).send().await.unwrap()
}

/// Posts to `action` what a person fills in on `page` (its CSRF token added).
pub(super) async fn submit(
    app: &TestApp,
    browser: &reqwest::Client,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (_, html) = app.get_text(browser, page).await;
    let csrf = umbral_testkit::csrf_from(&html);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(app.url(action)).form(&form).send().await.unwrap()
}

async fn me(app: &TestApp, browser: &reqwest::Client) -> (u16, Value) {
    let r = browser.get(app.url("/api/v1/me")).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// A new person: the provider's verified email makes the account after one short page (phone,
/// terms); then the usual steps. Coming back, the provider signs them in at once. The answer of
/// the provider is good once, and only in the browser that went there.
#[tokio::test]
async fn a_new_person_signs_up_and_comes_back_with_the_provider() {
    let (idp, app) = pair().await;
    let at_idp = idp.signed_up("ana@corp.example").await;
    let browser = app.client();
    let r = through(&app, &browser, &at_idp, "/signup?lang=es").await;
    assert_eq!(location(&r), "/signup/idp");
    let (status, page) = app.get_text(&browser, "/signup/idp?lang=es").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Termina de crear tu cuenta") && page.contains("ana@corp.example"),
        "{page}"
    );
    let csrf = umbral_testkit::csrf_from(&page);
    // Without the terms: the field is named, nothing is made.
    let form = |terms: bool| {
        let mut f = vec![
            ("csrf_token", csrf.clone()),
            ("name", "Ana Souza".to_string()),
            ("phone_country", "AR".to_string()),
            ("phone", "11 2345 6789".to_string()),
        ];
        if terms {
            f.push(("accept_terms", "yes".into()));
        }
        f
    };
    let r = browser
        .post(app.url("/signup/idp?lang=es"))
        .form(&form(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text().await.unwrap().contains("Ana Souza"),
        "what was typed is kept"
    );
    assert_eq!(me(&app, &browser).await.0, 401);
    let r = browser
        .post(app.url("/signup/idp?lang=es"))
        .form(&form(true))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/two-factor",
        "the usual steps follow (policy required)"
    );
    app.enroll_totp(&browser, "ana@corp.example").await;
    app.onboarded(&browser).await;
    let (status, body) = me(&app, &browser).await;
    assert_eq!(
        (status, body["email"].as_str()),
        (200, Some("ana@corp.example")),
        "{body}"
    );
    // The same answer again, or the profile page once more: spent.
    let r = browser
        .post(app.url("/signup/idp?lang=es"))
        .form(&form(true))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("venció o ya se usó"));

    // Back another day, in another browser: the provider instead of the password, then the
    // second factor as usual.
    let again = app.client();
    let r = through(&app, &again, &at_idp, "/login").await;
    assert_eq!(location(&r), "/login/second-factor");
    app.pass_totp(&again, "ana@corp.example").await;
    assert_eq!(me(&app, &again).await.1["email"], "ana@corp.example");
    // Umbral's own applications are told how: the provider, then a second factor.
    let (cid, csecret) = client(&app, false).await;
    let tokens = code_flow(&app, &again, &cid, &csecret, "").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            id_token.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["amr"],
        serde_json::json!(["fed", "otp", "mfa"]),
        "{claims}"
    );
    let events: Vec<String> = app
        .store()
        .audit_for_user(&body["id"].as_str().unwrap().to_string().into(), 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.event, e.details))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("user.signed_up") && e.contains("idp=corp")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("via=idp;idp=corp")),
        "{events:?}"
    );

    // A callback replayed, or brought to another browser: refused, nothing signed in.
    let third = app.client();
    let r = submit(&app, &third, "/login", "/login/idp/corp", &[]).await;
    let back = location(&at_idp.get(to_provider(r).await).send().await.unwrap());
    let thief = app.client();
    submit(&app, &thief, "/login", "/login/idp/corp", &[]).await;
    let r = thief.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("expired or was already used"));
    assert_eq!(me(&app, &thief).await.0, 401);
    // The rightful browser's answer was spent by that try: it starts again.
    let r = third.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(me(&app, &third).await.0, 401);
    idp.stop().await;
    app.stop().await;
}

/// The provider's email belongs to an account here: never linked by itself. Its owner signs in
/// with the password, then confirms; from then on the provider signs them in. Unlinking the
/// only way to sign in is refused.
#[tokio::test]
async fn an_existing_account_is_linked_only_after_its_password() {
    let (idp, app) = pair().await;
    let at_idp = idp.signed_up("bruno@corp.example").await;
    let owner = app.signed_up("bruno@corp.example").await;
    let browser = app.client();
    let r = through(&app, &browser, &at_idp, "/login").await;
    let to = location(&r);
    assert!(to.starts_with("/login?notice=idp_link&email=bruno"), "{to}");
    assert_eq!(
        me(&app, &browser).await.0,
        401,
        "the provider alone signs nobody in to it"
    );
    let (_, page) = app.get_text(&browser, &to).await;
    assert!(page.contains("already exists"), "{page}");
    // The password (the second factor, when the account has one, as usual).
    let csrf = umbral_testkit::csrf_from(&page);
    let r = browser
        .post(app.url("/login/password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "bruno@corp.example"),
            ("password", umbral_testkit::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login/second-factor");
    app.pass_totp(&browser, "bruno@corp.example").await;
    let r = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/login/idp/link");
    let (_, page) = app.get_text(&browser, "/login/idp/link").await;
    assert!(page.contains("Link Corp"), "{page}");
    let csrf = umbral_testkit::csrf_from(&page);
    let r = browser
        .post(app.url("/login/idp/link"))
        .form(&[("csrf_token", csrf.as_str()), ("decision", "link")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/settings/security?notice=idp_linked");
    assert_eq!(me(&app, &owner).await.0, 401, "linking ends the other sessions");
    let (_, page) = app.get_text(&browser, "/settings/security").await;
    assert!(
        page.contains("Linked: bruno@corp.example") && page.contains("Unlink"),
        "{page}"
    );

    let fresh = app.client();
    let r = through(&app, &fresh, &at_idp, "/login").await;
    assert_eq!(location(&r), "/login/second-factor");
    app.pass_totp(&fresh, "bruno@corp.example").await;
    assert_eq!(me(&app, &fresh).await.1["email"], "bruno@corp.example");

    // One session per person (the platform's rule): that sign-in ended the first browser's.
    assert_eq!(me(&app, &browser).await.0, 401);
    // Unlinked (the account has a password): the provider no longer signs in to it.
    let r = submit(
        &app,
        &fresh,
        "/settings/security",
        "/settings/security/idp/unlink",
        &[("provider", "corp")],
    )
    .await;
    assert_eq!(location(&r), "/settings/security?notice=idp_unlinked");
    assert_eq!(me(&app, &fresh).await.0, 200);
    // "Link Corp" in Security, signed in: the same trip, straight back to the tab.
    let (_, page) = app.get_text(&fresh, "/settings/security").await;
    assert!(page.contains("Link Corp"), "{page}");
    let csrf = umbral_testkit::csrf_from(&page);
    let r = fresh
        .post(app.url("/settings/security/idp/corp/link"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let back = location(&at_idp.get(to_provider(r).await).send().await.unwrap());
    let r = fresh.get(&back).send().await.unwrap();
    assert_eq!(location(&r), "/settings/security?notice=idp_linked");
    let (_, page) = app.get_text(&fresh, "/settings/security").await;
    assert!(page.contains("Linked: bruno@corp.example"), "{page}");
    // Unlinked again, for what follows.
    let csrf = umbral_testkit::csrf_from(&page);
    fresh
        .post(app.url("/settings/security/idp/unlink"))
        .form(&[("csrf_token", csrf.as_str()), ("provider", "corp")])
        .send()
        .await
        .unwrap();
    let r = through(&app, &app.client(), &at_idp, "/login").await;
    assert!(location(&r).starts_with("/login?notice=idp_link"));
    idp.stop().await;
    app.stop().await;
}

/// Someone signed up here with another person's address and never confirmed it: when the
/// address's owner comes with the provider, that sign-up is discarded and its sessions end.
/// An account made by the provider has no password: unlinking its provider is refused.
#[tokio::test]
async fn an_unconfirmed_squatter_is_discarded_and_the_last_way_in_kept() {
    let (idp, app) = pair().await;
    let at_idp = idp.signed_up("carla@corp.example").await;
    let squatter = app.client();
    let r = squatter
        .post(app.url("/api/v1/signup"))
        .json(&serde_json::json!({
            "name": "Not Carla", "email": "carla@corp.example", "phone": "+5491123456789",
            "password": umbral_testkit::PASSWORD, "accept_terms": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let browser = app.client();
    let r = through(&app, &browser, &at_idp, "/signup").await;
    assert_eq!(
        location(&r),
        "/signup/idp",
        "an unconfirmed account is no account"
    );
    let (_, page) = app.get_text(&browser, "/signup/idp").await;
    let csrf = umbral_testkit::csrf_from(&page);
    let r = browser
        .post(app.url("/signup/idp"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Carla Díaz"),
            ("phone_country", "AR"),
            ("phone", "11 2345 6789"),
            ("accept_terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/two-factor");
    app.enroll_totp(&browser, "carla@corp.example").await;
    app.onboarded(&browser).await;
    let (status, body) = me(&app, &browser).await;
    assert_eq!((status, body["name"].as_str()), (200, Some("Carla Díaz")));
    let r = squatter.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401, "the squatter's session ended with their sign-up");

    let r = submit(
        &app,
        &browser,
        "/settings/security",
        "/settings/security/idp/unlink",
        &[("provider", "corp")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("only way to sign in"));
    assert_eq!(me(&app, &browser).await.0, 200, "still signed in, still linked");
    idp.stop().await;
    app.stop().await;
}

/// The console lists each provider with the redirect URI to register at it; only for staff.
#[tokio::test]
async fn staff_see_each_provider_with_the_address_to_register() {
    let (idp, app) = pair().await;
    let staff = app.staff("staff@example.com").await;
    let (status, page) = app.get_text(&staff, "/staff/identity-providers?lang=es").await;
    assert_eq!(status, 200, "{page}");
    let callback = app.url("/login/idp/corp/callback").replace('/', "&#x2f;");
    assert!(
        page.contains("Proveedores de acceso") && page.contains(&callback),
        "{page}"
    );
    let person = app.signed_up("ana@example.com").await;
    assert_eq!(app.get_text(&person, "/staff/identity-providers").await.0, 404);

    // Staff add one: its button appears at once, and it signs people in; then they remove it.
    let (client_id, secret) = register(
        &idp,
        NewClient {
            name: "Acme".into(),
            redirect_uris: vec![app.url("/login/idp/acme/callback")],
            ..Default::default()
        },
    )
    .await;
    let form = |id: &'static str, secret: String| {
        vec![
            ("id", id.to_string()),
            ("kind", "oidc".to_string()),
            ("name", "Acme".to_string()),
            ("issuer", idp.base.clone()),
            ("client_id", client_id.clone()),
            ("client_secret", secret),
        ]
    };
    for (fields, says) in [
        (form("corp", secret.clone()), "set in the settings file"),
        (form("Bad Id", secret.clone()), "lowercase letters"),
        (form("acme", String::new()), "Check this field"),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = submit(
            &app,
            &staff,
            "/staff/identity-providers",
            "/staff/identity-providers?lang=en",
            &fields,
        )
        .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains(says), "{says}");
    }
    let fields = form("acme", secret.clone());
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = submit(
        &app,
        &staff,
        "/staff/identity-providers",
        "/staff/identity-providers",
        &fields,
    )
    .await;
    assert_eq!(location(&r), "/staff/identity-providers?notice=provider_saved");
    let (_, page) = app.get_text(&app.client(), "/login?lang=en").await;
    assert!(
        page.contains("Sign in with Acme") && page.contains("Sign in with Corp"),
        "{page}"
    );
    let at_idp = idp.signed_up("dora@acme.example").await;
    let browser = app.client();
    let (_, html) = app.get_text(&browser, "/login").await;
    let csrf = umbral_testkit::csrf_from(&html);
    let r = browser
        .post(app.url("/login/idp/acme"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let back = location(&at_idp.get(to_provider(r).await).send().await.unwrap());
    let r = browser.get(&back).send().await.unwrap();
    assert_eq!(location(&r), "/signup/idp", "the stored provider signs people in");
    let (_, page) = app.get_text(&staff, "/staff/identity-providers").await;
    let csrf = umbral_testkit::csrf_from(&page);
    let r = staff
        .post(app.url("/staff/identity-providers/acme/remove"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/staff/identity-providers?notice=provider_removed");
    let (_, page) = app.get_text(&app.client(), "/login?lang=en").await;
    assert!(!page.contains("Sign in with Acme"), "{page}");
    idp.stop().await;
    app.stop().await;
}

/// Unknown providers are a 404 page; a provider that is down is a retryable error on the
/// sign-in page (never a 5xx, nothing made).
#[tokio::test]
async fn an_unknown_or_unreachable_provider_is_a_clear_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let app = umbral_testkit::spawn_app_with(move |s| {
        s.identity_providers = vec![IdentityProviderSettings {
            id: "down".into(),
            kind: "oidc".into(),
            name: "Down".into(),
            issuer: format!("http://{dead}"),
            client_id: "x".into(),
            client_secret: Secret::from("y"),
            scopes: vec![],
        }];
    })
    .await;
    let browser = app.client();
    let (_, html) = app.get_text(&browser, "/login?lang=pt-BR").await;
    assert!(html.contains("Entrar com o Down"), "{html}");
    let csrf = umbral_testkit::csrf_from(&html);
    let r = browser
        .post(app.url("/login/idp/down?lang=pt-BR"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Não foi possível falar com o outro serviço")
    );
    let r = browser
        .post(app.url("/login/idp/nope"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = browser
        .get(app.url("/login/idp/down/callback?state=x&code=y"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "no browser cookie: expired");
    app.stop().await;
}

/// The admin API lists, adds, changes and removes providers with a staff-wide key; an
/// organization's key may not; those of the settings file are listed, never changed.
#[tokio::test]
async fn the_admin_api_manages_providers() {
    let (idp, app) = pair().await;
    let (key, org_key) = app.admin_keys().await;
    let call = async |method: reqwest::Method, path: &str, key: &str, body: Option<Value>| {
        app.admin_call(method, path, key, body).await
    };
    let path = "/api/v1/admin/identity-providers";
    assert_eq!(call(reqwest::Method::GET, path, &org_key, None).await.0, 403);
    let (s, list) = call(reqwest::Method::GET, path, &key, None).await;
    assert_eq!(s, 200);
    assert_eq!(list["identity_providers"][0]["id"], "corp");
    assert_eq!(list["identity_providers"][0]["from_settings"], true);
    assert!(
        list.to_string().find("client_secret").is_none(),
        "never the secret"
    );
    let google = serde_json::json!({"kind": "google", "client_id": "g.apps", "client_secret": "shh"});
    let (s, _) = call(
        reqwest::Method::PUT,
        &format!("{path}/corp"),
        &key,
        Some(google.clone()),
    )
    .await;
    assert_eq!(s, 422, "the settings file's own");
    let (s, bad) = call(
        reqwest::Method::PUT,
        &format!("{path}/google"),
        &key,
        Some(serde_json::json!({"kind": "saml", "client_id": "x"})),
    )
    .await;
    assert_eq!((s, bad["error"]["field"].as_str()), (422, Some("kind")), "{bad}");
    let (s, made) = call(
        reqwest::Method::PUT,
        &format!("{path}/google"),
        &key,
        Some(google),
    )
    .await;
    assert_eq!(s, 200, "{made}");
    assert_eq!(
        (made["name"].as_str(), made["issuer"].as_str()),
        (Some("Google"), Some("https://accounts.google.com"))
    );
    assert_eq!(made["redirect_uri"], app.url("/login/idp/google/callback"));
    // Changed without its secret: the one saved is kept.
    let (s, _) = call(
        reqwest::Method::PUT,
        &format!("{path}/google"),
        &key,
        Some(serde_json::json!({"kind": "google", "name": "Google Workspace", "client_id": "g.apps"})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, page) = app.get_text(&app.client(), "/login?lang=es").await;
    assert!(page.contains("Acceder con Google Workspace"), "{page}");
    assert_eq!(
        call(reqwest::Method::DELETE, &format!("{path}/google"), &key, None)
            .await
            .0,
        204
    );
    assert_eq!(
        call(reqwest::Method::DELETE, &format!("{path}/google"), &key, None)
            .await
            .0,
        404
    );
    assert_eq!(
        call(reqwest::Method::DELETE, &format!("{path}/corp"), &key, None)
            .await
            .0,
        404
    );
    idp.stop().await;
    app.stop().await;
}

/// A sign-up waiting for its profile page is no link: a browser that signs in to another
/// account meanwhile is not offered to link the provider to it.
#[tokio::test]
async fn a_pending_sign_up_is_no_link_for_someone_else() {
    let (idp, app) = pair().await;
    let at_idp = idp.signed_up("new@corp.example").await;
    let _other = app.signed_up("other@corp.example").await;
    let browser = app.client();
    let r = through(&app, &browser, &at_idp, "/login").await;
    assert_eq!(location(&r), "/signup/idp");
    let r = app
        .login(&browser, "other@corp.example", umbral_testkit::PASSWORD)
        .await;
    assert_eq!(r.status(), 200);
    app.pass_totp(&browser, "other@corp.example").await;
    let r = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/login/idp/link");
    let r = browser.get(app.url("/login/idp/link")).send().await.unwrap();
    assert_eq!(location(&r), "/", "nothing to link for this person");
    let r = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "home, the cookie gone");
    idp.stop().await;
    app.stop().await;
}
