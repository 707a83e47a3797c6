//! Enterprise SSO: an organization sets its own provider (a second real Umbral), proves its
//! email domain with a TXT record served by a DNS server the test runs, and from then on its
//! domain's people sign in there; new ones join as members, and the provider's own second
//! factor is trusted when the organization says so.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, UdpSocket};
use umbral_testkit::spawn_app_on;

use super::upstream::{location, submit, to_provider};
use super::*;

/// TXT records by name, served over UDP; `silent` drops every query (a resolver that times out).
#[derive(Clone, Default)]
struct Dns {
    records: Arc<Mutex<HashMap<String, Vec<String>>>>,
    silent: Arc<AtomicBool>,
}

impl Dns {
    async fn start(&self) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let me = self.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                if me.silent.load(Ordering::SeqCst) || n < 12 {
                    continue;
                }
                // The question: labels up to a zero byte, then type and class.
                let mut i = 12;
                let mut labels = Vec::new();
                while i < n && buf[i] != 0 {
                    let len = buf[i] as usize;
                    labels.push(String::from_utf8_lossy(&buf[i + 1..i + 1 + len]).to_lowercase());
                    i += 1 + len;
                }
                let q_end = i + 5;
                let name = labels.join(".");
                let answers = me.records.lock().unwrap().get(&name).cloned();
                let mut out = Vec::new();
                out.extend_from_slice(&buf[0..2]);
                out.extend_from_slice(if answers.is_some() {
                    &[0x81, 0x80]
                } else {
                    &[0x81, 0x83]
                });
                let count = answers.as_ref().map_or(0, Vec::len) as u16;
                out.extend_from_slice(&[0, 1]);
                out.extend_from_slice(&count.to_be_bytes());
                out.extend_from_slice(&[0, 0, 0, 0]);
                out.extend_from_slice(&buf[12..q_end]);
                for text in answers.unwrap_or_default() {
                    out.extend_from_slice(&[0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 0]);
                    out.extend_from_slice(&((text.len() + 1) as u16).to_be_bytes());
                    out.push(text.len() as u8);
                    out.extend_from_slice(text.as_bytes());
                }
                let _ = socket.send_to(&out, from).await;
            }
        });
        addr
    }

    fn set(&self, name: &str, texts: &[&str]) {
        self.records
            .lock()
            .unwrap()
            .insert(name.to_string(), texts.iter().map(|t| t.to_string()).collect());
    }
}

/// Posts `fields` to the SSO page's form (`action`), as its owner.
async fn sso_post(
    app: &TestApp,
    owner: &reqwest::Client,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = "/settings/organization/sso?lang=en";
    submit(app, owner, page, &format!("{action}?lang=en"), fields).await
}

/// Signs in with `email` at `/login`: the email step sends the domain's people to the
/// organization's provider, where `at_idp` is signed in; the answer back at `app`.
async fn home_realm(
    app: &TestApp,
    browser: &reqwest::Client,
    at_idp: &reqwest::Client,
    email: &str,
) -> reqwest::Response {
    let (_, html) = app.get_text(browser, "/login?lang=en").await;
    let csrf = umbral_testkit::csrf_from(&html);
    let r = browser
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    let to = to_provider(r).await;
    let back = location(&at_idp.get(&to).send().await.unwrap());
    browser.get(&back).send().await.unwrap()
}

