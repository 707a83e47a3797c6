//! `/api/v1` for the signed-in person's account: changing the password, and their sessions.

use super::schemas::Sessions;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::factors::fail;
use super::v1::ApiSession;
use crate::AppState;
use crate::extract::Ctx;
use umbral_core::types::SessionId;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    #[serde(default)]
    #[schema(required = true)]
    current_password: String,
    #[serde(default)]
    #[schema(required = true)]
    new_password: String,
}

#[utoipa::path(
    post, path = "/api/v1/password", tag = "account",
    summary = "Change the password: the current one first; the same rules as at sign-up; every other session ends",
    security(("session" = []), ("bearer" = [])),
    request_body = PasswordBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Wrong current password, or the new one breaks a rule (`field` says which)"),
        (status = 429, description = "Too many wrong passwords; see Retry-After"),
    ))]
/// A new password: the current one first. Every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<PasswordBody>,
) -> Response {
    match state
        .umbral
        .change_password(&a, &b.current_password, &b.new_password, &ctx.meta)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    get, path = "/api/v1/sessions", tag = "account",
    summary = "The user's active sessions",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Sessions", body = Sessions),
    ))]
pub async fn sessions(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.active_sessions(&a).await {
        Ok(list) => Json(json!({
            "sessions": list.iter().map(|s| json!({
                "id": s.id_hash, "ip": s.ip, "user_agent": s.user_agent, "created_at": s.created_at,
                "last_seen_at": s.last_seen_at, "current": s.id_hash == a.session.id_hash,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    delete, path = "/api/v1/sessions/{id}", tag = "account",
    summary = "Sign one of the user's sessions out",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, description = "No such session"),
    ))]
pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<SessionId>,
) -> Response {
    match state.umbral.end_own_session(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(change_password))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
}
