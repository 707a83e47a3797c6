//! A Google-shaped provider started by the test (discovery, authorization, token endpoint,
//! JWKS; `email_verified` and `hd` in its ID tokens), bent in one way at a time: every ID token
//! Umbral must refuse is refused, and a new key published after Umbral read the JWKS is found.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde_json::json;
use tokio::net::TcpListener;
use umbral::config::{IdentityProviderSettings, Secret};
use umbral_testkit::umbral_core::oidc::keys::{self, KeyAlg, SigningKey};

use super::*;

/// How the next ID token is bent.
#[derive(Clone)]
struct Twist {
    /// `None`: no email at all.
    email: Option<&'static str>,
    email_verified: bool,
    aud: Option<String>,
    /// Seconds from now.
    exp: i64,
    iat: i64,
    nonce: Option<String>,
    /// The token endpoint answers a page instead of JSON.
    garbage: bool,
}

impl Default for Twist {
    fn default() -> Self {
        Self {
            email: Some("dana@corp.example"),
            email_verified: true,
            aud: None,
            exp: 300,
            iat: 0,
            nonce: None,
            garbage: false,
        }
    }
}

struct Fake {
    issuer: String,
    keys: Vec<SigningKey>,
    /// Signs with this key, which the JWKS does not show.
    unpublished: Option<SigningKey>,
    twist: Twist,
    /// Code -> the nonce it was asked with.
    codes: HashMap<String, String>,
}

type Shared = Arc<Mutex<Fake>>;

fn key(kid: &str) -> SigningKey {
    keys::open(kid, KeyAlg::Rs256, &keys::generate(KeyAlg::Rs256).unwrap()).unwrap()
}

#[allow(clippy::disallowed_methods)]
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn discovery(State(s): State<Shared>) -> axum::Json<Value> {
    let issuer = s.lock().unwrap().issuer.clone();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn jwks(State(s): State<Shared>) -> axum::Json<Value> {
    let keys: Vec<Value> = s
        .lock()
        .unwrap()
        .keys
        .iter()
        .map(|k| serde_json::to_value(&k.jwk).unwrap())
        .collect();
    axum::Json(json!({ "keys": keys }))
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let code = format!("code-{}", s.lock().unwrap().codes.len());
    s.lock().unwrap().codes.insert(code.clone(), q["nonce"].clone());
    assert_eq!(q["code_challenge_method"], "S256");
    Redirect::to(&format!("{}?code={code}&state={}", q["redirect_uri"], q["state"]))
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> axum::response::Response {
    let fake = s.lock().unwrap();
    if fake.twist.garbage {
        return "<html>Service Unavailable</html>".into_response();
    }
    assert!(f.get("code_verifier").is_some_and(|v| v.len() >= 43), "PKCE");
    let nonce = fake.codes[&f["code"]].clone();
    let t = fake.twist.clone();
    let key = fake
        .unpublished
        .as_ref()
        .unwrap_or_else(|| fake.keys.last().unwrap());
    let mut claims = json!({
        "iss": fake.issuer, "sub": "g-1001", "aud": t.aud.unwrap_or_else(|| "umbral-client".into()),
        "exp": now() + t.exp, "iat": now() + t.iat, "nonce": t.nonce.unwrap_or(nonce),
        "email_verified": t.email_verified, "hd": "corp.example", "name": "Dana Prado",
    });
    if let Some(e) = t.email {
        claims["email"] = json!(e);
    }
    let header = jsonwebtoken::Header {
        kid: Some(key.kid.clone()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256)
    };
    let id_token = jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap();
    axum::Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
        .into_response()
}

/// The fake provider and a server that knows it as `google` (Google's kind, the fake's issuer).
async fn google() -> (Shared, TestApp) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let shared: Shared = Arc::new(Mutex::new(Fake {
        issuer: issuer.clone(),
        keys: vec![key("g-1")],
        unpublished: None,
        twist: Twist::default(),
        codes: HashMap::new(),
    }));
    let router = axum::Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let app = umbral_testkit::spawn_app_with(move |s| {
        s.identity_providers = vec![IdentityProviderSettings {
            id: "google".into(),
            kind: "google".into(),
            name: String::new(),
            issuer,
            client_id: "umbral-client".into(),
            client_secret: Secret::from("shh"),
            scopes: vec!["email".into(), "profile".into()],
        }];
    })
    .await;
    (shared, app)
}

/// "Acceder con Google" in a new browser: where the provider's answer leads, and the page.
async fn attempt(app: &TestApp) -> (String, String) {
    let browser = app.client();
    let (_, html) = app.get_text(&browser, "/login?lang=es").await;
    assert!(html.contains("Acceder con Google"), "{html}");
    let csrf = umbral_testkit::csrf_from(&html);
    let r = browser
        .post(app.url("/login/idp/google"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let to = super::upstream::to_provider(r).await;
    let r = app.client().get(&to).send().await.unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let r = browser.get(format!("{back}&lang=es")).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (location, r.text().await.unwrap())
}

#[tokio::test]
async fn only_an_id_token_that_holds_signs_anyone_in() {
    let (fake, app) = google().await;
    let twist = |t: Twist| fake.lock().unwrap().twist = t;
    for (bent, says) in [
        (
            Twist {
                email: None,
                ..Twist::default()
            },
            "no compartió una dirección de correo",
        ),
        (
            Twist {
                garbage: true,
                ..Twist::default()
            },
            "No pudimos comunicarnos con el otro servicio",
        ),
        (
            Twist {
                email_verified: false,
                ..Twist::default()
            },
            "no verificó tu correo",
        ),
        (
            Twist {
                nonce: Some("another".into()),
                ..Twist::default()
            },
            "No pudimos confiar",
        ),
        (
            Twist {
                aud: Some("someone-else".into()),
                ..Twist::default()
            },
            "No pudimos confiar",
        ),
        (
            Twist {
                exp: -120,
                ..Twist::default()
            },
            "No pudimos confiar",
        ),
        (
            Twist {
                iat: 300,
                ..Twist::default()
            },
            "No pudimos confiar",
        ),
    ] {
        twist(bent);
        let (location, page) = attempt(&app).await;
        assert_eq!(location, "", "nothing signed in");
        assert!(page.contains(says), "{says}: {page}");
    }
    // Within the minute of skew: accepted.
    twist(Twist {
        exp: -30,
        ..Twist::default()
    });
    assert_eq!(attempt(&app).await.0, "/signup/idp");
    // A new key the provider published after Umbral read its keys, and signs with at once.
    twist(Twist::default());
    fake.lock().unwrap().keys.push(key("g-2"));
    assert_eq!(attempt(&app).await.0, "/signup/idp");
    // A key that is not published at all: refused.
    fake.lock().unwrap().unpublished = Some(key("g-9"));
    let (location, page) = attempt(&app).await;
    assert_eq!(location, "");
    assert!(page.contains("No pudimos confiar"), "{page}");
    app.stop().await;
}
