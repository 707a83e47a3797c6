//! Reading the audit log: staff everything, an organization's owner, admins and key their own;
//! filters, newest first, pages.

use serde_json::{Value, json};
use umbral_core::ports::AccountStore;
use umbral_testkit::spawn_app;
use umbral_testkit::umbral_core::staff::ApiScope;
use umbral_testkit::umbral_core::types::OrgId;

#[tokio::test]
async fn the_audit_log_reads_newest_first_filtered_paged_and_scoped() {
    let app = spawn_app().await;
    let owner = app.signed_up("owner@example.com").await;
    let _other = app.signed_up("stranger@example.com").await;
    let me: Value = owner
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = me["organization"]["id"].as_str().unwrap().to_string();
    let (_, staff) = app
        .umbral()
        .create_api_key("staff", ApiScope::Staff)
        .await
        .unwrap();
    let (_, org_key) = app
        .umbral()
        .create_api_key("customer", ApiScope::Organization(OrgId(org.clone())))
        .await
        .unwrap();
    // A member (not owner or admin) of the owner's organization.
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&staff)
        .json(&json!({"email": "member@example.com", "name": "Miembro", "organization_id": org}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let read = |key: String, query: &str| {
        let url = app.url(&format!("/api/v1/admin/audit?{query}"));
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (s, all) = read(staff.clone(), "limit=200").await;
    assert_eq!(s, 200);
    let events = all["events"].as_array().unwrap();
    let ats: Vec<i64> = events.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let has = |list: &Value, email_user: &str| {
        list["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == email_user)
    };
    assert!(has(&all, "user.signed_up") && has(&all, "factor.enrolled") && has(&all, "user.created"));

    // The organization's key sees its organization only.
    let (_, mine) = read(org_key, "limit=200").await;
    let stranger = app
        .store()
        .user_by_email_key("stranger@example.com")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    assert!(!mine["events"].as_array().unwrap().is_empty());
    assert!(
        mine["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject_user_id"] != stranger.as_str()),
        "another organization's events stay out"
    );

    // Filters: event prefix, user, time; pages with a cursor.
    let (_, factors) = read(staff.clone(), "event=factor.").await;
    assert!(
        factors["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["event"].as_str().unwrap().starts_with("factor."))
    );
    let (_, one) = read(staff.clone(), &format!("user_id={stranger}")).await;
    assert!(
        one["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject_user_id"] == stranger.as_str() || e["actor_user_id"] == stranger.as_str())
    );
    let (_, none) = read(staff.clone(), "from=4102444800000").await;
    assert!(none["events"].as_array().unwrap().is_empty());
    let (_, p1) = read(staff.clone(), "limit=2").await;
    let cursor = p1["next_cursor"].as_str().unwrap().to_string();
    let (_, p2) = read(staff.clone(), &format!("limit=2&cursor={cursor}")).await;
    let ids = |p: &Value| {
        p["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&p2).len(), 2);
    assert!(
        ids(&p1).iter().all(|id| !ids(&p2).contains(id)),
        "pages do not overlap"
    );
    assert_eq!(ids(&p2)[0], ids(&all)[2]);
    let (s, b) = read(staff.clone(), "limit=9999").await;
    assert_eq!((s, b["error"]["field"].as_str()), (422, Some("limit")));
    let (s, _) = read("uak_forged".into(), "").await;
    assert_eq!(s, 401);

    // The owner reads their organization's log with their session; a member may not.
    let r = owner
        .get(app.url("/api/v1/organization/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let member = app.client();
    let token = {
        let m = app.wait_for_email("member@example.com", "").await;
        m["body"]
            .as_str()
            .unwrap()
            .split("/invite?token=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let r = member
        .post(app.url("/api/v1/invitations/accept"))
        .json(&json!({"token": token, "password": umbral_testkit::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.enroll_totp(&member, "member@example.com").await;
    let r = member
        .get(app.url("/api/v1/organization/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_pages_filter_and_page() {
    let app = spawn_app().await;
    let owner = app.signed_up("pages-owner@example.com").await;
    let staff = app.staff("auditor@example.com").await;
    let (s, html) = app
        .get_text(&staff, app.url("/staff/audit?event=factor.&lang=es"))
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("factor.enrolled") && !html.contains("user.signed_up"),
        "filtered by event"
    );
    let (s, html) = app
        .get_text(&staff, app.url("/staff/audit?from=2999-01-01&lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("No events match."));
    let (s, html) = app.get_text(&staff, app.url("/staff/audit?from=yesterday")).await;
    assert_eq!(s, 422);
    assert!(html.contains("id=\"from-error\""));
    // More than a page: the link to older events continues where the page ended.
    for i in 0..30 {
        app.signed_up(&format!("many{i}@example.com")).await;
    }
    let (_, html) = app.get_text(&staff, app.url("/staff/audit")).await;
    let next = html
        .split("id=\"next-page\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#x2f;", "/");
    assert!(next.starts_with("/staff/audit?cursor="), "{next}");
    let (s, _) = app.get_text(&staff, app.url(&next)).await;
    assert_eq!(s, 200);
    // The owner reads their organization's log; not staff pages.
    let (s, html) = app
        .get_text(&owner, app.url("/settings/organization/audit"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("factor.enrolled") && !html.contains("many0@example.com"));
    assert_eq!(app.get_text(&owner, app.url("/staff/audit")).await.0, 404);
    app.stop().await;
}
