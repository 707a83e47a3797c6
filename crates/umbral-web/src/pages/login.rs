//! `/login`: identifier first (Email, Next), then Password (Sign in); `/logout`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::types::Email;

use super::form::{EmailForm, NoFields, Posted};
use super::{FormPage, PageSession, signed_in};
use crate::AppState;
use crate::extract::Ctx;

/// Notices the sign-in page may show (anything else in `?notice=` is ignored).
const NOTICES: &[&str] = &[
    "signed_in_elsewhere",
    "signed_out",
    "session_expired",
    "session_ended",
    "mfa_activated",
    "password_reset",
    "idp_link",
];

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    email: String,
    password: String,
}

pub(crate) fn email_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "login_email.html", &["_form", "email"])
}

fn password_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "login_password.html", &["_form", "email", "password"])
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let notice = q
        .get("notice")
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| crate::i18n::t(ctx.locale, &format!("notice-{n}"), &[]));
    // An application's `login_hint` fills the address in.
    let hint: String = q
        .get("email")
        .map(|e| e.chars().take(254).collect())
        .unwrap_or_default();
    email_page(&state, &ctx)
        .value("email", &hint)
        .render(StatusCode::OK, context! { notice => notice })
}

/// The email step never says whether the address exists: every well-formed address goes on to
/// the password step.
pub async fn email_step(State(state): State<AppState>, ctx: Ctx, posted: Posted<EmailForm>) -> Response {
    let page = email_page(&state, &ctx).keep(posted.typed(), &["email"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    match Email::parse(&f.email) {
        // The domain's organization signs its people in with its own provider.
        Ok(email) if let Ok(Some(idp)) = state.umbral.sso_provider_for(&email).await => {
            let purpose = umbral_core::ports::UpstreamPurpose::SignIn { plan: None };
            super::upstream::start_at(&state, &ctx, &idp, purpose).await
        }
        Ok(email) => password_page(&state, &ctx)
            .value("email", email.as_str())
            .render(StatusCode::OK, context! {}),
        Err(fe) => page.error(&CoreError::Validation(vec![fe]), context! {}),
    }
}

pub async fn password_step(
    State(state): State<AppState>,
    ctx: Ctx,
    posted: Posted<PasswordForm>,
) -> Response {
    let page = password_page(&state, &ctx).keep(posted.typed(), &["email"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    match state
        .umbral
        .login_on_device(
            &f.email,
            &f.password,
            ctx.device_cookie.as_deref(),
            ctx.signin_cookie.as_deref(),
            &ctx.meta,
        )
        .await
    {
        Ok(out) => {
            let mut resp = match (out.next, out.asked_again) {
                // A remembered browser asked again says why.
                (umbral_core::flows::Next::SecondFactor, Some(why)) => {
                    let mut r = Redirect::to(&format!("/login/second-factor?asked={why}")).into_response();
                    crate::api::append_cookie(&mut r, &state.session_cookie(&out.session_token));
                    r
                }
                _ => signed_in(&state, &out.session_token, out.next),
            };
            state.add_signin_cookie(&mut resp, out.device_cookie.as_deref());
            resp
        }
        // A bad email goes back to the first step; anything else stays on the password.
        Err(CoreError::Validation(errs)) if errs.iter().any(|x| x.field == "email") => {
            email_page(&state, &ctx)
                .value("email", &f.email)
                .error(&CoreError::Validation(errs), context! {})
        }
        Err(e) => page.error(&e, context! {}),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    if posted.checked().is_err() {
        return Redirect::to("/").into_response();
    }
    if let Err(e) = state.umbral.logout(&auth, &ctx.meta).await {
        return state.error_page(&ctx, &e);
    }
    let mut resp = Redirect::to("/login?notice=signed_out").into_response();
    crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
    resp
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(email_step))
        .route("/login/password", post(password_step))
        .route("/logout", post(logout))
}
