//! Passkey pages (`docs/flows/two-factor.md`): adding one (at the enrollment step and from
//! Security), the options each WebAuthn ceremony hands the browser (`/static/passkey.js` asks
//! for them, runs the browser's dialog and posts its answer with the form), the second factor
//! (in `challenge.rs`) and the sign-in without a password from `/login`.
//!
//! The options answer JSON; everything else is a form post like any other page's, so errors are
//! shown next to the form, localised, with what was typed kept.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::passkeys::PasskeyOptions;
use umbral_core::flows::session::Authenticated;

use super::form::{NoFields, Posted};
use super::settings::SECURITY;
use super::two_factor::{ONBOARDING, SetupPlace, enrolled, enrolling};
use super::{FormPage, PageSession};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

/// The options of a ceremony as JSON once the form's token matched, or the error as the API
/// gives it (a form expired, passkeys off, a step not reached).
async fn options_answer(
    ctx: &Ctx,
    posted: Posted<NoFields>,
    make: impl AsyncFnOnce() -> Result<PasskeyOptions, CoreError>,
) -> Response {
    let made = match posted.checked() {
        Ok(_) => make().await,
        Err(_) => Err(CoreError::invalid("_form", "request.form_expired")),
    };
    match made {
        Ok(o) => axum::Json(o).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

pub async fn register_options(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    options_answer(&ctx, posted, async || {
        state.umbral.start_passkey_registration(&auth).await
    })
    .await
}

pub async fn challenge_options(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    options_answer(&ctx, posted, async || {
        state.umbral.start_passkey_challenge(&auth).await
    })
    .await
}

pub async fn sign_in_options(State(state): State<AppState>, ctx: Ctx, posted: Posted<NoFields>) -> Response {
    let start = async || {
        state.passkey_ceremonies.check(&ctx.meta.ip)?;
        state.umbral.start_passkey_sign_in().await
    };
    options_answer(&ctx, posted, start).await
}

/// The browser's answer, posted with a form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub passkey: String,
    pub name: String,
}

/// "Sign in with a passkey" and the email field's autofill: the passkey's answer signs in, or
/// the sign-in page says why not.
pub async fn sign_in(State(state): State<AppState>, ctx: Ctx, posted: Posted<AnswerForm>) -> Response {
    let page = super::login::email_page(&state, &ctx);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    match state.umbral.passkey_sign_in(&f.passkey, &ctx.meta).await {
        Ok(done) => super::signed_in(&state, &done.session_token, done.next),
        Err(e) => page.error(&e, context! {}),
    }
}

fn setup_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(
        state,
        ctx,
        "two_factor_passkey.html",
        &["_form", "name", "passkey"],
    )
}

/// "Add a passkey": a name, and the button that opens the browser's dialog.
fn render_setup(
    state: &AppState,
    ctx: &Ctx,
    place: SetupPlace,
    typed: Option<&HashMap<String, String>>,
    error: Option<&CoreError>,
) -> Response {
    let default_name = crate::render::device_text(ctx.locale, &ctx.meta.user_agent);
    let mut page = setup_page(state, ctx).value("name", &default_name);
    if let Some(typed) = typed {
        page = page.keep(typed, &["name"]);
    }
    let extra = context! {
        action => format!("{}/passkey", place.base),
        back => place.base,
    };
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

async fn add(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: SetupPlace,
    posted: Posted<AnswerForm>,
) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_setup(state, ctx, place, Some(&typed), Some(&e));
    };
    let default_name = crate::render::device_text(ctx.locale, &ctx.meta.user_agent);
    match state
        .umbral
        .finish_passkey_registration(auth, &f.passkey, &f.name, &default_name, &ctx.meta)
        .await
    {
        Ok(done) => enrolled(state, ctx, done),
        Err(e) => render_setup(state, ctx, place, Some(&typed), Some(&e)),
    }
}

pub async fn show_enroll(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    enrolling(&auth).unwrap_or_else(|| render_setup(&state, &ctx, ONBOARDING, None, None))
}

pub async fn enroll(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<AnswerForm>,
) -> Response {
    match enrolling(&auth) {
        Some(r) => r,
        None => add(&state, &ctx, &auth, ONBOARDING, posted).await,
    }
}

pub async fn show_add(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    match auth.complete_user() {
        Ok(_) => render_setup(&state, &ctx, SECURITY, None, None),
        Err(_) => Redirect::to(super::step_path(auth.next())).into_response(),
    }
}

pub async fn add_from_security(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<AnswerForm>,
) -> Response {
    match auth.complete_user() {
        Ok(_) => add(&state, &ctx, &auth, SECURITY, posted).await,
        Err(_) => Redirect::to(super::step_path(auth.next())).into_response(),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/passkeys/register/options", post(register_options))
        .route("/login/second-factor/passkey/options", post(challenge_options))
        .route("/login/passkey/options", post(sign_in_options))
        .route("/login/passkey", post(sign_in))
        .route("/two-factor/passkey", get(show_enroll).post(enroll))
        .route(
            "/settings/security/passkey",
            get(show_add).post(add_from_security),
        )
}
