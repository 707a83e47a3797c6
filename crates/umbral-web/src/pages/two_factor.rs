//! Two-factor pages: choosing and setting a method up (`/two-factor`), the recovery codes shown
//! once, and the challenge after the password (`/login/second-factor`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use umbral_core::CoreError;
use umbral_core::factors::Method;
use umbral_core::flows::Next;
use umbral_core::flows::session::Authenticated;

use super::{FormPage, PageSession, step_path};
use crate::AppState;
use crate::extract::Ctx;
use crate::i18n::Arg;

/// `/two-factor`: "Two-factor authentication", choose a method.
pub async fn choose(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if auth.next() != Next::EnrollFactor {
        return Redirect::to(step_path(auth.next().as_str())).into_response();
    }
    FormPage::new(&state, &ctx, "two_factor.html", &[]).render(StatusCode::OK, context! {})
}

/// Where an authenticator app is being set up: at sign-up, or from the Security tab.
#[derive(Clone, Copy)]
pub struct AppSetupPlace {
    /// The form posts here.
    pub action: &'static str,
    /// "Back" goes here.
    pub back: &'static str,
}

const ONBOARDING: AppSetupPlace = AppSetupPlace {
    action: "/two-factor/app",
    back: "/two-factor",
};

fn app_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "two_factor_app.html", &["_form", "code"])
}

/// The QR code, the key as text and the code field; `error` shown next to the code.
pub async fn render_app_setup(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: AppSetupPlace,
    error: Option<&CoreError>,
) -> Response {
    let setup = match state.umbral.start_totp(auth).await {
        Ok(s) => s,
        Err(e) => return state.error_page(ctx, &e),
    };
    let qr = match crate::qr::svg(&setup.otpauth_uri) {
        Ok(svg) => svg,
        Err(e) => return state.error_page(ctx, &CoreError::Internal(e)),
    };
    // The key in groups of four, as authenticator apps show it.
    let grouped: Vec<String> = setup
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let extra = context! {
        qr_svg => Value::from_safe_string(qr),
        secret => grouped.join(" "),
        otpauth_uri => setup.otpauth_uri,
        action => place.action,
        back => place.back,
    };
    let page = app_page(state, ctx);
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

/// Confirms the app with a code from it; the first factor shows the recovery codes once.
pub async fn confirm_app_setup(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: AppSetupPlace,
    f: &HashMap<String, String>,
) -> Response {
    if !app_page(state, ctx).csrf_ok(f) {
        return app_page(state, ctx).expired(context! { action => place.action, back => place.back });
    }
    let code = f.get("code").map(String::as_str).unwrap_or_default();
    match state.umbral.confirm_totp(auth, code, &ctx.meta).await {
        Ok(done) => match done.recovery_codes {
            Some(codes) => recovery_codes_page(state, ctx, &codes, step_path(done.next.as_str())),
            None => Redirect::to("/settings/security?notice=factor_added").into_response(),
        },
        Err(e) => render_app_setup(state, ctx, auth, place, Some(&e)).await,
    }
}

/// Ten recovery codes, shown once, with a download.
pub fn recovery_codes_page(state: &AppState, ctx: &Ctx, codes: &[String], next: &str) -> Response {
    let text = format!(
        "{}\n\n{}\n",
        crate::i18n::t(
            ctx.locale,
            "recovery-file-title",
            &[("product", Arg::Str(&state.settings.product_name))]
        ),
        codes.join("\n")
    );
    let download = format!("data:text/plain;charset=utf-8,{}", percent_encode(&text));
    FormPage::new(state, ctx, "recovery_codes.html", &[]).render(
        StatusCode::OK,
        context! { codes => codes, download => download, next => next },
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn show_app(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if auth.next() != Next::EnrollFactor {
        return Redirect::to(step_path(auth.next().as_str())).into_response();
    }
    render_app_setup(&state, &ctx, &auth, ONBOARDING, None).await
}

pub async fn confirm_app(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    confirm_app_setup(&state, &ctx, &auth, ONBOARDING, &f).await
}

// ---- The challenge ----

fn challenge_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "challenge.html", &["_form", "method", "code"])
}

/// The challenge page for `method` (or the list of methods when `choose`).
async fn render_challenge(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    method: Option<Method>,
    choose: bool,
    notice: Option<String>,
    error: Option<&CoreError>,
) -> Response {
    let options = match state.umbral.challenge_options(auth).await {
        Ok(o) => o,
        Err(CoreError::AlreadyDone) => return Redirect::to("/").into_response(),
        Err(e) => return state.error_page(ctx, &e),
    };
    let method = method
        .filter(|m| options.methods.contains(m))
        .or_else(|| options.methods.first().copied())
        .unwrap_or(Method::Totp);
    let methods: Vec<&str> = options.methods.iter().map(|m| m.as_str()).collect();
    let extra = context! {
        method => method.as_str(),
        methods => methods,
        choose => choose,
        email_masked => options.email_masked,
        notice => notice,
    };
    let page = challenge_page(state, ctx).value("method", method.as_str());
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn show_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let method = q.get("method").and_then(|m| Method::parse(m));
    let choose = q.contains_key("choose");
    render_challenge(&state, &ctx, &auth, method, choose, None, None).await
}

pub async fn answer_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let method = f.get("method").and_then(|m| Method::parse(m));
    if !challenge_page(&state, &ctx).csrf_ok(&f) {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_challenge(&state, &ctx, &auth, method, false, None, Some(&e)).await;
    }
    let Some(m) = method else {
        let e = CoreError::invalid("method", "factor.method_unavailable");
        return render_challenge(&state, &ctx, &auth, None, true, None, Some(&e)).await;
    };
    let code = f.get("code").map(String::as_str).unwrap_or_default();
    let remember = f.get("remember_device").is_some_and(|v| !v.is_empty());
    match state
        .umbral
        .pass_second_factor(&auth, m, code, remember, &ctx.meta)
        .await
    {
        Ok(passed) => {
            let mut resp = Redirect::to(step_path(passed.next.as_str())).into_response();
            if let Some(token) = passed.device_token {
                crate::api::append_cookie(&mut resp, &state.device_cookie(&token));
            }
            resp
        }
        Err(CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => render_challenge(&state, &ctx, &auth, Some(m), false, None, Some(&e)).await,
    }
}

/// "Email": sends a code and shows where it went.
pub async fn send_code(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let method = f
        .get("method")
        .and_then(|m| Method::parse(m))
        .unwrap_or(Method::Email);
    if !challenge_page(&state, &ctx).csrf_ok(&f) {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_challenge(&state, &ctx, &auth, Some(method), false, None, Some(&e)).await;
    }
    match state.umbral.send_challenge_code(&auth, method, ctx.locale).await {
        Ok(()) => {
            let masked = state
                .umbral
                .challenge_options(&auth)
                .await
                .map(|o| o.email_masked)
                .unwrap_or_default();
            let notice = crate::i18n::t(
                ctx.locale,
                "challenge-email-sent",
                &[("email", Arg::Str(&masked))],
            );
            render_challenge(&state, &ctx, &auth, Some(method), false, Some(notice), None).await
        }
        Err(CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => render_challenge(&state, &ctx, &auth, Some(method), false, None, Some(&e)).await,
    }
}
