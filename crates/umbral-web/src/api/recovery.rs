//! `/api/v1` for getting in without a password: "Forgot your password?" and the invitation of a
//! user created by staff.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use super::ApiJson;
use super::factors::fail;
use crate::AppState;
use crate::extract::Ctx;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    #[serde(default)]
    email: String,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCompleteBody {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    /// Return `session_token` in the body (native clients).
    #[serde(default, rename = "session_token")]
    want_token: bool,
}

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
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/recovery", post(recovery))
        .route("/api/v1/invitations/accept", post(accept_invitation))
        .route("/api/v1/recovery/complete", post(recovery_complete))
}
