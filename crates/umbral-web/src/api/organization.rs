//! `/api/v1/organization`: the caller's organization, for its owner and admins.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::json;
use umbral_core::CoreError;
use umbral_core::accounts::{Role, UserStatus};
use umbral_core::factors::Method;

use super::ApiJson;
use super::v1::ApiSession;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

fn fail(e: CoreError, ctx: &Ctx) -> Response {
    ApiError::new(e, ctx.locale).into_response()
}

/// `member` or `admin` (the owner role moves only by a transfer).
pub fn member_role(s: &str) -> Result<Role, CoreError> {
    match s {
        "member" => Ok(Role::Member),
        "admin" => Ok(Role::Admin),
        _ => Err(CoreError::invalid("role", "user.role_invalid")),
    }
}

pub async fn members(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.members(&a).await {
        Ok(list) => Json(json!({
            "members": list.iter().map(|m| json!({
                "user_id": m.user.id.0, "name": m.user.name, "email": m.user.email,
                "role": m.role.as_str(), "active": m.user.status == UserStatus::Active,
                "invited": m.invited, "joined_at": m.joined_at,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    role: Option<String>,
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<InviteBody>,
) -> Response {
    let role = match member_role(b.role.as_deref().unwrap_or("member")) {
        Ok(r) => r,
        Err(e) => return fail(e, &ctx),
    };
    match state
        .umbral
        .invite_member(&a, &b.email, &b.name, role, &ctx.meta)
        .await
    {
        Ok(id) => (StatusCode::CREATED, Json(json!({"user_id": id}))).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    role: Option<String>,
    active: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberBody>,
) -> Response {
    if let Some(r) = b.role.as_deref() {
        let result = match member_role(r) {
            Ok(role) => state.umbral.set_member_role(&a, &id, role, &ctx.meta).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            return fail(e, &ctx);
        }
    }
    if let Some(active) = b.active
        && let Err(e) = state.umbral.set_member_active(&a, &id, active, &ctx.meta).await
    {
        return fail(e, &ctx);
    }
    StatusCode::NO_CONTENT.into_response()
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.remove_member(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    code: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    ApiJson(b): ApiJson<TransferBody>,
) -> Response {
    let Some(method) = Method::parse(&b.method) else {
        return fail(CoreError::invalid("method", "factor.method_unavailable"), &ctx);
    };
    match state
        .umbral
        .transfer_ownership(&a, &b.user_id, method, &b.code, &ctx.meta)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// `GET /api/v1/me/invitations`: the organizations that invited the signed-in person.
pub async fn invitations(State(state): State<AppState>, ctx: Ctx, ApiSession(a): ApiSession) -> Response {
    match state.umbral.join_offers(&a).await {
        Ok(list) => Json(json!({
            "invitations": list.iter().map(|o| json!({
                "id": o.invitation.id, "organization": o.org_name, "invited_by": o.invitation.invited_by,
                "role": o.invitation.role.as_str(), "expires_at": o.invitation.expires_at,
            })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// `POST /api/v1/me/invitations/{id}/accept`: joins that organization (and leaves the current one).
pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.accept_join(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// `POST /api/v1/me/invitations/{id}/decline`.
pub async fn decline_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.decline_join(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organization/members", get(members).post(invite))
        .route("/api/v1/organization/members/{id}", put(update).delete(remove))
        .route("/api/v1/organization/transfer", post(transfer))
        .route("/api/v1/me/invitations", get(invitations))
        .route("/api/v1/me/invitations/{id}/accept", post(accept_invitation))
        .route("/api/v1/me/invitations/{id}/decline", post(decline_invitation))
}
