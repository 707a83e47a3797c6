//! `/api/v1` for getting in without a password: "Forgot your password?" and the invitation of a
//! user created by staff.

use super::schemas::Next;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::factors::fail;
use crate::AppState;
use crate::extract::Ctx;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
}

#[utoipa::path(
    post, path = "/api/v1/recovery", tag = "recovery",
    summary = "Forgot your password: a link is emailed when the address has an account; the answer is the same either way",
    request_body = EmailBody,
    responses(
        (status = 202, description = "Accepted, whatever the email"),
        (status = 422, description = "Malformed email"),
        (status = 429, description = "Too many requests for this address or from this IP; see Retry-After"),
    ))]
/// "Forgot your password?": `202` whatever the email.
pub async fn recovery(State(state): State<AppState>, ctx: Ctx, ApiJson(b): ApiJson<EmailBody>) -> Response {
    match state
        .umbral
        .request_password_reset(&b.email, ctx.locale, &ctx.meta)
        .await
    {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCompleteBody {
    #[serde(default)]
    #[schema(required = true)]
    token: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
}

#[utoipa::path(
    post, path = "/api/v1/recovery/complete", tag = "recovery",
    summary = "Choose a new password with the emailed link's token; every session and trusted device of the user ends",
    request_body = RecoveryCompleteBody,
    responses(
        (status = 200, description = "Changed; sign in with the new password"),
        (status = 422, description = "Invalid, used or expired link, or a password that breaks a rule"),
    ))]
pub async fn recovery_complete(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<RecoveryCompleteBody>,
) -> Response {
    match state
        .umbral
        .complete_password_reset(&b.token, &b.password, &ctx.meta)
        .await
    {
        Ok(()) => Json(json!({"next": "login"})).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    #[serde(default)]
    #[schema(required = true)]
    token: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
    /// Return `session_token` in the body (native clients).
    #[serde(default, rename = "session_token")]
    want_token: bool,
}

#[utoipa::path(
    post, path = "/api/v1/invitations/accept", tag = "recovery",
    summary = "Set the first password with an invitation's token; the user is signed in and goes on with the next step",
    request_body = AcceptBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = Next),
        (status = 422, description = "Invalid, used or expired invitation, or a password that breaks a rule"),
    ))]
/// An invitation's token and the first password: the user is signed in.
pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<AcceptBody>,
) -> Response {
    match state
        .umbral
        .accept_invitation(&b.token, &b.password, &ctx.meta)
        .await
    {
        Ok(out) => {
            let mut resp = super::v1::session_answer(
                &state,
                StatusCode::OK,
                json!({"next": out.next.as_str()}),
                &out.session_token,
                b.want_token,
            );
            state.add_signin_cookie(&mut resp, out.device_cookie.as_deref());
            resp
        }
        Err(e) => fail(e, &ctx),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(recovery))
        .routes(routes!(accept_invitation))
        .routes(routes!(recovery_complete))
}
