//! `/api/v1/admin`: for staff tools (a support chat assistant, scripts), authenticated with an API
//! key (`Authorization: Bearer uak_...`), never with a session.

use super::schemas::{AuditPage, Created, FactorReset, FactorResets, Locale, MemberRole, Policy, PolicySet};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use umbral_core::CoreError;
use umbral_core::ports::FactorResetRow;
use umbral_core::staff::{ApiActor, ResetStatus};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;
use umbral_core::types::OrgId;

/// The caller behind the request's API key; without a live key, `401`.
pub struct AdminKey(pub ApiActor);

impl axum::extract::FromRequestParts<AppState> for AdminKey {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let locale = crate::i18n::locale_of(parts.uri.query(), &parts.headers);
        let secret = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        state
            .umbral
            .authenticate_api_key(secret)
            .await
            .map(AdminKey)
            .map_err(|e| ApiError::new(e, locale).into_response())
    }
}

pub fn reset_json(r: &FactorResetRow) -> Value {
    json!({
        "id": r.reset.id,
        "status": r.reset.status.as_str(),
        "created_at": r.reset.created_at,
        "confirmed_at": r.reset.confirmed_at,
        "decided_at": r.reset.decided_at,
        "decided_by": r.reset.decided_by,
        "ip": r.reset.ip,
        "user_agent": r.reset.user_agent,
        "user": {
            "id": r.user.id.0,
            "name": r.user.name,
            "email": r.user.email,
            "phone": r.user.phone,
            "created_at": r.user.created_at,
            "organization": r.membership.as_ref().map(|m| json!({"id": m.org_id.0, "name": m.org_name, "role": m.role.as_str()})),
        },
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResetQuery {
    #[param(value_type = Option<super::schemas::ResetStatus>)]
    status: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/admin/factor-resets", tag = "staff",
    summary = "Lost-factor reset requests with the requester's data, newest first (an organization's key sees its own)",
    security(("apiKey" = [])),
    params(ResetQuery),
    responses(
        (status = 200, description = "Requests", body = FactorResets),
        (status = 401, description = "No live API key"),
        (status = 422, description = "Unknown status"),
    ))]
pub async fn factor_resets(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Query(q): Query<ResetQuery>,
) -> Response {
    let status = match q.status.as_deref().map(|s| ResetStatus::parse(s).ok_or(s)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            let e = CoreError::invalid("status", "reset.status_invalid");
            return ApiError::new(e, ctx.locale).into_response();
        }
    };
    match state.umbral.factor_resets(&actor, status).await {
        Ok(list) => {
            Json(json!({"factor_resets": list.iter().map(reset_json).collect::<Vec<_>>()})).into_response()
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    get, path = "/api/v1/admin/factor-resets/{id}", tag = "staff",
    summary = "One reset request",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The request", body = FactorReset),
        (status = 404, description = "No such request within the key's reach"),
    ))]
pub async fn factor_reset(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    let found = state
        .umbral
        .factor_resets(&actor, None)
        .await
        .map(|list| list.into_iter().find(|r| r.reset.id == id));
    match found {
        Ok(Some(r)) => Json(reset_json(&r)).into_response(),
        Ok(None) => ApiError::new(CoreError::NotFound, ctx.locale).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

async fn decide(state: AppState, ctx: Ctx, actor: ApiActor, id: String, approve: bool) -> Response {
    match state
        .umbral
        .decide_factor_reset(&actor, &id, approve, &ctx.meta)
        .await
    {
        Ok(r) => Json(reset_json(&r)).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/admin/factor-resets/{id}/approve", tag = "staff",
    summary = "Approve a confirmed request: the user's factors, recovery codes, sessions and trusted devices go; the next sign-in enrolls",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Approved", body = FactorReset),
        (status = 404, description = "No such request within the key's reach"),
        (status = 409, description = "Already decided"),
        (status = 422, description = "Not confirmed from the registered email yet"),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    decide(state, ctx, actor, id, true).await
}

#[utoipa::path(
    post, path = "/api/v1/admin/factor-resets/{id}/reject", tag = "staff",
    summary = "Reject a confirmed request; nothing changes and the user is told",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "Rejected", body = FactorReset),
        (status = 404, description = "No such request within the key's reach"),
        (status = 409, description = "Already decided"),
    ))]
pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    decide(state, ctx, actor, id, false).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// `required`, `optional`, or null for the platform's default.
    #[schema(value_type = Option<Policy>, required = true)]
    policy: Option<String>,
}

#[utoipa::path(
    put, path = "/api/v1/admin/organizations/{id}/two-factor-policy", tag = "staff",
    summary = "Set an organization's two-factor policy (null: the platform's default)",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    request_body = PolicyBody,
    responses(
        (status = 200, description = "Set", body = PolicySet),
        (status = 404, description = "No such organization within the key's reach"),
        (status = 422, description = "Unknown policy"),
    ))]
