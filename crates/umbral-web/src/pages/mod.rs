//! Server-rendered pages. They work without JavaScript; forms carry a CSRF token bound to a
//! cookie, and every error is shown next to its field with what the user typed kept.

pub mod audit;
pub mod challenge;
pub mod dev;
pub mod form;
pub mod invite;
pub mod join;
pub mod login;
pub mod onboarding;
pub mod org_sso;
pub mod organization;
pub mod passkeys;
pub mod recover;
pub mod settings;
pub mod signup;
pub mod staff;
pub mod staff_clients;
pub mod staff_idps;
pub mod two_factor;
pub mod upstream;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use umbral_core::error::CoreError;
use umbral_core::flows::Next;
use umbral_core::flows::session::Authenticated;

use crate::AppState;
use crate::extract::Ctx;
use crate::render::FormState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/terms", get(terms))
        .route("/static/{file}", get(static_file))
        .merge(onboarding::routes())
        .merge(signup::routes())
        .merge(login::routes())
        .merge(two_factor::routes())
        .merge(challenge::routes())
        .merge(settings::routes())
        .merge(organization::routes())
        .merge(staff::routes())
        .merge(staff_clients::routes())
        .merge(staff_idps::routes())
        .merge(org_sso::routes())
        .merge(audit::routes())
        .merge(join::routes())
        .merge(recover::routes())
        .merge(invite::routes())
        .merge(upstream::routes())
        .merge(passkeys::routes())
}

/// Where a pending step is done.
pub fn step_path(next: Next) -> &'static str {
    match next {
        Next::ConfirmEmail => "/signup/confirm",
        Next::EnrollFactor => "/two-factor",
        Next::SecondFactor => "/login/second-factor",
        Next::Company => "/onboarding/company",
        Next::Checkout => "/checkout",
        Next::Done => "/",
    }
}

/// The CSRF token of this browser, and the cookie to set when it has none yet.
pub fn csrf_token(state: &AppState, ctx: &Ctx) -> (String, Option<String>) {
    match &ctx.csrf_cookie {
        Some(t) if t.len() >= 32 => (t.clone(), None),
        _ => {
            let t = umbral_core::secrets::new_token().unwrap_or_default();
            let cookie = state.cookies.set(state.cookies.csrf, &t, None);
            (t, Some(cookie))
        }
    }
}

/// A form page being answered: its template, the order of its fields (the first one with an
/// error gets the focus), what the user typed, and this browser's CSRF token.
pub struct FormPage<'a> {
    state: &'a AppState,
    ctx: &'a Ctx,
    template: &'static str,
    order: &'static [&'static str],
    pub form: FormState,
    new_cookie: Option<String>,
}

impl<'a> FormPage<'a> {
    pub fn new(
        state: &'a AppState,
        ctx: &'a Ctx,
        template: &'static str,
        order: &'static [&'static str],
    ) -> Self {
        let (csrf, new_cookie) = csrf_token(state, ctx);
        Self {
            state,
            ctx,
            template,
            order,
            form: FormState::new(&csrf),
            new_cookie,
        }
    }

    /// Keeps what the user typed in these fields.
    pub fn keep(mut self, fields: &HashMap<String, String>, names: &[&str]) -> Self {
        for name in names {
            if let Some(v) = fields.get(*name) {
                self.form = self.form.value(name, v);
            }
        }
        self
    }

    pub fn value(mut self, name: &str, v: &str) -> Self {
        self.form = self.form.value(name, v);
        self
    }

    /// The page, with `extra` in its context.
    pub fn render(self, status: StatusCode, extra: minijinja::Value) -> Response {
        let ctx = context! { form => self.form, ..extra };
        let mut page = self.state.page(self.ctx, status, self.template, ctx);
        page.set_cookies.extend(self.new_cookie);
        page.into_response()
    }

    /// The page again with the error's messages next to their fields, its status and, when the
    /// user must wait, `Retry-After`.
    pub fn error(mut self, e: &CoreError, extra: minijinja::Value) -> Response {
        self.form = self.form.with_error(e, self.ctx.locale, self.order);
        let mut resp = self.render(crate::error::status_of(e), extra);
        if let Some(secs) = crate::error::retry_after(e) {
            crate::api::set_retry_after(&mut resp, secs);
        }
        resp
    }

    /// The page again saying the form expired (a missing or wrong CSRF token).
    pub fn expired(self, extra: minijinja::Value) -> Response {
        let e = CoreError::Validation(vec![umbral_core::FieldError::new(
            "_form",
            "request.form_expired",
        )]);
        let mut resp = self.error(&e, extra);
        *resp.status_mut() = StatusCode::FORBIDDEN;
        resp
    }
}

