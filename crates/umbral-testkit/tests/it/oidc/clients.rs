//! Managing applications (console, admin API) and consent to third-party ones.

use super::*;

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
            .oidc_clients(&ApiActor::command_line())
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

/// An application's own page in the console shows its fields and changes them: a bad address
/// names the field in the page's language and changes nothing; a good change is audited and
/// takes effect (ID tokens in the algorithm chosen).
#[tokio::test]
async fn staff_change_an_application_in_the_console() {
    let app = spawn_app().await;
    let staff = app.staff("staff@example.com").await;
    let (id, secret) = client(&app, false).await;
    let (status, page) = app
        .get_text(&staff, &format!("/staff/clients/{id}?lang=pt-BR"))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Salvar alterações") && page.contains("127.0.0.1:9&#x2f;cb"),
        "{page}"
    );
    assert!(page.contains("client_secret_basic"));
    let csrf = umbral_testkit::csrf_from(&page);
    let post = |fields: Vec<(&'static str, String)>| {
        staff
            .post(app.url(&format!("/staff/clients/{id}?lang=pt-BR")))
            .form(&fields)
            .send()
    };
    let r = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "Faturamento".into()),
        ("redirect_uris", "ftp://x".into()),
        ("id_token_signed_response_alg", "ES256".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Cada endereço deve ser https"), "{page}");
    assert!(page.contains("ftp:&#x2f;&#x2f;x"), "what was typed is kept");
    let unchanged = app
        .umbral()
        .oidc_clients(&ApiActor::command_line())
        .await
        .unwrap();
    assert_eq!(unchanged[0].name, "Billing");
    let r = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "Faturamento".into()),
        (
            "redirect_uris",
            format!("{REDIRECT}\nhttps://billing.example.com/cb"),
        ),
        ("id_token_signed_response_alg", "ES256".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.headers()["location"], "/staff/clients?notice=client_changed");
    let changed = app
        .umbral()
        .oidc_clients(&ApiActor::command_line())
        .await
        .unwrap();
    assert_eq!(changed[0].name, "Faturamento");
    assert_eq!(changed[0].redirect_uris.len(), 2);
    let browser = app.signed_up("ana@example.com").await;
    let tokens = code_flow(&app, &browser, &id, &secret, "").await;
    let alg = jsonwebtoken::decode_header(tokens["id_token"].as_str().unwrap())
        .unwrap()
        .alg;
    assert_eq!(alg, jsonwebtoken::Algorithm::ES256);
    let (status, _) = app.get_text(&staff, "/staff/clients/nope").await;
    assert_eq!(status, 404);
    app.stop().await;
}

/// The admin API manages applications with a staff-wide key; an organization's key may not.
#[tokio::test]
async fn the_admin_api_manages_applications() {
    let app = spawn_app().await;
    let (key, org_key) = app.admin_keys().await;
    let call = async |method: reqwest::Method, path: &str, key: &str, body: Option<Value>| {
        app.admin_call(method, path, key, body).await
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

/// A third-party application is allowed once per person and scopes (asked again for more, or
/// with `prompt=consent`); refused, it gets `access_denied`; "Connected applications" in
/// Security lists it and removes its access.
#[tokio::test]
async fn consent_for_third_party_applications() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let (id, secret) = register(
        &app,
        NewClient {
            name: "Partner CRM".into(),
            redirect_uris: vec![REDIRECT.into()],
            third_party: true,
            ..Default::default()
        },
    )
    .await;
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
