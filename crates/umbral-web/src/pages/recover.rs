//! `/recover` ("Forgot your password?") and `/recover/complete` ("Choose a new password"); the
//! invitation of a user created by staff is in `invite.rs`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;

use super::FormPage;
use super::form::{EmailForm, Posted};
use crate::AppState;
use crate::extract::Ctx;

fn recover_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "recover.html", &["_form", "email"])
}

/// The form, with the email the person typed at the sign-in (`?email=`), if any.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let email: String = q
        .get("email")
        .map(|e| e.trim().chars().take(254).collect())
        .unwrap_or_default();
    recover_page(&state, &ctx)
        .value("email", &email)
        .render(StatusCode::OK, context! { sent => false })
}

/// "Choose a new password" (a reset) or "Set your password" (an invitation).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub(crate) token: String,
    pub(crate) password: String,
}

/// Always "If an account exists, we sent a link", with the troubleshooting tips and a resend.
pub async fn request(State(state): State<AppState>, ctx: Ctx, posted: Posted<EmailForm>) -> Response {
    let page = recover_page(&state, &ctx).keep(posted.typed(), &["email"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! { sent => false });
    };
    match state
        .umbral
        .request_password_reset(&f.email, ctx.locale, &ctx.meta)
        .await
    {
        Ok(()) => page.render(StatusCode::OK, context! { sent => true }),
        Err(e @ umbral_core::CoreError::RateLimited { .. }) => page.error(&e, context! { sent => true }),
        Err(e) => page.error(&e, context! { sent => false }),
    }
}

pub(crate) fn complete_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    umbral_core::types::warm_passwords();
    FormPage::new(
        state,
        ctx,
        "recover_complete.html",
        &["_form", "token", "password"],
    )
}

pub async fn show_complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").map(String::as_str).unwrap_or_default();
    let page = complete_page(&state, &ctx).value("token", token);
    match state.umbral.password_reset_user(token).await {
        Ok(user) => page.render(StatusCode::OK, context! { email => user.email, invite => false }),
        Err(e) => page.error(&e, context! { invite => false }),
    }
}

pub async fn complete(State(state): State<AppState>, ctx: Ctx, posted: Posted<PasswordForm>) -> Response {
    let page = complete_page(&state, &ctx).keep(posted.typed(), &["token"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! { invite => false });
    };
    match state
        .umbral
        .complete_password_reset(&f.token, &f.password, &ctx.meta)
        .await
    {
        Ok(()) => {
            let mut resp = Redirect::to("/login?notice=password_reset").into_response();
            crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Err(e) => page.error(&e, context! { invite => false }),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/recover", get(show).post(request))
        .route("/recover/complete", get(show_complete).post(complete))
}