/// A new session: its cookie, and the browser sent to its next step.
pub fn signed_in(state: &AppState, token: &str, next: Next) -> Response {
    let mut resp = Redirect::to(step_path(next)).into_response();
    crate::api::append_cookie(&mut resp, &state.session_cookie(token));
    resp
}

/// The session behind a page request. Without a live one the browser is sent where it belongs:
/// the sign-in page (saying why the session ended) or the step it must finish.
pub struct PageSession(pub Authenticated);

impl axum::extract::FromRequestParts<AppState> for PageSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let Ok(ctx) = Ctx::from_request_parts(parts, state).await;
        ctx.session(state)
            .await
            .map(PageSession)
            .map_err(|e| state.error_page(&ctx, &e))
    }
}

/// A signed-in staff member acting in the console. Anyone else gets the
/// "not found" page, so the console does not reveal that it exists.
pub struct StaffPage(pub umbral_core::staff::ApiActor);

impl axum::extract::FromRequestParts<AppState> for StaffPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let Ok(ctx) = Ctx::from_request_parts(parts, state).await;
        let auth = ctx.session(state).await;
        auth.and_then(|auth| state.umbral.staff_actor(&auth))
            .map(StaffPage)
            .map_err(|e| state.error_page(&ctx, &e))
    }
}

async fn home(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    // Signed in to the account of a provider's email: link the provider first.
    if ctx.idp_cookie.is_some() {
        return Redirect::to("/login/idp/link").into_response();
    }
    // Signed in for an application that is waiting: back to it.
    if ctx.authz_cookie.is_some() {
        return Redirect::to("/oauth2/authorize/continue").into_response();
    }
    if state.umbral.shows_first_steps(&auth) {
        return Redirect::to("/first-steps").into_response();
    }
    let me = match state.umbral.me(&auth) {
        Ok(m) => m,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let org = me.organization.as_ref();
    let invitations = state
        .umbral
        .join_offers(&auth)
        .await
        .map(|o| o.len())
        .unwrap_or(0);
    let extra = context! {
        invitations => invitations,
        me => context! {
            name => me.name, email => me.email,
            org_name => org.map(|m| m.org_name.clone()),
            role => org.map(|m| m.role.as_str()),
            staff => auth.user.as_ref().is_some_and(|u| u.is_staff),
        },
    };
    FormPage::new(&state, &ctx, "home.html", &[]).render(StatusCode::OK, extra)
}

async fn terms(State(state): State<AppState>, ctx: Ctx) -> Response {
    let version = state.umbral.config().terms_version.clone();
    state
        .page(
            &ctx,
            StatusCode::OK,
            "terms.html",
            context! { terms_version => version },
        )
        .into_response()
}

const STATIC: &[(&str, &str, &str)] = &[
    (
        "umbral.css",
        "text/css; charset=utf-8",
        include_str!("../../static/umbral.css"),
    ),
    (
        "umbral.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/umbral.js"),
    ),
    ("logo.svg", "image/svg+xml", include_str!("../../static/logo.svg")),
    (
        "passkey.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/passkey.js"),
    ),
    (
        "onboarding.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/onboarding.js"),
    ),
];

/// Built-in CSS, script and logo; a file of the same name in the theme folder wins.
async fn static_file(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((name, mime, builtin)) = STATIC.iter().find(|(n, _, _)| *n == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let themed = state
        .settings
        .theme_dir
        .as_ref()
        .map(|d| d.join("static").join(name))
        .and_then(|p| std::fs::read_to_string(p).ok());
    let body = themed.unwrap_or_else(|| builtin.to_string());
    (
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found(State(state): State<AppState>, ctx: Ctx, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::new(CoreError::NotFound, ctx.locale).into_response();
    }
    state.error_page(&ctx, &CoreError::NotFound)
}
