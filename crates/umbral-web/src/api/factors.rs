//! `/api/v1` for second factors: the challenge after the password, setting factors up, recovery
//! codes, trusted devices and the lost-factor reset.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use umbral_core::CoreError;
use umbral_core::factors::Method;
use umbral_core::flows::enrollment::FactorView;

use super::v1::{ApiSession, CodeBody};
use super::{ApiJson, append_cookie};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeBody {
    #[serde(default)]
    method: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    remember_device: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodBody {
    #[serde(default)]
    method: String,
}

pub fn factor_json(f: &FactorView) -> Value {
    json!({
        "id": f.id,
        "kind": f.kind.as_str(),
        "phone": f.phone_masked,
        "created_at": f.created_at,
        "last_used_at": f.last_used_at,
    })
}

fn method(s: &str) -> Result<Method, CoreError> {
    Method::parse(s).ok_or_else(|| CoreError::invalid("method", "factor.method_unavailable"))
}

pub(crate) fn fail(e: CoreError, ctx: &Ctx) -> Response {
    ApiError::new(e, ctx.locale).into_response()
}

/// `GET /api/v1/login/second-factor`: the methods this challenge accepts.
pub async fn challenge(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.challenge_options(&a) {
        Ok(o) => Json(json!({
            "methods": o.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "email": o.email_masked,
            "phone": o.phone_masked,
        }))
        .into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<ChallengeBody>,
) -> Response {
    let m = match method(&b.method) {
        Ok(m) => m,
        Err(e) => return fail(e, &ctx),
    };
    match state
        .umbral
        .pass_second_factor(&a, m, &b.code, b.remember_device, &ctx.meta)
        .await
    {
        Ok(passed) => {
            let mut body = json!({"next": passed.next.as_str()});
            // A client with a bearer token keeps no cookies: it gets the device token itself.
            let bearer = matches!(ctx.token, Some((_, false)));
            if bearer && let Some(t) = &passed.device_token {
                body["device_token"] = json!(t);
            }
            let mut resp = rotated(&state, &ctx, body, Some(&passed.session_token));
            if let Some(t) = &passed.device_token {
                append_cookie(&mut resp, &state.device_cookie(t));
            }
            resp
        }
        Err(e) => fail(e, &ctx),
    }
}

pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<MethodBody>,
) -> Response {
    let result = match method(&b.method) {
        Ok(m) => {
            state
                .umbral
                .send_challenge_code(&a, m, ctx.locale, &ctx.meta)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn start_totp(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    let setup = match state.umbral.start_totp(&a).await {
        Ok(s) => s,
        Err(e) => return fail(e, &ctx),
    };
    match crate::qr::svg(&setup.otpauth_uri) {
        Ok(svg) => Json(json!({
            "factor_id": setup.factor_id,
            "otpauth_uri": setup.otpauth_uri,
            "secret": setup.secret,
            "qr_svg": svg,
        }))
        .into_response(),
        Err(e) => fail(CoreError::Internal(e), &ctx),
    }
}

pub async fn confirm_totp(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<CodeBody>,
) -> Response {
    match state.umbral.confirm_totp(&a, &b.code, &ctx.meta).await {
        Ok(done) => enrolled_json(&state, &ctx, &done),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneBody {
    #[serde(default)]
    phone: String,
}

pub async fn start_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<PhoneBody>,
) -> Response {
    let phone = umbral_core::flows::input::PhoneInput::E164(b.phone);
    match state.umbral.start_sms(&a, &phone, ctx.locale, &ctx.meta).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn confirm_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<CodeBody>,
) -> Response {
    match state.umbral.confirm_sms(&a, &b.code, &ctx.meta).await {
        Ok(done) => enrolled_json(&state, &ctx, &done),
        Err(e) => fail(e, &ctx),
    }
}

fn enrolled_json(state: &AppState, ctx: &Ctx, done: &umbral_core::flows::enrollment::Enrolled) -> Response {
    let body = json!({
        "factor_id": done.factor_id,
        "recovery_codes": done.recovery_codes,
        "next": done.next.as_str(),
    });
    rotated(state, ctx, body, done.session_token.as_deref())
}

/// The answer of a step that gave the session privilege: its id rotated, so the old token no
/// longer works. The new one goes in the cookie, and in the body (`session_token`) for a client
/// that signs its requests with a bearer token.
fn rotated(state: &AppState, ctx: &Ctx, mut body: serde_json::Value, token: Option<&str>) -> Response {
    let Some(token) = token else {
        return Json(body).into_response();
    };
    if matches!(ctx.token, Some((_, false))) {
        body["session_token"] = json!(token);
    }
    let mut resp = Json(body).into_response();
    append_cookie(&mut resp, &state.session_cookie(token));
    resp
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    let (factors, left) = match (
        state.umbral.factors(&a),
        state.umbral.recovery_codes_left(&a).await,
    ) {
        (Ok(f), Ok(l)) => (f, l),
        (Err(e), _) | (_, Err(e)) => return fail(e, &ctx),
    };
    Json(json!({
        "factors": factors.iter().map(factor_json).collect::<Vec<_>>(),
        "recovery_codes_left": left,
    }))
    .into_response()
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.remove_factor(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn new_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
) -> Response {
    match state.umbral.regenerate_recovery_codes(&a, &ctx.meta).await {
        Ok(codes) => Json(json!({"recovery_codes": codes})).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn enable(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.enable_two_factor(&a, &ctx.meta).await {
        Ok(()) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Err(e) => fail(e, &ctx),
    }
}

pub async fn devices(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.trusted_devices(&a).await {
        Ok(list) => Json(json!({
            "trusted_devices": list.iter().map(|d| json!({
                "id": d.id, "user_agent": d.user_agent, "created_at": d.created_at, "expires_at": d.expires_at,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn forget_device(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state
        .umbral
        .forget_trusted_devices(&a, Some(&id), &ctx.meta)
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub async fn forget_devices(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.forget_trusted_devices(&a, None, &ctx.meta).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// "I can't use any of my methods": a confirmation link goes to the registered email.
pub async fn request_reset(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.request_factor_reset(&a, ctx.locale, &ctx.meta).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    #[serde(default)]
    token: String,
}

/// The token of the emailed link: the request now waits for staff.
pub async fn confirm_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<TokenBody>,
) -> Response {
    match state.umbral.confirm_factor_reset(&b.token, &ctx.meta).await {
        Ok(()) => Json(json!({"status": "pending"})).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login/second-factor/lost", post(request_reset))
        .route("/api/v1/factor-resets/confirm", post(confirm_reset))
        .route("/api/v1/login/second-factor", get(challenge).post(answer))
        .route("/api/v1/login/second-factor/send", post(send))
        .route("/api/v1/factors", get(list))
        .route("/api/v1/factors/{id}", delete(remove))
        .route("/api/v1/factors/totp", post(start_totp))
        .route("/api/v1/factors/totp/confirm", post(confirm_totp))
        .route("/api/v1/factors/sms", post(start_sms))
        .route("/api/v1/factors/sms/confirm", post(confirm_sms))
        .route("/api/v1/factors/recovery-codes", post(new_recovery_codes))
        .route("/api/v1/two-factor/enable", post(enable))
        .route("/api/v1/trusted-devices", get(devices).delete(forget_devices))
        .route("/api/v1/trusted-devices/{id}", delete(forget_device))
}
