//! Umbral's web layer: server-rendered pages, the JSON API, operations endpoints. Handlers parse
//! the request, call one `Umbral` method, and render the result; no rule lives here.

pub mod api;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod messages;
pub mod middleware;
pub mod oidc;
pub mod ops;
pub mod pages;
pub mod qr;
pub mod regions;
pub mod render;
pub mod templates;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use minijinja::Environment;
use umbral_core::Umbral;
use umbral_core::clock::Span;

pub use messages::TemplateRenderer;

/// How the web layer presents itself.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Shown in pages and emails.
    pub product_name: String,
    /// The address people use, e.g. `https://id.example.com`; decides the cookie names.
    pub public_url: String,
    /// `--dev`: the outbox pages exist.
    pub dev: bool,
    /// Proxies whose `X-Forwarded-For` / `Forwarded` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// An operator's folder of templates and static files that replace the built-in ones.
    pub theme_dir: Option<PathBuf>,
}

impl WebSettings {
    /// `scheme://host[:port]` of the public URL.
    pub fn public_origin(&self) -> String {
        let url = self.public_url.trim_end_matches('/');
        match url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
            None => url.to_string(),
        }
    }

    pub fn secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub umbral: Arc<Umbral>,
    pub settings: Arc<WebSettings>,
    pub cookies: Arc<cookies::CookieNames>,
    pub templates: Arc<Environment<'static>>,
    /// Limits of the lookups anyone may make (tax ids, postal codes).
    pub lookups: Arc<api::onboarding::LookupLimits>,
    /// Ceremonies of a sign-in with a passkey, which anyone may start (each is a row for five
    /// minutes): per client address on each node, far above what a person's page loads need.
    pub passkey_ceremonies: Arc<api::onboarding::LookupLimits>,
}

impl AppState {
    /// The `Set-Cookie` value that gives this browser a session.
    pub fn session_cookie(&self, token: &str) -> String {
        let max_age = self.umbral.config().session.max_age.as_secs();
        self.cookies.set(self.cookies.session, token, Some(max_age))
    }

    /// Sets the sign-in device cookie a sign-in handed out, if any (kept a year; each sign-in
    /// without one hands out a new one).
    pub fn add_signin_cookie(&self, resp: &mut axum::response::Response, cookie: Option<&str>) {
        if let Some(c) = cookie {
            crate::api::append_cookie(
                resp,
                &self
                    .cookies
                    .set(self.cookies.signin, c, Some(Span::days(365).as_secs())),
            );
        }
    }

    /// The `Set-Cookie` value that remembers this browser as a trusted device.
    pub fn device_cookie(&self, token: &str) -> String {
        let lifetime = self.umbral.config().factors.trust.lifetime;
        self.cookies
            .set(self.cookies.device, token, Some(lifetime.as_secs()))
    }

    pub fn new(umbral: Arc<Umbral>, settings: WebSettings) -> Result<Self, String> {
        let templates = templates::environment(settings.theme_dir.as_deref())?;
        Ok(Self {
            umbral,
            cookies: Arc::new(cookies::CookieNames::new(settings.secure())),
            settings: Arc::new(settings),
            templates: Arc::new(templates),
            lookups: Arc::default(),
            passkey_ceremonies: Arc::new(api::onboarding::LookupLimits::per_minute(600, 600)),
        })
    }
}

/// Every route of Umbral.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(oidc::routes())
        .merge(ops::routes());
    if state.settings.dev {
        app = app.merge(pages::dev::routes());
    }
    app.route_layer(from_fn(middleware::telemetry::observe))
        .fallback(pages::not_found)
        .layer(from_fn(middleware::input::refuse_nul))
        .layer(from_fn_with_state(state.clone(), middleware::origin::same_origin))
        .layer(from_fn_with_state(state.clone(), middleware::security::headers))
        .with_state(state)
}
