//! Two-factor set-up pages: choosing and setting a method up (`/two-factor`, and from Security),
//! and the recovery codes (`/recovery-codes`). The challenge after the password is in
//! `challenge.rs`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::{Value, context};
use umbral_core::CoreError;
use umbral_core::flows::Next;
use umbral_core::flows::input::PhoneInput;
use umbral_core::flows::session::Authenticated;

use super::form::{CodeForm, NoFields, Posted};
use super::{FormPage, PageSession, step_path};
use crate::AppState;
use crate::extract::Ctx;
use crate::i18n::Arg;

/// `/two-factor`: "Two-factor authentication", choose a method.
pub async fn choose(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if let Some(r) = enrolling(&auth) {
        return r;
    }
    let sms = state.umbral.config().factors.sms.enabled;
    FormPage::new(&state, &ctx, "two_factor.html", &[]).render(StatusCode::OK, context! { sms => sms })
}

/// Where a factor is being set up: at sign-up (`/two-factor`), or from the Security tab
/// (`/settings/security`); the set-up pages live under it (`/app`, `/sms`, `/sms/confirm`).
#[derive(Clone, Copy)]
pub struct SetupPlace {
    pub base: &'static str,
}

impl SetupPlace {
    fn path(self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }
}

pub(crate) const ONBOARDING: SetupPlace = SetupPlace { base: "/two-factor" };

fn app_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "two_factor_app.html", &["_form", "code"])
}

/// The QR code, the key as text and the code field; `error` shown next to the code.
pub async fn render_app_setup(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: SetupPlace,
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
        action => place.path("/app"),
        back => place.base,
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
    place: SetupPlace,
    posted: Posted<CodeForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_app_setup(state, ctx, auth, place, Some(&e)).await;
    };
    match state.umbral.confirm_totp(auth, &f.code, &ctx.meta).await {
        Ok(done) => enrolled(state, ctx, done),
        Err(e) => render_app_setup(state, ctx, auth, place, Some(&e)).await,
    }
}

/// After a factor is confirmed: the recovery codes with the first one, else back to the tab.
/// When that completed the sign-in, the session's id rotated: the new cookie goes with it.
pub(crate) fn enrolled(
    state: &AppState,
    ctx: &Ctx,
    done: umbral_core::flows::enrollment::Enrolled,
) -> Response {
    let token = done
        .session_token
        .as_deref()
        .or(ctx.token.as_ref().map(|(t, _)| t.as_str()))
        .unwrap_or_default();
    let mut resp = match done.recovery_codes {
        Some(codes) => show_codes_next(state, ctx, token, &codes, step_path(done.next)),
        None => Redirect::to("/settings/security?notice=factor_added").into_response(),
    };
    if let Some(token) = &done.session_token {
        crate::api::append_cookie(&mut resp, &state.session_cookie(token));
    }
    resp
}

/// New recovery codes, as the page at `/recovery-codes` shows them, sealed to the session.
#[derive(serde::Serialize, serde::Deserialize)]
struct ShownCodes {
    codes: Vec<String>,
    /// Where "Continue" leads once they are saved.
    next: String,
}

fn codes_context(session_id_hash: &str) -> String {
    format!("recovery-codes:{session_id_hash}")
}

/// Post, then redirect: the codes go to `/recovery-codes` in a cookie sealed to this session
/// (never stored in the clear, useless to another session), so that a reload shows the same
/// codes until the person says they saved them, and nothing is generated twice.
pub fn show_codes_next(
    state: &AppState,
    ctx: &Ctx,
    session_token: &str,
    codes: &[String],
    next: &str,
) -> Response {
    let shown = ShownCodes {
        codes: codes.to_vec(),
        next: next.to_string(),
    };
    let sealed = serde_json::to_vec(&shown)
        .map_err(|e| CoreError::Internal(e.to_string()))
        .and_then(|json| {
            state.umbral.config().secret_key.seal(
                &json,
                &codes_context(&umbral_core::secrets::hash_token(session_token)),
            )
        });
    match sealed {
        Ok(sealed) => {
            let mut resp = Redirect::to("/recovery-codes").into_response();
            crate::api::append_cookie(
                &mut resp,
                &state.cookies.set(state.cookies.codes, &sealed, Some(3600)),
            );
            resp
        }
        Err(e) => state.error_page(ctx, &e),
    }
}

fn shown_codes(state: &AppState, ctx: &Ctx, auth: &Authenticated) -> Option<ShownCodes> {
    let sealed = ctx.codes_cookie.as_deref()?;
    let json = state
        .umbral
        .config()
        .secret_key
        .open(sealed, &codes_context(auth.session.id_hash.as_str()))
        .ok()?;
    let shown: ShownCodes = serde_json::from_slice(&json).ok()?;
    // Only ever a path of this site.
    (shown.next.starts_with('/') && !shown.next.starts_with("//")).then_some(shown)
}

/// `GET /recovery-codes`: the codes just made, until the person says they saved them; without
/// them (saved already, another session) on to where the person goes next.
pub async fn show_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    match shown_codes(&state, &ctx, &auth) {
        Some(shown) => recovery_codes_page(&state, &ctx, &shown.codes),
        None => Redirect::to(step_path(auth.next())).into_response(),
    }
}

/// `POST /recovery-codes`: "I saved them, continue": the codes are forgotten by the browser.
pub async fn saved_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let shown = shown_codes(&state, &ctx, &auth);
    if posted.checked().is_err() {
        return match shown {
            Some(s) => recovery_codes_page(&state, &ctx, &s.codes),
            None => Redirect::to(step_path(auth.next())).into_response(),
        };
    }
    let next = shown.map_or_else(|| step_path(auth.next()).to_string(), |s| s.next);
    let mut resp = Redirect::to(&next).into_response();
    crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.codes));
    resp
}

