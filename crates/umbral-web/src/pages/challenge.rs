//! The challenge after the password (`/login/second-factor`): a code from one of the person's
//! methods, a code sent by email or SMS on request, and "I can't use any of my methods" (a
//! lost-factor reset confirmed by email, then approved by staff).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::factors::Method;
use umbral_core::flows::Next;
use umbral_core::flows::session::Authenticated;

use super::form::{NoFields, Posted};
use super::{FormPage, PageSession, step_path};
use crate::AppState;
use crate::extract::Ctx;
use crate::i18n::Arg;

fn challenge_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "challenge.html", &["_form", "method", "code"])
}

/// The challenge page for `method` (or the list of methods when `choose`).
/// What the challenge page shows besides the methods.
#[derive(Default)]
struct ChallengeView<'a> {
    method: Option<Method>,
    /// The list of methods ("Try another method").
    choose: bool,
    /// "We sent a code ...".
    notice: Option<String>,
    /// Why a remembered browser is asked again.
    asked: Option<&'a str>,
}

async fn render_challenge(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    view: ChallengeView<'_>,
    error: Option<&CoreError>,
) -> Response {
    let ChallengeView {
        method,
        choose,
        notice,
        asked,
    } = view;
    // A code by email or SMS is sent on request; until then the page offers to send it.
    let sent = notice.is_some() || error.is_some();
    let options = match state.umbral.challenge_options(auth) {
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
        phone_masked => options.phone_masked,
        notice => notice,
        sent => sent,
        asked => asked.map(|why| crate::i18n::t(ctx.locale, &format!("challenge-asked-{why}"), &[])),
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
    // Why a remembered browser is asked again, from the sign-in that sent it here.
    const ASKED: &[&str] = &[
        "revoked",
        "expired",
        "other_network",
        "security_changed",
        "owner_changed",
    ];
    let asked = q.get("asked").map(String::as_str).filter(|a| ASKED.contains(a));
    render_challenge(
        &state,
        &ctx,
        &auth,
        ChallengeView {
            method,
            choose,
            asked,
            ..Default::default()
        },
        None,
    )
    .await
}

/// The challenge's answer: the method, its code, and "Remember this device".
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    method: String,
    code: String,
    remember_device: String,
    /// A passkey's answer (`/static/passkey.js`).
    passkey: String,
}

/// A code sent on request: by which method.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SendForm {
    method: String,
}

/// The button of the emailed lost-factor link.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenForm {
    token: String,
}

pub async fn answer_challenge(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<AnswerForm>,
) -> Response {
    let method = posted.typed().get("method").and_then(|m| Method::parse(m));
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_challenge(
            &state,
            &ctx,
            &auth,
            ChallengeView {
                method,
                ..Default::default()
            },
            Some(&e),
        )
        .await;
    };
    let Some(m) = Method::parse(&f.method) else {
        let e = CoreError::invalid("method", "factor.method_unavailable");
        return render_challenge(
            &state,
            &ctx,
            &auth,
            ChallengeView {
                choose: true,
                ..Default::default()
            },
            Some(&e),
        )
        .await;
    };
    let remember = !f.remember_device.is_empty();
    let answer = match m {
        Method::Passkey => {
            state
                .umbral
                .pass_passkey_challenge(&auth, &f.passkey, remember, &ctx.meta)
                .await
        }
        _ => {
            state
                .umbral
                .pass_second_factor(&auth, m, &f.code, remember, &ctx.meta)
                .await
        }
    };
    match answer {
        Ok(passed) => {
            let mut resp = super::signed_in(&state, &passed.session_token, passed.next);
            if let Some(token) = passed.device_token {
                crate::api::append_cookie(&mut resp, &state.device_cookie(&token));
            }
            resp
        }
        Err(CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => {
            render_challenge(
                &state,
                &ctx,
                &auth,
                ChallengeView {
                    method: Some(m),
                    ..Default::default()
                },
                Some(&e),
            )
            .await
        }
    }
}

