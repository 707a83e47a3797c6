//! `/api/v1`: sign-up, email confirmation, sign-in, sign-out, me.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use umbral_core::flows::input::PhoneInput;
use umbral_core::flows::session::Authenticated;
use umbral_core::flows::signup::SignupInput;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::schemas::{Me, Next, SignedIn, SignedUp};
use super::{ApiJson, append_cookie};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    #[serde(default)]
    #[schema(required = true)]
    name: String,
    #[serde(default)]
    #[schema(required = true)]
    email: String,
    /// E.164, e.g. +5491123456789
    #[serde(default)]
    #[schema(required = true)]
    phone: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
    #[serde(default)]
    #[schema(required = true)]
    accept_terms: bool,
    plan: Option<String>,
    /// Return `session_token` in the body.
    #[serde(default)]
    token: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
    /// Return `session_token` in the body.
    #[serde(default)]
    token: bool,
    /// A trusted device's token, for clients that keep no cookies.
    device_token: Option<String>,
    /// The sign-in device cookie's value, for clients that keep no cookies.
    signin_device: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    #[serde(default)]
    #[schema(required = true)]
    pub(crate) code: String,
}

/// The answer that starts a session: the cookie always, the token in the body when asked.
pub(crate) fn session_answer(
    state: &AppState,
    status: StatusCode,
    mut body: serde_json::Value,
    token: &str,
    want_token: bool,
) -> Response {
    if want_token {
        body["session_token"] = json!(token);
    }
    let mut resp = (status, Json(body)).into_response();
    append_cookie(&mut resp, &state.session_cookie(token));
    resp
}

/// The session behind an API request; without a live one, a `401` saying why.
pub struct ApiSession(pub Authenticated);

impl axum::extract::FromRequestParts<AppState> for ApiSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let Ok(ctx) = Ctx::from_request_parts(parts, state).await;
        ctx.session(state)
            .await
            .map(ApiSession)
            .map_err(|e| ApiError::new(e, ctx.locale).into_response())
    }
}

#[utoipa::path(post, path = "/api/v1/signup", tag = "sign-up",
    summary = "Create an account; a 6-digit code is emailed to confirm the address",
    request_body = SignupBody,
    responses(
        (status = 201, description = "Created; the session cookie is set. The same answer when the email is taken (the owner is warned by email).", body = SignedUp),
        (status = 422, description = "A field breaks its rule; `field` names it"),
        (status = 503, description = "Busy; retry after `Retry-After` seconds"),
    ))]
pub async fn signup(State(state): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<SignupBody>) -> Response {
    let input = SignupInput {
        name: b.name,
        email: b.email,
        phone: PhoneInput::E164(b.phone),
        password: b.password,
        accept_terms: b.accept_terms,
        plan: b.plan,
        locale: ctx.locale,
    };
    match state
        .umbral
        .signup_from(&input, &ctx.meta, ctx.token.as_ref().map(|(t, _)| t.as_str()))
        .await
    {
        Ok(out) => session_answer(
            &state,
            StatusCode::CREATED,
            json!({"user_id": out.user_id, "next": out.next.as_str()}),
            &out.session_token,
            b.token,
        ),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(post, path = "/api/v1/signup/confirm-email", tag = "sign-up",
    summary = "Confirm the email with the code", security(("session" = []), ("bearer" = [])),
    request_body = CodeBody,
    responses(
        (status = 200, description = "Confirmed", body = Next),
        (status = 400, description = "Wrong, expired or exhausted code"),
    ))]
pub async fn confirm_email(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<CodeBody>,
) -> Response {
    match state.umbral.confirm_email(&a, &b.code, &ctx.meta).await {
        Ok(next) => Json(json!({"next": next.as_str()})).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(post, path = "/api/v1/signup/resend-code", tag = "sign-up",
    summary = "Send a new confirmation code (30 s cool-down)", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "Sent"),
        (status = 409, description = "The email is confirmed already"),
        (status = 429, description = "Too soon; see Retry-After"),
    ))]
pub async fn resend_code(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.resend_email_code(&a, ctx.locale).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(post, path = "/api/v1/login", tag = "sign-in",
    summary = "Sign in with email and password; ends the user's other sessions",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set, and the sign-in device cookie when the browser had none (with `token`, also `signin_device` in the body). A remembered device asked for a code again says why in `asked_again`", body = SignedIn),
        (status = 401, description = "Unknown email, wrong password or disabled user (one answer for all)"),
        (status = 503, description = "Busy; retry after `Retry-After` seconds"),
    ))]
pub async fn login(State(state): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<LoginBody>) -> Response {
    let device = b.device_token.as_deref().or(ctx.device_cookie.as_deref());
    let signin = b.signin_device.as_deref().or(ctx.signin_cookie.as_deref());
    match state
        .umbral
        .login_on_device(&b.email, &b.password, device, signin, &ctx.meta)
        .await
    {
        Ok(out) => {
            let mut body = json!({"next": out.next.as_str()});
            if let Some(why) = out.asked_again {
                body["asked_again"] = json!(why);
            }
            if b.token
                && let Some(c) = &out.device_cookie
            {
                body["signin_device"] = json!(c);
            }
            let mut resp = session_answer(&state, StatusCode::OK, body, &out.session_token, b.token);
            state.add_signin_cookie(&mut resp, out.device_cookie.as_deref());
            resp
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(post, path = "/api/v1/logout", tag = "sign-in",
    summary = "End the session on the server", security(("session" = []), ("bearer" = [])),
    responses((status = 204, description = "Signed out")))]
pub async fn logout(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.logout(&a, &ctx.meta).await {
        Ok(()) => {
            let mut resp = StatusCode::NO_CONTENT.into_response();
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    summary = "The signed-in user", security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = Me),
        (status = 401, description = "No live session; `code` says why it ended (e.g. auth.session_signed_in_elsewhere)"),
        (status = 403, description = "A step is pending; `next` names it"),
    ))]
pub async fn me(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    let me = match state.umbral.me(&a) {
        Ok(me) => me,
        Err(e) => return ApiError::new(e, ctx.locale).into_response(),
    };
    let factors = match state.umbral.factors(&a) {
        Ok(f) => f,
        Err(e) => return ApiError::new(e, ctx.locale).into_response(),
    };
    Json(json!({
        "id": me.id,
        "name": me.name,
        "email": me.email,
        "phone": me.phone,
        "locale": me.locale,
        "organization": me.organization.map(|m| json!({"id": m.org_id.0, "name": m.org_name, "role": m.role.as_str()})),
        "factors": factors.iter().map(super::factors::factor_json).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// This module's part of the API.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(confirm_email))
        .routes(routes!(resend_code))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}
