//! `/api/v1/admin/identity-providers`: the upstream identity providers people may sign in with,
//! for staff tools with a staff-wide API key. Those of the settings file are listed, not changed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use umbral_core::flows::providers::{ProviderInput, ProviderView};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::staff::AdminKey;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

/// A provider (never its secret).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct IdentityProvider {
    id: String,
    /// `google` or `oidc`.
    kind: String,
    /// On the button: "Sign in with <name>".
    name: String,
    issuer: String,
    client_id: String,
    scopes: Vec<String>,
    /// To register at the provider.
    redirect_uri: String,
    /// Set in the settings file: not changeable through the API.
    from_settings: bool,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct IdentityProviders {
    identity_providers: Vec<IdentityProvider>,
}

fn view(state: &AppState, v: &ProviderView) -> IdentityProvider {
    let p = &v.provider;
    IdentityProvider {
        id: p.id.clone(),
        kind: p.kind.as_str().to_string(),
        name: p.name.clone(),
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        scopes: p.scopes.clone(),
        redirect_uri: state.umbral.upstream_redirect_uri(&p.id),
        from_settings: v.from_settings,
    }
}

#[utoipa::path(
    get, path = "/api/v1/admin/identity-providers", tag = "staff",
    summary = "The providers people may sign in with, those of the settings file first",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Providers", body = IdentityProviders),
        (status = 403, description = "An organization's key may not manage providers"),
    ))]
pub async fn list(State(state): State<AppState>, ctx: Ctx, AdminKey(actor): AdminKey) -> Response {
    match state.umbral.provider_views(&actor) {
        Ok(list) => {
            Json(json!({"identity_providers": list.iter().map(|v| view(&state, v)).collect::<Vec<_>>()}))
                .into_response()
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderBody {
    /// `google` or `oidc`.
    #[serde(default)]
    #[schema(required = true)]
    kind: String,
    /// On the button; defaults to "Google" for kind `google`.
    #[serde(default)]
    name: String,
    /// Defaults to Google's for kind `google`.
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    #[schema(required = true)]
    client_id: String,
    /// Required when the provider is new; left out, the one saved is kept.
    #[serde(default)]
    client_secret: String,
    /// Besides `openid`; default `["email", "profile"]`.
    #[serde(default)]
    scopes: Vec<String>,
}

#[utoipa::path(
    put, path = "/api/v1/admin/identity-providers/{id}", tag = "staff",
    summary = "Add a provider, or change one added through the console or the API",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "In the redirect URI: lowercase letters, digits, '-'")),
    request_body = ProviderBody,
    responses(
        (status = 200, description = "Saved; its button is on the sign-in and sign-up pages", body = IdentityProvider),
        (status = 403, description = "An organization's key may not manage providers"),
        (status = 422, description = "A field breaks its rule, or the provider is set in the settings file"),
    ))]
pub async fn put(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ProviderBody>,
) -> Response {
    let input = ProviderInput {
        id,
        kind: b.kind,
        name: b.name,
        issuer: b.issuer,
        client_id: b.client_id,
        client_secret: b.client_secret,
        scopes: b.scopes.join(" "),
    };
    match state.umbral.save_provider(&actor, &input, &ctx.meta).await {
        Ok(p) => Json(view(
            &state,
            &ProviderView {
                provider: p,
                from_settings: false,
            },
        ))
        .into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    delete, path = "/api/v1/admin/identity-providers/{id}", tag = "staff",
    summary = "Remove a provider added through the console or the API (linked people keep their link)",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "An organization's key may not manage providers"),
        (status = 404, description = "No such provider (those of the settings file included)"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.remove_provider(&actor, &id, &ctx.meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put, remove))
}
