//! `/signup` and `/signup/confirm`.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use umbral_core::flows::Next;
use umbral_core::flows::signup::{PhoneInput, SignupInput};
use umbral_core::types::Locale;

use super::{csrf_ok, csrf_token, form_expired, session, step_path, with_cookie};
use crate::AppState;
use crate::extract::Ctx;
use crate::render::FormState;

const SIGNUP_ORDER: &[&str] = &[
    "_form",
    "name",
    "email",
    "phone_country",
    "phone",
    "password",
    "accept_terms",
];

/// Countries offered in the dial-prefix selector: (ISO code, dial prefix).
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AR", "54"),
    ("BO", "591"),
    ("BR", "55"),
    ("CA", "1"),
    ("CL", "56"),
    ("CO", "57"),
    ("CR", "506"),
    ("DO", "1"),
    ("EC", "593"),
    ("ES", "34"),
    ("GT", "502"),
    ("HN", "504"),
    ("MX", "52"),
    ("NI", "505"),
    ("PA", "507"),
    ("PE", "51"),
    ("PT", "351"),
    ("PY", "595"),
    ("SV", "503"),
    ("US", "1"),
    ("UY", "598"),
    ("VE", "58"),
    ("DE", "49"),
    ("FR", "33"),
    ("GB", "44"),
    ("IT", "39"),
];

fn default_country(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "AR",
        Locale::PtBr => "BR",
        Locale::En => "US",
    }
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: FormState,
    cookie: Option<String>,
) -> Response {
    let countries: Vec<_> = COUNTRIES
        .iter()
        .map(|(c, d)| context! { code => c, dial => d })
        .collect();
    let page = state.page(
        ctx,
        status,
        "signup.html",
        context! { form => form, countries => countries },
    );
    with_cookie(page, cookie).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let mut form = FormState::new(&csrf).value("phone_country", default_country(ctx.locale));
    if let Some(plan) = q.get("plan").filter(|p| p.len() <= 64) {
        form = form.value("plan", plan);
    }
    render(&state, &ctx, StatusCode::OK, form, cookie)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let mut form = FormState::new(&csrf);
    for k in ["name", "email", "phone_country", "phone", "plan"] {
        form = form.value(k, &get(k));
    }
    let accepted = f.get("accept_terms").is_some_and(|v| !v.is_empty());
    if accepted {
        form = form.value("accept_terms", "yes");
    }
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        let form = form.with_error(&form_expired(), ctx.locale, SIGNUP_ORDER);
        return render(&state, &ctx, StatusCode::FORBIDDEN, form, cookie);
    }
    let input = SignupInput {
        name: get("name"),
        email: get("email"),
        phone: PhoneInput::National {
            country: get("phone_country"),
            number: get("phone"),
        },
        password: get("password"),
        accept_terms: accepted,
        plan: f.get("plan").cloned().filter(|p| !p.is_empty()),
        locale: ctx.locale,
    };
    match state.umbral.signup(&input, &ctx.meta).await {
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
            let status = crate::error::status_of(&e);
            let form = form.with_error(&e, ctx.locale, SIGNUP_ORDER);
            let mut resp = render(&state, &ctx, status, form, cookie);
            if let Some(s) = crate::error::retry_after(&e) {
                crate::api::set_retry_after(&mut resp, s);
            }
            resp
        }
    }
}

fn render_confirm(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: FormState,
    notice: Option<String>,
    cookie: Option<String>,
) -> Response {
    let page = state.page(
        ctx,
        status,
        "confirm.html",
        context! { form => form, notice => notice },
    );
    with_cookie(page, cookie).into_response()
}

pub async fn show_confirm(State(state): State<AppState>, ctx: Ctx) -> Response {
    let auth = match session(&state, &ctx).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if auth.next() == Next::Done {
        return Redirect::to("/").into_response();
    }
    let (csrf, cookie) = csrf_token(&state, &ctx);
    render_confirm(&state, &ctx, StatusCode::OK, FormState::new(&csrf), None, cookie)
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let auth = match session(&state, &ctx).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let code = f.get("code").cloned().unwrap_or_default();
    let form = FormState::new(&csrf).value("code", &code);
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        let form = form.with_error(&form_expired(), ctx.locale, &["code"]);
        return render_confirm(&state, &ctx, StatusCode::FORBIDDEN, form, None, cookie);
    }
    match state.umbral.confirm_email(&auth, &code, &ctx.meta).await {
        Ok(next) => Redirect::to(step_path(next.as_str())).into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            render_confirm(
                &state,
                &ctx,
                status,
                form.with_error(&e, ctx.locale, &["code"]),
                None,
                cookie,
            )
        }
    }
}

pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let auth = match session(&state, &ctx).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (csrf, cookie) = csrf_token(&state, &ctx);
    let form = FormState::new(&csrf);
    if !csrf_ok(&ctx, f.get("csrf_token")) {
        let form = form.with_error(&form_expired(), ctx.locale, &["code"]);
        return render_confirm(&state, &ctx, StatusCode::FORBIDDEN, form, None, cookie);
    }
    match state.umbral.resend_email_code(&auth, ctx.locale).await {
        Ok(()) => {
            let notice = crate::i18n::t(ctx.locale, "confirm-resent", &[]);
            render_confirm(&state, &ctx, StatusCode::OK, form, Some(notice), cookie)
        }
        Err(umbral_core::CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            render_confirm(
                &state,
                &ctx,
                status,
                form.with_error(&e, ctx.locale, &["code"]),
                None,
                cookie,
            )
        }
    }
}