fn sms_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(
        state,
        ctx,
        "two_factor_sms.html",
        &["_form", "phone_country", "phone"],
    )
}

fn sms_extra(ctx: &Ctx, place: SetupPlace, country: &str) -> minijinja::Value {
    let countries = crate::pages::signup::countries(ctx.locale, country);
    context! { action => place.path("/sms"), back => place.base, ..countries }
}

/// "SMS": the dial prefix and the number, offering the phone given at sign-up (editable).
pub fn render_sms_setup(state: &AppState, ctx: &Ctx, auth: &Authenticated, place: SetupPlace) -> Response {
    let given = auth
        .user
        .as_ref()
        .and_then(|u| umbral_core::types::PhoneE164::parse_e164(&u.phone).ok());
    let region = given.as_ref().and_then(|p| p.region());
    let country = region.clone().unwrap_or_else(|| ctx.likely_country().to_string());
    let number = given.as_ref().and_then(|p| p.national()).unwrap_or_default();
    sms_page(state, ctx)
        .value("phone_country", &country)
        .value("phone", &number)
        .render(StatusCode::OK, sms_extra(ctx, place, &country))
}

/// The number to set up for SMS: dial prefix (by country) and national number.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PhoneForm {
    phone_country: String,
    phone: String,
}

/// Sends the code to the number, then asks for it.
pub async fn send_sms_setup(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: SetupPlace,
    posted: Posted<PhoneForm>,
) -> Response {
    let page = sms_page(state, ctx).keep(posted.typed(), &["phone_country", "phone"]);
    let chosen = posted.typed().get("phone_country").cloned().unwrap_or_default();
    let Ok(f) = posted.checked() else {
        return page.expired(sms_extra(ctx, place, &chosen));
    };
    let phone = PhoneInput::National {
        country: f.phone_country,
        number: f.phone,
    };
    match state.umbral.start_sms(auth, &phone, ctx.locale, &ctx.meta).await {
        Ok(()) => Redirect::to(&place.path("/sms/confirm")).into_response(),
        Err(e) => page.error(&e, sms_extra(ctx, place, &chosen)),
    }
}

fn sms_code_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "two_factor_sms_code.html", &["_form", "code"])
}

/// "We sent a 6-digit code to ••• 6789": the code field.
pub async fn render_sms_code(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: SetupPlace,
    error: Option<&CoreError>,
) -> Response {
    let phone = match state.umbral.pending_sms(auth).await {
        Ok(Some(p)) => p,
        Ok(None) => return Redirect::to(&place.path("/sms")).into_response(),
        Err(e) => return state.error_page(ctx, &e),
    };
    let extra =
        context! { phone => phone, action => place.path("/sms/confirm"), again => place.path("/sms") };
    let page = sms_code_page(state, ctx);
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn confirm_sms_setup(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    place: SetupPlace,
    posted: Posted<CodeForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_sms_code(state, ctx, auth, place, Some(&e)).await;
    };
    match state.umbral.confirm_sms(auth, &f.code, &ctx.meta).await {
        Ok(done) => enrolled(state, ctx, done),
        Err(e) => render_sms_code(state, ctx, auth, place, Some(&e)).await,
    }
}

/// Only at the enrollment step; anything else goes where it belongs.
pub(crate) fn enrolling(auth: &Authenticated) -> Option<Response> {
    (auth.next() != Next::EnrollFactor).then(|| Redirect::to(step_path(auth.next())).into_response())
}

pub async fn show_sms(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    enrolling(&auth).unwrap_or_else(|| render_sms_setup(&state, &ctx, &auth, ONBOARDING))
}

pub async fn send_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<PhoneForm>,
) -> Response {
    match enrolling(&auth) {
        Some(r) => r,
        None => send_sms_setup(&state, &ctx, &auth, ONBOARDING, posted).await,
    }
}

pub async fn show_sms_code(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    match enrolling(&auth) {
        Some(r) => r,
        None => render_sms_code(&state, &ctx, &auth, ONBOARDING, None).await,
    }
}

pub async fn confirm_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CodeForm>,
) -> Response {
    if let Some(r) = enrolling(&auth) {
        return r;
    }
    confirm_sms_setup(&state, &ctx, &auth, ONBOARDING, posted).await
}

/// Ten recovery codes with a download, and "I saved them, continue".
fn recovery_codes_page(state: &AppState, ctx: &Ctx, codes: &[String]) -> Response {
    let text = format!(
        "{}\n\n{}\n",
        crate::i18n::t(
            ctx.locale,
            "recovery-file-title",
            &[("product", Arg::Str(&state.settings.product_name))]
        ),
        codes.join("\n")
    );
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
    );
    FormPage::new(state, ctx, "recovery_codes.html", &[])
        .render(StatusCode::OK, context! { codes => codes, download => download })
}

pub async fn show_app(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    match enrolling(&auth) {
        Some(r) => r,
        None => render_app_setup(&state, &ctx, &auth, ONBOARDING, None).await,
    }
}

pub async fn confirm_app(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CodeForm>,
) -> Response {
    // A stale set-up page sent after the factor is active adds nothing.
    if let Some(r) = enrolling(&auth) {
        return r;
    }
    confirm_app_setup(&state, &ctx, &auth, ONBOARDING, posted).await
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/two-factor", get(choose))
        .route(
            "/recovery-codes",
            get(show_recovery_codes).post(saved_recovery_codes),
        )
        .route("/two-factor/app", get(show_app).post(confirm_app))
        .route("/two-factor/sms", get(show_sms).post(send_sms))
        .route("/two-factor/sms/confirm", get(show_sms_code).post(confirm_sms))
}
