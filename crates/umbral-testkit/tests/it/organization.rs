//! An organization's owner and admins manage its members; every forbidden action is refused and
//! changes nothing.

use serde_json::{Value, json};
use umbral_testkit::{PASSWORD, TestApp, spawn_app};

async fn call(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = c.request(method, url);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Accepts the invitation mailed to `email` and sets an authenticator app up; returns the client.
async fn join(app: &TestApp, email: &str) -> reqwest::Client {
    let m = app.wait_for_email(email, "").await;
    let token = m["body"]
        .as_str()
        .unwrap()
        .split("/invite?token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let c = app.client();
    let (s, _) = call(
        &c,
        reqwest::Method::POST,
        app.url("/api/v1/invitations/accept"),
        Some(json!({"token": token, "password": PASSWORD})),
    )
    .await;
    assert_eq!(s, 200);
    app.enroll_totp(&c, email).await;
    c
}

async fn id_of(app: &TestApp, email: &str) -> String {
    app.umbral()
        .store()
        .user_by_email_key(email)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

#[tokio::test]
async fn owners_and_admins_manage_members_and_nobody_else_can() {
    use reqwest::Method;
    let app = spawn_app().await;
    let owner = app.signed_up("owner@example.com").await;
    let stranger = app.signed_up("stranger@example.com").await;
    let url = |p: &str| app.url(p);
    for (email, role) in [("admin@example.com", "admin"), ("member@example.com", "member")] {
        let (s, b) = call(
            &owner,
            Method::POST,
            url("/api/v1/organization/members"),
            Some(json!({"email": email, "name": "Persona", "role": role})),
        )
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let admin = join(&app, "admin@example.com").await;
    let member = join(&app, "member@example.com").await;
    let (member_id, admin_id, owner_id) = (
        id_of(&app, "member@example.com").await,
        id_of(&app, "admin@example.com").await,
        id_of(&app, "owner@example.com").await,
    );
    let (s, list) = call(&owner, Method::GET, url("/api/v1/organization/members"), None).await;
    assert_eq!(s, 200);
    assert_eq!(list["members"].as_array().unwrap().len(), 3);

    // A member cannot act as an admin; another organization's owner cannot reach these members.
    let member_url = url(&format!("/api/v1/organization/members/{member_id}"));
    assert_eq!(
        call(&member, Method::GET, url("/api/v1/organization/members"), None)
            .await
            .0,
        403
    );
    assert_eq!(
        call(
            &member,
            Method::POST,
            url("/api/v1/organization/members"),
            Some(json!({"email": "x@example.com", "name": "X"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &member,
            Method::PUT,
            url(&format!("/api/v1/organization/members/{admin_id}")),
            Some(json!({"active": false}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &stranger,
            Method::PUT,
            member_url.clone(),
            Some(json!({"role": "admin"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(&stranger, Method::DELETE, member_url.clone(), None).await.0,
        404
    );
    assert_eq!(
        call(
            &admin,
            Method::POST,
            url("/api/v1/organization/transfer"),
            Some(json!({"user_id": admin_id, "method": "totp", "code": "123456"}))
        )
        .await
        .0,
        403
    );
    let (_, after) = call(&owner, Method::GET, url("/api/v1/organization/members"), None).await;
    assert_eq!(after, list, "nothing changed");

    // An admin changes roles and deactivates members, never the owner.
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            member_url.clone(),
            Some(json!({"role": "admin"}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            member_url.clone(),
            Some(json!({"role": "member"}))
        )
        .await
        .0,
        204
    );
    let (s, b) = call(
        &admin,
        Method::PUT,
        url(&format!("/api/v1/organization/members/{owner_id}")),
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (422, Some("org.owner_by_transfer"))
    );
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            url(&format!("/api/v1/organization/members/{owner_id}")),
            Some(json!({"active": false}))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            member_url.clone(),
            Some(json!({"active": false}))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        member.get(url("/api/v1/me")).send().await.unwrap().status(),
        401,
        "signed out"
    );
    let login = |email: &'static str| {
        let u = url("/api/v1/login");
        async move {
            call(
                &reqwest::Client::new(),
                Method::POST,
                u,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await
        }
    };
    assert_eq!(login("member@example.com").await.0, 401, "deactivated");
    assert_eq!(
        call(
            &admin,
            Method::PUT,
            member_url.clone(),
            Some(json!({"active": true}))
        )
        .await
        .0,
        204
    );
    assert_eq!(login("member@example.com").await.0, 200);

    // The member remembers a browser; the owner transfer makes it ask again.
    let browser = app.client();
    call(
        &browser,
        Method::POST,
        url("/api/v1/login"),
        Some(json!({"email": "member@example.com", "password": PASSWORD})),
    )
    .await;
    let (s, _) = call(
        &browser,
        Method::POST,
        url("/api/v1/login/second-factor"),
        Some(json!({"method": "totp", "code": app.next_totp("member@example.com"), "remember_device": true})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, b) = call(
        &browser,
        Method::POST,
        url("/api/v1/login"),
        Some(json!({"email": "member@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(b["next"], "done", "remembered");

    // The owner hands over the owner role with a fresh code; a wrong one changes nothing.
    let transfer = |code: String| {
        call(
            &owner,
            Method::POST,
            url("/api/v1/organization/transfer"),
            Some(json!({"user_id": admin_id, "method": "totp", "code": code})),
        )
    };
    let (s, _) = transfer("000000".into()).await;
    assert_eq!(s, 400);
    let (s, b) = transfer(app.next_totp("owner@example.com")).await;
    assert_eq!(s, 204, "{b}");
    let (_, now) = call(&admin, Method::GET, url("/api/v1/organization/members"), None).await;
    let role_of = |id: &str| {
        now["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == id)
            .unwrap()["role"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        (role_of(&admin_id), role_of(&owner_id)),
        ("owner".to_string(), "admin".to_string())
    );
    let (_, b) = call(
        &browser,
        Method::POST,
        url("/api/v1/login"),
        Some(json!({"email": "member@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(
        b["next"], "second_factor",
        "a new owner: remembered devices ask again"
    );

    // Removing a member ends their sessions.
    assert_eq!(
        call(&admin, Method::DELETE, member_url.clone(), None).await.0,
        204
    );
    assert_eq!(call(&admin, Method::DELETE, member_url, None).await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn the_organization_page_invites_and_refuses_members() {
    let app = spawn_app().await;
    let owner = app.signed_up("page-owner@example.com").await;
    let (s, html) = {
        let r = owner
            .get(app.url("/settings/organization?lang=es"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(s, 200);
    assert!(html.contains("Invitar a alguien") && html.contains("page-owner@example.com"));
    let csrf = umbral_testkit::csrf_from(&html);
    let post = |form: Vec<(&'static str, String)>| {
        let (c, url) = (owner.clone(), app.url("/settings/organization/invite"));
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let r = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "Luz".into()),
        ("email", "no-es-un-correo".into()),
        ("role", "member".into()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"email-error\"") && html.contains("value=\"Luz\""),
        "the error by its field, input kept"
    );
    let r = post(vec![
        ("csrf_token", csrf.clone()),
        ("name", "Luz".into()),
        ("email", "luz@example.com".into()),
        ("role", "member".into()),
    ])
    .await;
    assert_eq!(
        r.headers()["location"],
        "/settings/organization?notice=member_invited"
    );
    let member = join(&app, "luz@example.com").await;
    let r = member
        .get(app.url("/settings/organization"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a member cannot manage the organization");
    app.stop().await;
}
