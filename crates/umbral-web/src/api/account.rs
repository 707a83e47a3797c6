//! `/api/v1` for the signed-in person's account: changing the password, and their sessions.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::json;

use super::ApiJson;
use super::factors::fail;
use super::v1::ApiSession;
use crate::AppState;
use crate::extract::Ctx;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

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

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.end_own_session(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/password", post(change_password))
        .route("/api/v1/sessions", get(sessions))
        .route("/api/v1/sessions/{id}", delete(end_session))
}