#[tokio::test]
async fn an_organization_proves_its_domain_and_its_people_sign_in_with_its_provider() {
    let dns = Dns::default();
    let resolver = dns.start().await;
    let idp = spawn_app().await;
    to_wall_clock(&idp);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = spawn_app_on(listener, move |s| s.dns.resolver = resolver.to_string()).await;
    let owner = app.signed_up("owner@corp.example").await;
    let org = app.org_of("owner@corp.example").await;
    let (client_id, secret) = register(
        &idp,
        NewClient {
            name: "Corp's Umbral".into(),
            redirect_uris: vec![app.url(&format!("/login/idp/org-{org}/callback"))],
            ..Default::default()
        },
    )
    .await;
    let (status, page) = app.get_text(&owner, "/settings/organization/sso?lang=en").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("org-{org}")),
        "the redirect URI to register: {page}"
    );
    let settings = |domain: &'static str, enabled: bool| {
        let mut f = vec![
            ("issuer", idp.base.clone()),
            ("client_id", client_id.clone()),
            ("client_secret", secret.clone()),
            ("domain", domain.to_string()),
            ("join_members", "yes".to_string()),
            ("trust_mfa", "yes".to_string()),
        ];
        if enabled {
            f.push(("enabled", "yes".into()));
        }
        f
    };
    let post_settings = |f: Vec<(&'static str, String)>| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            sso_post(app, &owner, "/settings/organization/sso", &fields).await
        }
    };
    // A public mail service's domain cannot be claimed; switching on needs a verified domain.
    let r = post_settings(settings("gmail.com", false)).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("public mail service"));
    let r = post_settings(settings("corp.example", true)).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Verify the domain before"));
    let r = post_settings(settings("corp.example", false)).await;
    assert_eq!(location(&r), "/settings/organization/sso?notice=saved");
    let (_, page) = app.get_text(&owner, "/settings/organization/sso?lang=en").await;
    let value = page
        .split("id=\"txt-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert!(page.contains("_umbral-challenge.corp.example") && value.starts_with("umbral-verification="));

    // Verify: not there yet; the resolver silent; then found.
    let r = sso_post(&app, &owner, "/settings/organization/sso/verify", &[]).await;
    assert!(r.text().await.unwrap().contains("was not found yet"));
    dns.silent.store(true, Ordering::SeqCst);
    let r = sso_post(&app, &owner, "/settings/organization/sso/verify", &[]).await;
    assert!(r.text().await.unwrap().contains("took too long"));
    dns.silent.store(false, Ordering::SeqCst);
    dns.set("_umbral-challenge.corp.example", &["v=spf1 -all", &value]);
    let r = sso_post(&app, &owner, "/settings/organization/sso/verify", &[]).await;
    assert_eq!(location(&r), "/settings/organization/sso?notice=verified");
    let r = post_settings(settings("corp.example", true)).await;
    assert_eq!(location(&r), "/settings/organization/sso?notice=saved");

    // Another organization cannot take the domain, even with a record of its own.
    let rival = app.signed_up("boss@rival.example").await;
    let fields = [
        ("issuer", idp.base.as_str()),
        ("client_id", "x"),
        ("client_secret", "y"),
        ("domain", "corp.example"),
    ];
    sso_post(&app, &rival, "/settings/organization/sso", &fields).await;
    let (_, page) = app.get_text(&rival, "/settings/organization/sso?lang=en").await;
    let theirs = page
        .split("id=\"txt-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    dns.set("_umbral-challenge.corp.example", &[&value, &theirs]);
    let r = sso_post(&app, &rival, "/settings/organization/sso/verify", &[]).await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Another organization verified this domain")
    );

    // A new person of the domain: the email step sends them to the provider; they join the
    // organization as a member after the profile page, the provider's second factor trusted.
    let at_idp = idp.signed_up("nina@corp.example").await;
    let browser = app.client();
    let r = home_realm(&app, &browser, &at_idp, "nina@corp.example").await;
    assert_eq!(location(&r), "/signup/idp");
    let (_, page) = app.get_text(&browser, "/signup/idp").await;
    let csrf = umbral_testkit::csrf_from(&page);
    let r = browser
        .post(app.url("/signup/idp"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Nina Costa"),
            ("phone_country", "AR"),
            ("phone", "11 2345 6789"),
            ("accept_terms", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        "/",
        "no second factor asked: the provider's was trusted"
    );
    let me: Value = browser
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["organization"]["id"], org.as_str(), "{me}");
    assert_eq!(me["organization"]["role"], "member", "{me}");
    // Back later: straight through, no password page, no code.
    let again = app.client();
    let r = home_realm(&app, &again, &at_idp, "nina@corp.example").await;
    assert_eq!(location(&r), "/");

    // New people by invitation only: refused, said so.
    let r = post_settings(vec![
        ("issuer", idp.base.clone()),
        ("client_id", client_id.clone()),
        ("client_secret", String::new()),
        ("domain", "corp.example".into()),
        ("enabled", "yes".into()),
    ])
    .await;
    assert_eq!(
        location(&r),
        "/settings/organization/sso?notice=saved",
        "the secret kept"
    );
    let at_idp = idp.signed_up("omar@corp.example").await;
    let r = home_realm(&app, &app.client(), &at_idp, "omar@corp.example").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("by invitation"));
    // Invited: the provider's verified email accepts the invitation (never discards it); the
    // role it gave stays.
    let (_, html) = app.get_text(&owner, "/settings/organization").await;
    let csrf = umbral_testkit::csrf_from(&html);
    let r = owner
        .post(app.url("/settings/organization/invite"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Omar Paz"),
            ("email", "omar@corp.example"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let invited = app.client();
    let r = home_realm(&app, &invited, &at_idp, "omar@corp.example").await;
    assert_eq!(
        location(&r),
        "/two-factor",
        "the provider's factor is no longer trusted"
    );
    app.enroll_totp(&invited, "omar@corp.example").await;
    let me: Value = invited
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["name"].as_str(), me["organization"]["role"].as_str()),
        (Some("Omar Paz"), Some("admin")),
        "{me}"
    );
    // Other domains still get the password page.
    let c = app.client();
    let (_, html) = app.get_text(&c, "/login").await;
    let csrf = umbral_testkit::csrf_from(&html);
    let r = c
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "someone@else.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text().await.unwrap().contains("id=\"password\""),
        "the password page"
    );
    idp.stop().await;
    app.stop().await;
}