pub async fn set_two_factor_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<OrgId>,
    crate::api::ApiJson(b): crate::api::ApiJson<PolicyBody>,
) -> Response {
    let policy = match b.policy.as_deref() {
        None => None,
        Some(p) => match umbral_core::policy::TwoFactorPolicy::parse(p) {
            Some(p) => Some(p),
            None => {
                return ApiError::new(
                    CoreError::invalid("policy", "policy.two_factor_invalid"),
                    ctx.locale,
                )
                .into_response();
            }
        },
    };
    match state
        .umbral
        .set_org_two_factor_policy(&actor, &id, policy, &ctx.meta)
        .await
    {
        Ok(()) => Json(json!({"id": id, "two_factor_policy": policy.map(|p| p.as_str())})).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
    #[serde(default)]
    #[schema(required = true)]
    name: String,
    #[schema(value_type = Option<Locale>)]
    locale: Option<String>,
    organization_id: Option<String>,
    #[schema(value_type = Option<MemberRole>)]
    role: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/admin/users", tag = "staff",
    summary = "Create a user by email: an invitation (7 days) sets the first password; without organization_id the user owns a new organization",
    security(("apiKey" = [])),
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created; the invitation is on its way", body = Created),
        (status = 404, description = "No such organization within the key's reach"),
        (status = 422, description = "A field breaks its rule, or the email is taken"),
    ))]
/// Creates a user who sets the first password through the emailed invitation (7 days).
pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    crate::api::ApiJson(b): crate::api::ApiJson<NewUserBody>,
) -> Response {
    use umbral_core::accounts::Role;
    let role = match b.role.as_deref() {
        None | Some("member") => Role::Member,
        Some("admin") => Role::Admin,
        Some(_) => {
            return ApiError::new(CoreError::invalid("role", "user.role_invalid"), ctx.locale)
                .into_response();
        }
    };
    let input = umbral_core::flows::invitations::NewUserInput {
        email: b.email,
        name: b.name,
        locale: b
            .locale
            .as_deref()
            .and_then(umbral_core::types::Locale::from_tag)
            .unwrap_or(ctx.locale),
        org_id: b.organization_id,
        role,
        staff: false,
    };
    match state.umbral.create_user(&actor, &input, &ctx.meta).await {
        Ok((user_id, org_id)) => (
            axum::http::StatusCode::CREATED,
            Json(json!({"user_id": user_id, "organization_id": org_id})),
        )
            .into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    user_id: Option<String>,
    /// A prefix, e.g. `factor.` or `session.started`.
    event: Option<String>,
    /// Unix milliseconds.
    #[param(value_type = Option<i64>)]
    from: Option<String>,
    /// Unix milliseconds.
    #[param(value_type = Option<i64>)]
    to: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, default = 50)]
    limit: Option<String>,
}

impl From<AuditParams> for umbral_core::flows::audit_log::AuditQuery {
    fn from(p: AuditParams) -> Self {
        Self {
            user_id: p.user_id,
            event: p.event,
            from: p.from,
            to: p.to,
            cursor: p.cursor,
            limit: p.limit,
        }
    }
}

pub fn audit_json(page: &umbral_core::audit::AuditPage) -> Value {
    json!({
        "events": page.events.iter().map(|e| json!({
            "id": e.id, "at": e.at, "event": e.event, "actor_user_id": e.actor_user_id,
            "subject_user_id": e.subject_user_id, "organization_id": e.org_id,
            "ip": e.ip, "user_agent": e.user_agent, "details": e.details,
        })).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
    })
}

#[utoipa::path(
    get, path = "/api/v1/admin/audit", tag = "staff",
    summary = "The audit log, newest first: everything for a staff key, its organization's for an organization's key",
    security(("apiKey" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "A page", body = AuditPage),
        (status = 401, description = "No live API key"),
        (status = 422, description = "A parameter breaks its rule"),
    ))]
/// The audit log: everything for a staff key, the organization's for an organization's key.
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Query(p): Query<AuditParams>,
) -> Response {
    match state.umbral.audit_log_for_key(&actor, &p.into()).await {
        Ok(page) => Json(audit_json(&page)).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    get, path = "/api/v1/organization/audit", tag = "organization",
    summary = "The audit log of the caller's organization (owner and admins), newest first",
    security(("session" = []), ("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "A page", body = AuditPage),
        (status = 403, description = "Members may not read the audit log"),
        (status = 422, description = "A parameter breaks its rule"),
    ))]
/// The audit log of the caller's organization, for its owner and admins.
pub async fn organization_audit(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::api::v1::ApiSession(a): crate::api::v1::ApiSession,
    Query(p): Query<AuditParams>,
) -> Response {
    match state.umbral.audit_log_for_member(&a, &p.into()).await {
        Ok(page) => Json(audit_json(&page)).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user))
        .routes(routes!(audit))
        .routes(routes!(organization_audit))
        .routes(routes!(factor_resets))
        .routes(routes!(set_two_factor_policy))
        .routes(routes!(factor_reset))
        .routes(routes!(approve))
        .routes(routes!(reject))
}
