//! An organization's owner and admins manage its members; every forbidden action is refused and
//! changes nothing.

use serde_json::{Value, json};
use umbral_core::ports::{AccountStore, DirectoryStore};
use umbral_testkit::{PASSWORD, TestApp, spawn_app};

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
    let (s, _) = app
        .call(
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
    app.store().user_by_email_key(email).await.unwrap().unwrap().id.0
}

#[tokio::test]
async fn owners_and_admins_manage_members_and_nobody_else_can() {
    use reqwest::Method;
    let app = spawn_app().await;
    let owner = app.signed_up("owner@example.com").await;
    let stranger = app.signed_up("stranger@example.com").await;
    let url = |p: &str| app.url(p);
    for (email, role) in [("admin@example.com", "admin"), ("member@example.com", "member")] {
        let (s, b) = app
            .call(
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
    let (s, list) = app
        .call(&owner, Method::GET, url("/api/v1/organization/members"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["members"].as_array().unwrap().len(), 3);

    // A member cannot act as an admin; another organization's owner cannot reach these members.
    let member_url = url(&format!("/api/v1/organization/members/{member_id}"));
    assert_eq!(
        app.call(&member, Method::GET, url("/api/v1/organization/members"), None)
            .await
            .0,
        403
    );
    assert_eq!(
        app.call(
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
        app.call(
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
        app.call(
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
        app.call(&stranger, Method::DELETE, member_url.clone(), None)
            .await
            .0,
        404
    );
    assert_eq!(
        app.call(
            &admin,
            Method::POST,
            url("/api/v1/organization/transfer"),
            Some(json!({"user_id": admin_id, "method": "totp", "code": "123456"}))
        )
        .await
        .0,
        403
    );
    let (_, after) = app
        .call(&owner, Method::GET, url("/api/v1/organization/members"), None)
        .await;
    assert_eq!(after, list, "nothing changed");

    // An admin changes roles and deactivates members, never the owner.
    assert_eq!(
        app.call(
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
        app.call(
            &admin,
            Method::PUT,
            member_url.clone(),
            Some(json!({"role": "member"}))
        )
        .await
        .0,
        204
    );
    let (s, b) = app
        .call(
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
        app.call(
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
        app.call(
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
    let login = async |email: &'static str| {
        let r = app.login(&reqwest::Client::new(), email, PASSWORD).await;
        (r.status().as_u16(), ())
    };
    assert_eq!(login("member@example.com").await.0, 401, "deactivated");
    assert_eq!(
        app.call(
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
    app.call(
        &browser,
        Method::POST,
        url("/api/v1/login"),
        Some(json!({"email": "member@example.com", "password": PASSWORD})),
    )
    .await;
    let (s, _) = app.call(
        &browser,
        Method::POST,
        url("/api/v1/login/second-factor"),
        Some(json!({"method": "totp", "code": app.next_totp("member@example.com"), "remember_device": true})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, b) = app
        .call(
            &browser,
            Method::POST,
            url("/api/v1/login"),
            Some(json!({"email": "member@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(b["next"], "done", "remembered");

    // The owner hands over the owner role with a fresh code; a wrong one changes nothing.
    let transfer = |code: String| {
        app.call(
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
    let (_, now) = app
        .call(&admin, Method::GET, url("/api/v1/organization/members"), None)
        .await;
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
    let (_, b) = app
        .call(
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
        app.call(&admin, Method::DELETE, member_url.clone(), None).await.0,
        204
    );
    assert_eq!(app.call(&admin, Method::DELETE, member_url, None).await.0, 404);
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

/// `POST /organization/members` answered `user.email_taken` for any registered address, so any
/// organization owner could learn who has an account. Now a registered address gets the same
/// answer and the same row as a new one, and the person is invited to join.
#[tokio::test]
async fn inviting_a_registered_address_answers_like_a_new_one_and_the_person_joins() {
    use reqwest::Method;
    let app = spawn_app().await;
    let owner = app.signed_up("owner@example.com").await;
    // Someone who signed up alone and stopped at the company step.
    let ana = app.confirmed("ana@example.com").await;
    if ana.get(app.url("/api/v1/me")).send().await.unwrap().status() == 403 {
        app.enroll_totp(&ana, "ana@example.com").await;
    }
    let ana_org = app.org_of("ana@example.com").await;
    let members = app.url("/api/v1/organization/members");
    let invite = |email: &str| {
        app.call(
            &owner,
            Method::POST,
            members.clone(),
            Some(json!({"email": email, "name": "Typed Name", "role": "member"})),
        )
    };
    let (s_new, new) = invite("new@example.com").await;
    let (s_old, old) = invite("ANA@example.com").await;
    assert_eq!((s_new, s_old), (201, 201), "{new} {old}");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&new), keys(&old));
    let old_id = old["user_id"].as_str().unwrap().to_string();
    assert_ne!(
        old_id,
        id_of(&app, "ana@example.com").await,
        "the account's id leaks"
    );

    // The organization sees two rows alike: the typed name, invited, nothing of the account.
    let (_, list) = app.call(&owner, Method::GET, members.clone(), None).await;
    let rows: Vec<&Value> = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["email"] != "owner@example.com")
        .collect();
    assert_eq!(rows.len(), 2, "{list}");
    for r in &rows {
        assert_eq!(
            (r["name"].as_str(), r["invited"].as_bool()),
            (Some("Typed Name"), Some(true)),
            "{r}"
        );
        assert_eq!(keys(r), keys(rows[0]));
    }
    // Neither can be deactivated before it is accepted, both alike.
    for r in &rows {
        let url = app.url(&format!(
            "/api/v1/organization/members/{}",
            r["user_id"].as_str().unwrap()
        ));
        let (s, b) = app
            .call(&owner, Method::PUT, url, Some(json!({"active": false})))
            .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (422, Some("org.invitation_pending"))
        );
    }

    // Ana is told by email, and sees the invitation once signed in.
    let mail = app.wait_for_email("ana@example.com", "Ana").await;
    assert!(mail["body"].as_str().unwrap().contains("/join"), "{mail}");
    let (s, offers) = app
        .call(&ana, Method::GET, app.url("/api/v1/me/invitations"), None)
        .await;
    assert_eq!(s, 200, "{offers}");
    let offer = &offers["invitations"][0];
    assert_eq!(offer["role"], "member");
    let offer_id = offer["id"].as_str().unwrap().to_string();
    // Somebody else cannot accept it.
    let (s, _) = app
        .call(
            &owner,
            Method::POST,
            app.url(&format!("/api/v1/me/invitations/{offer_id}/accept")),
            None,
        )
        .await;
    assert_eq!(s, 422);
    let (s, b) = app
        .call(
            &ana,
            Method::POST,
            app.url(&format!("/api/v1/me/invitations/{offer_id}/accept")),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(
        app.org_of("ana@example.com").await,
        app.org_of("owner@example.com").await
    );
    // Her own organization, alone and without a plan, is closed.
    assert!(app.store().organization(&ana_org).await.unwrap().is_none());
    let (_, list) = app.call(&owner, Method::GET, members.clone(), None).await;
    let ana_row = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "ana@example.com")
        .cloned()
        .unwrap();
    assert_eq!(ana_row["invited"], false);
    assert_eq!(
        ana_row["user_id"].as_str(),
        Some(id_of(&app, "ana@example.com").await.as_str())
    );
    // The invitation is spent.
    let (s, _) = app
        .call(
            &ana,
            Method::POST,
            app.url(&format!("/api/v1/me/invitations/{offer_id}/accept")),
            None,
        )
        .await;
    assert_eq!(s, 422);
}

/// An owner whose organization has a plan (or other members) cannot be pulled out of it by an
/// invitation; an invitation can be withdrawn.
#[tokio::test]
async fn an_owner_with_a_plan_cannot_join_elsewhere_and_invitations_can_be_withdrawn() {
    use reqwest::Method;
    let app = spawn_app().await;
    let owner = app.signed_up("owner@example.com").await;
    let other = app.signed_up("other@example.com").await;
    let own_org = app.org_of("owner@example.com").await;
    let (s, b) = app
        .call(
            &other,
            Method::POST,
            app.url("/api/v1/organization/members"),
            Some(json!({"email": "owner@example.com", "name": "Owner", "role": "admin"})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let row_id = b["user_id"].as_str().unwrap().to_string();
    let (_, offers) = app
        .call(&owner, Method::GET, app.url("/api/v1/me/invitations"), None)
        .await;
    let id = offers["invitations"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(id, row_id);
    let (s, b) = app
        .call(
            &owner,
            Method::POST,
            app.url(&format!("/api/v1/me/invitations/{id}/accept")),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (422, Some("org.join_owner_busy"))
    );
    assert_eq!(app.org_of("owner@example.com").await, own_org);

    // Withdrawn by the inviting organization: it is gone for the person too.
    let (s, _) = app
        .call(
            &other,
            Method::DELETE,
            app.url(&format!("/api/v1/organization/members/{row_id}")),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, offers) = app
        .call(&owner, Method::GET, app.url("/api/v1/me/invitations"), None)
        .await;
    assert_eq!(offers["invitations"].as_array().unwrap().len(), 0, "{offers}");
}

/// The pages of an invitation to an existing account: the organization's page shows it like any
/// invitation, the company step and `/join` point to it, and the person joins from `/join`.
#[tokio::test]
async fn an_invited_account_joins_from_the_join_page_in_its_language() {
    let app = spawn_app().await;
    let owner = app.signed_up("page-owner@example.com").await;
    let ana = app.confirmed("ana@example.com").await;
    if ana.get(app.url("/api/v1/me")).send().await.unwrap().status() == 403 {
        app.enroll_totp(&ana, "ana@example.com").await;
    }
    let page = |c: &reqwest::Client, path: &str| {
        let (c, url) = (c.clone(), app.url(path));
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (_, html) = page(&owner, "/settings/organization?lang=es").await;
    let r = owner
        .post(app.url("/settings/organization/invite"))
        .form(&[
            ("csrf_token", umbral_testkit::csrf_from(&html)),
            ("name", "Ana Tipeada".into()),
            ("email", "ana@example.com".into()),
            ("role", "admin".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        "/settings/organization?notice=member_invited"
    );
    let (_, html) = page(&owner, "/settings/organization?lang=es").await;
    assert!(
        html.contains("Ana Tipeada") && html.contains("invitación enviada"),
        "{html}"
    );
    assert!(html.contains("Retirar la invitación"), "{html}");

    // Ana, at her own company step, is pointed to the invitation.
    let (s, html) = page(&ana, "/onboarding/company?lang=es").await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"/join\""), "{html}");
    // In --dev the operator learns why no address fills out of the box.
    assert!(html.contains("Modo de desarrollo") && html.contains("umbral postal import"));
    let (s, html) = page(&ana, "/join?lang=es").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("te invitó a unirte a") && html.contains("como administrador"),
        "{html}"
    );
    let action = html
        .split("action=\"")
        .map(|p| p.split('"').next().unwrap())
        .find(|a| a.ends_with("/accept"))
        .unwrap()
        .to_string();
    let r = ana
        .post(app.url(&action))
        .form(&[("csrf_token", umbral_testkit::csrf_from(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.org_of("ana@example.com").await,
        app.org_of("page-owner@example.com").await
    );
    let (_, html) = page(&ana, "/join?lang=es").await;
    assert!(html.contains("No tienes invitaciones pendientes"), "{html}");
}
