//! `/api/v1` for second factors: the challenge after the password, setting factors up, recovery
//! codes, trusted devices and the lost-factor reset.

use super::schemas::{
    ChallengeMethod, FactorConfirmed, Factors, Methods, Passed, PendingTotp, RecoveryCodes, SendMethod,
    TrustedDevices,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use umbral_core::CoreError;
use umbral_core::factors::Method;
use umbral_core::flows::enrollment::FactorView;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::v1::{ApiSession, CodeBody};
use super::{ApiJson, append_cookie};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use umbral_core::types::FactorId;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeBody {
    #[serde(default)]
    #[schema(value_type = ChallengeMethod, required = true)]
    method: String,
    /// 6 digits, or a recovery code (XXXXX-XXXXX).
    #[serde(default)]
    #[schema(required = true)]
    code: String,
    /// Skip the challenge in this browser for 14 days (configurable).
    #[serde(default)]
    remember_device: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodBody {
    #[serde(default)]
    #[schema(value_type = SendMethod, required = true)]
    method: String,
}

pub fn factor_json(f: &FactorView) -> Value {
    json!({
        "id": f.id,
        "kind": f.kind.as_str(),
        "phone": f.phone_masked,
        "name": f.name,
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

#[utoipa::path(
    get, path = "/api/v1/login/second-factor", tag = "second factor",
    summary = "The methods this session's challenge accepts, the usual one first",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Methods", body = Methods),
        (status = 409, description = "Already passed"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/login/second-factor", tag = "second factor",
    summary = "Answer the second-factor challenge after the password",
    security(("session" = []), ("bearer" = [])),
    request_body = ChallengeBody,
    responses(
        (status = 200, description = "Passed. The session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working. `device_token` (bearer clients) or the device cookie when remembered", body = Passed),
        (status = 400, description = "Wrong, expired, used or exhausted code"),
        (status = 422, description = "Malformed code or unavailable method"),
        (status = 429, description = "Too many wrong codes; see Retry-After"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/login/second-factor/send", tag = "second factor",
    summary = "Send a challenge code by SMS or by email (email only next to another factor)",
    security(("session" = []), ("bearer" = [])),
    request_body = MethodBody,
    responses(
        (status = 202, description = "Sent"),
        (status = 429, description = "Too soon; see Retry-After"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/factors/totp", tag = "factors",
    summary = "Start setting an authenticator app up (the same key until confirmed)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Pending factor", body = PendingTotp),
        (status = 403, description = "Another step first"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/factors/totp/confirm", tag = "factors",
    summary = "Confirm the authenticator app with a current code; the first factor returns ten recovery codes",
    security(("session" = []), ("bearer" = [])),
    request_body = CodeBody,
    responses(
        (status = 200, description = "Confirmed. When this completes the sign-in, the session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working", body = FactorConfirmed),
        (status = 400, description = "Wrong code"),
        (status = 422, description = "Malformed code"),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneBody {
    /// E.164, e.g. +5491123456789
    #[serde(default)]
    #[schema(required = true)]
    phone: String,
}

#[utoipa::path(
    post, path = "/api/v1/factors/sms", tag = "factors",
    summary = "Start setting a phone up: a 6-digit code is sent by SMS (a number secures one user only)",
    security(("session" = []), ("bearer" = [])),
    request_body = PhoneBody,
    responses(
        (status = 202, description = "Code sent"),
        (status = 422, description = "Invalid number, a country not allowed, or a number that cannot be used (never says whose)"),
        (status = 429, description = "Too many codes for this number, IP or country, or too soon; see Retry-After"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/factors/sms/confirm", tag = "factors",
    summary = "Confirm the phone with the code sent to it; the first factor returns ten recovery codes",
    security(("session" = []), ("bearer" = [])),
    request_body = CodeBody,
    responses(
        (status = 200, description = "Confirmed. When this completes the sign-in, the session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working", body = FactorConfirmed),
        (status = 400, description = "Wrong, expired or exhausted code"),
        (status = 422, description = "Malformed code, or the number was taken meanwhile"),
    ))]
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

#[utoipa::path(
    get, path = "/api/v1/factors", tag = "factors",
    summary = "The user's factors and how many recovery codes are left",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Factors", body = Factors),
    ))]
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

#[utoipa::path(
    delete, path = "/api/v1/factors/{id}", tag = "factors",
    summary = "Remove a factor (never the last one under policy `required`)",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such factor"),
        (status = 422, description = "The last factor under `required`"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<FactorId>,
) -> Response {
    match state.umbral.remove_factor(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    post, path = "/api/v1/factors/recovery-codes", tag = "factors",
    summary = "Ten new recovery codes; the old ones stop working",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "New codes, shown once", body = RecoveryCodes),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/two-factor/enable", tag = "factors",
    summary = "Policy `optional`: turn two-factor on; every session ends and the next sign-in sets the method up",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "On"),
        (status = 409, description = "Already on"),
    ))]
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

#[utoipa::path(
    get, path = "/api/v1/trusted-devices", tag = "trusted devices",
    summary = "Browsers that skip the challenge",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Devices", body = TrustedDevices),
    ))]
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

#[utoipa::path(
    delete, path = "/api/v1/trusted-devices/{id}", tag = "trusted devices",
    summary = "Forget one trusted device",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Forgotten"),
        (status = 404, description = "No such device"),
    ))]
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

#[utoipa::path(
    delete, path = "/api/v1/trusted-devices", tag = "trusted devices",
    summary = "Forget every trusted device",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Forgotten"),
    ))]
pub async fn forget_devices(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.forget_trusted_devices(&a, None, &ctx.meta).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    post, path = "/api/v1/login/second-factor/lost", tag = "second factor",
    summary = "I can't use any of my methods: a confirmation link is mailed to the registered address",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "Link sent"),
        (status = 403, description = "Only at the second-factor step of a sign-in"),
        (status = 409, description = "A confirmed request already waits for staff"),
        (status = 429, description = "A new link at most once a minute"),
    ))]
/// "I can't use any of my methods": a confirmation link goes to the registered email.
pub async fn request_reset(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.request_factor_reset(&a, ctx.locale, &ctx.meta).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    #[serde(default)]
    #[schema(required = true)]
    token: String,
}

#[utoipa::path(
    post, path = "/api/v1/factor-resets/confirm", tag = "second factor",
    summary = "Confirm a reset request with the token of the emailed link; it then waits for staff",
    request_body = TokenBody,
    responses(
        (status = 200, description = "Waiting for staff"),
        (status = 422, description = "Invalid or expired link"),
    ))]
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
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
        .routes(routes!(challenge, answer))
        .routes(routes!(send))
        .routes(routes!(list))
        .routes(routes!(remove))
        .routes(routes!(start_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(start_sms))
        .routes(routes!(confirm_sms))
        .routes(routes!(new_recovery_codes))
        .routes(routes!(enable))
        .routes(routes!(devices, forget_devices))
        .routes(routes!(forget_device))
}