/// "Email": sends a code and shows where it went.
pub async fn send_code(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<SendForm>,
) -> Response {
    let method = posted
        .typed()
        .get("method")
        .and_then(|m| Method::parse(m))
        .unwrap_or(Method::Email);
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_challenge(
            &state,
            &ctx,
            &auth,
            ChallengeView {
                method: Some(method),
                ..Default::default()
            },
            Some(&e),
        )
        .await;
    };
    let method = Method::parse(&f.method).unwrap_or(Method::Email);
    match state
        .umbral
        .send_challenge_code(&auth, method, ctx.locale, &ctx.meta)
        .await
    {
        Ok(()) => {
            let notice = match state.umbral.challenge_options(&auth) {
                Ok(o) if method == Method::Sms => crate::i18n::t(
                    ctx.locale,
                    "challenge-sms-sent",
                    &[("phone", Arg::Str(o.phone_masked.as_deref().unwrap_or_default()))],
                ),
                Ok(o) => crate::i18n::t(
                    ctx.locale,
                    "challenge-email-sent",
                    &[("email", Arg::Str(&o.email_masked))],
                ),
                Err(e) => return state.error_page(&ctx, &e),
            };
            render_challenge(
                &state,
                &ctx,
                &auth,
                ChallengeView {
                    method: Some(method),
                    notice: Some(notice),
                    ..Default::default()
                },
                None,
            )
            .await
        }
        Err(CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => {
            render_challenge(
                &state,
                &ctx,
                &auth,
                ChallengeView {
                    method: Some(method),
                    ..Default::default()
                },
                Some(&e),
            )
            .await
        }
    }
}

// ---- Lost every method ----

fn lost_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "lost.html", &["_form"])
}

/// "I can't use any of my methods": what happens, and the button that starts it.
pub async fn show_lost(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if auth.next() != Next::SecondFactor {
        return Redirect::to(step_path(auth.next())).into_response();
    }
    lost_page(&state, &ctx).render(StatusCode::OK, context! {})
}

pub async fn request_lost(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let page = lost_page(&state, &ctx);
    if posted.checked().is_err() {
        return page.expired(context! {});
    }
    match state
        .umbral
        .request_factor_reset(&auth, ctx.locale, &ctx.meta)
        .await
    {
        Ok(()) => {
            let email = match state.umbral.challenge_options(&auth) {
                Ok(o) => o.email_masked,
                Err(e) => return state.error_page(&ctx, &e),
            };
            let notice = crate::i18n::t(ctx.locale, "lost-sent", &[("email", Arg::Str(&email))]);
            page.render(StatusCode::OK, context! { notice => notice })
        }
        Err(CoreError::AlreadyDone) => {
            let notice = crate::i18n::t(ctx.locale, "lost-waiting", &[]);
            page.render(StatusCode::OK, context! { notice => notice })
        }
        Err(e) => page.error(&e, context! {}),
    }
}

fn reset_confirm_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "reset_confirm.html", &["_form", "token"])
}

/// The link from the email asks for a press of a button: mail scanners that open links must not
/// confirm a request on their own.
pub async fn show_reset_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").map(String::as_str).unwrap_or_default();
    reset_confirm_page(&state, &ctx)
        .value("token", token)
        .render(StatusCode::OK, context! {})
}

pub async fn confirm_reset(State(state): State<AppState>, ctx: Ctx, posted: Posted<TokenForm>) -> Response {
    let page = reset_confirm_page(&state, &ctx).keep(posted.typed(), &["token"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    match state.umbral.confirm_factor_reset(&f.token, &ctx.meta).await {
        Ok(()) => {
            let notice = crate::i18n::t(ctx.locale, "lost-waiting", &[]);
            page.render(StatusCode::OK, context! { notice => notice })
        }
        Err(e) => page.error(&e, context! {}),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/second-factor", get(show_challenge).post(answer_challenge))
        .route("/login/second-factor/send", post(send_code))
        .route("/login/second-factor/lost", get(show_lost).post(request_lost))
        .route(
            "/factor-reset/confirm",
            get(show_reset_confirm).post(confirm_reset),
        )
}
