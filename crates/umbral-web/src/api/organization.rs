//! `/api/v1/organization`: the caller's organization, for its owner and admins.

use super::schemas::{Invitations, Invited, MemberRole, Members, TransferMethod};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use umbral_core::CoreError;
use umbral_core::accounts::{Role, UserStatus};
use umbral_core::factors::Method;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::v1::ApiSession;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use umbral_core::types::UserId;

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

#[utoipa::path(
    get, path = "/api/v1/organization/members", tag = "organization",
    summary = "The members of the caller's organization (owner and admins)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Members", body = Members),
        (status = 403, description = "Members may not manage the organization"),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
    #[serde(default)]
    #[schema(required = true)]
    name: String,
    #[schema(value_type = Option<MemberRole>)]
    role: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/organization/members", tag = "organization",
    summary = "Invite a member or admin by email (an invitation sets the first password)",
    security(("session" = []), ("bearer" = [])),
    request_body = InviteBody,
    responses(
        (status = 201, description = "Invited: a new address gets an account and the link that sets its password; an address that has an account is invited to join (it answers at `/join`). Both answers, and both rows of the member list, look alike: `user_id` is the row's id (an invitation's id until an existing account accepts)", body = Invited),
        (status = 403, description = "Not an owner or admin"),
        (status = 422, description = "A field breaks its rule"),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[schema(value_type = Option<MemberRole>)]
    role: Option<String>,
    active: Option<bool>,
}

#[utoipa::path(
    put, path = "/api/v1/organization/members/{id}", tag = "organization",
    summary = "Change a member's role (member or admin) or deactivate / reactivate them (never the owner or oneself)",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    request_body = MemberBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "Not an owner or admin"),
        (status = 404, description = "Not a member of the caller's organization"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<UserId>,
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

#[utoipa::path(
    delete, path = "/api/v1/organization/members/{id}", tag = "organization",
    summary = "Remove a member (never the owner or oneself); their sessions end",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an owner or admin"),
        (status = 404, description = "Not a member of the caller's organization"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(a): ApiSession,
    Path(id): Path<UserId>,
) -> Response {
    match state.umbral.remove_member(&a, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    #[serde(default)]
    #[schema(required = true)]
    user_id: String,
    #[serde(default)]
    #[schema(value_type = TransferMethod, required = true)]
    method: String,
    #[serde(default)]
    #[schema(required = true)]
    code: String,
}

#[utoipa::path(
    post, path = "/api/v1/organization/transfer", tag = "organization",
    summary = "The owner hands the owner role to another member, with a fresh authenticator or recovery code; every member's trusted devices ask again",
    security(("session" = []), ("bearer" = [])),
    request_body = TransferBody,
    responses(
        (status = 204, description = "Transferred"),
        (status = 400, description = "Wrong or used code"),
        (status = 403, description = "Not the owner"),
        (status = 404, description = "Not a member of the caller's organization"),
    ))]
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
        .transfer_ownership(&a, &UserId(b.user_id), method, &b.code, &ctx.meta)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    get, path = "/api/v1/me/invitations", tag = "organization",
    summary = "The organizations that invited the signed-in person (who had an account when invited), newest first",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Invitations", body = Invitations),
        (status = 403, description = "Another step comes first (the email code or the second factor)"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/me/invitations/{id}/accept", tag = "organization",
    summary = "Join that organization. The person leaves the one they are in: a member's membership ends; an organization they own alone and without a plan closes",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Joined"),
        (status = 403, description = "Another step comes first"),
        (status = 422, description = "No such live invitation (`org.invitation_invalid`), or the person owns an organization with other members or a plan (`org.join_owner_busy`)"),
    ))]
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

#[utoipa::path(
    post, path = "/api/v1/me/invitations/{id}/decline", tag = "organization",
    summary = "Decline an invitation; the organization sees it no more",
    security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Declined"),
        (status = 403, description = "Another step comes first"),
        (status = 422, description = "No such live invitation (`org.invitation_invalid`)"),
    ))]
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
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(members, invite))
        .routes(routes!(update, remove))
        .routes(routes!(transfer))
        .routes(routes!(invitations))
        .routes(routes!(accept_invitation))
        .routes(routes!(decline_invitation))
}
