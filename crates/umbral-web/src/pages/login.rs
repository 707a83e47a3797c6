//! `/login`: identifier first (Email, Next), then Password (Sign in); `/logout`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use umbral_core::types::Email;

use super::{csrf_ok, csrf_token, form_expired, session, step_path, with_cookie};
use crate::AppState;
use crate::extract::Ctx;
use crate::render::FormState;

/// Notices the sign-in page may show (anything else in `?notice=` is ignored).
const NOTICES: &[&str] = &[
    "signed_in_elsewhere",
    "signed_out",
    "session_expired",
    "session_ended",
];

fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    tpl: &str,
    form: FormState,
    notice: Option<String>,
    cookie: Option<String>,
) -> Response {
    let page = state.page(ctx, status, tpl, context! { form => form, notice => notice });
    with_cookie(page, cookie).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let notice = q
        .get("notice")
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| crate::i18n::t(ctx.locale, &format!("notice-{n}"), &[]));
    render(
        &state,
        &ctx,
        StatusCode::OK,
        "login_email.html",
        FormState::new(&csrf),
        notice,
        cookie,
    )
}

/// The email step never says whether the address exists: every well-formed address goes on to
/// the password step.
pub async fn email_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let raw = f.get("email").cloned().unwrap_or_default();
    let form = FormState::new(&csrf).value("email", &raw);
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        let form = form.with_error(&form_expired(), ctx.locale, &["email"]);
        return render(
            &state,
            &ctx,
            StatusCode::FORBIDDEN,
            "login_email.html",
            form,
            None,
            cookie,
        );
    }
    match Email::parse(&raw) {
        Ok(email) => {
            let form = FormState::new(&csrf).value("email", email.as_str());
            render(
                &state,
                &ctx,
                StatusCode::OK,
                "login_password.html",
                form,
                None,
                cookie,
            )
        }
        Err(fe) => {
            let e = umbral_core::CoreError::Validation(vec![fe]);
            let form = form.with_error(&e, ctx.locale, &["email"]);
            render(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "login_email.html",
                form,
                None,
                cookie,
            )
        }
    }
}

pub async fn password_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let email = f.get("email").cloned().unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let form = FormState::new(&csrf).value("email", &email);
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        let form = form.with_error(&form_expired(), ctx.locale, &["password"]);
        return render(
            &state,
            &ctx,
            StatusCode::FORBIDDEN,
            "login_password.html",
            form,
            None,
            cookie,
        );
    }
    match state.umbral.login(&email, &password, &ctx.meta).await {
        Ok(out) => {
            let max_age = state.umbral.config().session.max_age_secs;
            let mut resp = Redirect::to(step_path(out.next.as_str())).into_response();
            crate::api::append_cookie(
                &mut resp,
                &state
                    .cookies
                    .set(state.cookies.session, &out.session_token, Some(max_age)),
            );
            resp
        }
        Err(e) => {
            // A bad email goes back to the first step; anything else stays on the password.
            let email_problem = matches!(&e, umbral_core::CoreError::Validation(errs) if errs.iter().any(|x| x.field == "email"));
            let tpl = if email_problem {
                "login_email.html"
            } else {
                "login_password.html"
            };
            let form = form.with_error(&e, ctx.locale, &["_form", "email", "password"]);
            let mut resp = render(&state, &ctx, crate::error::status_of(&e), tpl, form, None, cookie);
            if let Some(s) = crate::error::retry_after(&e) {
                crate::api::set_retry_after(&mut resp, s);
            }
            resp
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let auth = match session(&state, &ctx).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        return Redirect::to("/").into_response();
    }
    if let Err(e) = state.umbral.logout(&auth, &ctx.meta).await {
        return state.error_page(&ctx, &e);
    }
    let mut resp = Redirect::to("/login?notice=signed_out").into_response();
    crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
    resp
}
