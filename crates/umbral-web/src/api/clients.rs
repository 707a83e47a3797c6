//! `/api/v1/admin/clients`: the applications that sign people in through Umbral (OpenID
//! Connect clients), for staff tools with a staff-wide API key.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use umbral_core::oidc::client::{Client, ClientEdit, NewClient};
use umbral_core::oidc::keys::KeyAlg;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::schemas::{ClientCreated, ClientSecret, ClientView, Clients};
use super::staff::AdminKey;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Ctx;

fn view(c: &Client) -> Value {
    json!({
        "client_id": c.id,
        "name": c.name,
        "public": c.is_public(),
        "first_party": c.first_party,
        "active": c.is_active(),
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "backchannel_logout_uri": c.backchannel_logout_uri,
        "token_endpoint_auth_method": c.auth_method(),
        "id_token_signed_response_alg": c.id_token_alg.as_str(),
        "jwks": c.jwks.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok()),
        "jwks_uri": c.jwks_uri,
        "created_at": c.created_at,
    })
}

/// `RS256` (the default), `ES256` or `EdDSA`, when given.
fn id_token_alg(given: Option<&str>) -> Result<Option<KeyAlg>, umbral_core::CoreError> {
    given.map(umbral_core::oidc::client::id_token_alg).transpose()
}

fn fail(e: umbral_core::CoreError, ctx: &Ctx) -> Response {
    ApiError::new(e, ctx.locale).into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientBody {
    #[serde(default)]
    #[schema(required = true)]
    name: String,
    /// Where codes may be sent, compared exactly.
    #[serde(default)]
    #[schema(required = true)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    backchannel_logout_uri: Option<String>,
    /// A browser or native application that cannot keep a secret (it must use PKCE).
    #[serde(default)]
    public: bool,
    /// Someone else's application: people are asked to consent.
    #[serde(default)]
    third_party: bool,
    /// How its ID tokens are signed: `RS256` (default), `ES256` or `EdDSA`.
    id_token_signed_response_alg: Option<String>,
    /// `private_key_jwt` instead of a secret: the application's public keys (a JWKS)...
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    /// ... or where to read them.
    jwks_uri: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/admin/clients", tag = "staff",
    summary = "Register an application; a confidential one's secret is in this answer only",
    security(("apiKey" = [])),
    request_body = ClientBody,
    responses(
        (status = 201, description = "Registered", body = ClientCreated),
        (status = 403, description = "An organization's key may not manage applications"),
        (status = 422, description = "A field breaks its rule; `errors` lists them all"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    ApiJson(b): ApiJson<ClientBody>,
) -> Response {
    let alg = match id_token_alg(b.id_token_signed_response_alg.as_deref()) {
        Ok(a) => a.unwrap_or_default(),
        Err(e) => return fail(e, &ctx),
    };
    let new = NewClient {
        name: b.name,
        redirect_uris: b.redirect_uris,
        post_logout_redirect_uris: b.post_logout_redirect_uris,
        backchannel_logout_uri: b.backchannel_logout_uri,
        public: b.public,
        third_party: b.third_party,
        id_token_alg: alg,
        jwks: b.jwks.map(|j| j.to_string()),
        jwks_uri: b.jwks_uri,
    };
    match state.umbral.register_client(&actor, &new, &ctx.meta).await {
        Ok(r) => {
            let mut body = view(&r.client);
            if let Some(s) = r.secret {
                body["client_secret"] = json!(s);
            }
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    get, path = "/api/v1/admin/clients", tag = "staff",
    summary = "The registered applications, newest first (never their secrets)",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "Applications", body = Clients),
        (status = 403, description = "An organization's key may not manage applications"),
    ))]
pub async fn list(State(state): State<AppState>, ctx: Ctx, AdminKey(actor): AdminKey) -> Response {
    match state.umbral.oidc_clients(&actor).await {
        Ok(list) => Json(json!({"clients": list.iter().map(view).collect::<Vec<_>>()})).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    name: Option<String>,
    redirect_uris: Option<Vec<String>>,
    post_logout_redirect_uris: Option<Vec<String>>,
    /// An empty text removes it.
    backchannel_logout_uri: Option<String>,
    /// `false` switches the application off (no codes, no tokens; its refresh tokens are
    /// revoked), `true` on again.
    active: Option<bool>,
    id_token_signed_response_alg: Option<String>,
    /// New keys of a `private_key_jwt` application.
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    jwks_uri: Option<String>,
}

#[utoipa::path(
    patch, path = "/api/v1/admin/clients/{id}", tag = "staff",
    summary = "Change an application's name or addresses, or switch it off or on",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    request_body = ClientPatch,
    responses(
        (status = 200, description = "Changed", body = ClientView),
        (status = 403, description = "An organization's key may not manage applications"),
        (status = 404, description = "No such application"),
        (status = 422, description = "A field breaks its rule; `errors` lists them all"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ClientPatch>,
) -> Response {
    let alg = match id_token_alg(b.id_token_signed_response_alg.as_deref()) {
        Ok(a) => a,
        Err(e) => return fail(e, &ctx),
    };
    let edit = ClientEdit {
        id_token_alg: alg,
        jwks: b.jwks.map(|j| j.to_string()),
        jwks_uri: b.jwks_uri,
        name: b.name,
        redirect_uris: b.redirect_uris,
        post_logout_redirect_uris: b.post_logout_redirect_uris,
        backchannel_logout_uri: b
            .backchannel_logout_uri
            .map(|u| Some(u).filter(|u| !u.is_empty())),
    };
    let mut client = match state.umbral.update_client(&actor, &id, &edit, &ctx.meta).await {
        Ok(c) => c,
        Err(e) => return fail(e, &ctx),
    };
    if let Some(active) = b.active {
        if let Err(e) = state
            .umbral
            .set_client_active(&actor, &id, active, &ctx.meta)
            .await
        {
            return fail(e, &ctx);
        }
        client.disabled_at = if active { None } else { Some(0) };
    }
    Json(view(&client)).into_response()
}

#[utoipa::path(
    delete, path = "/api/v1/admin/clients/{id}", tag = "staff",
    summary = "Switch an application off for good (kept for the audit trail)",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Switched off"),
        (status = 403, description = "An organization's key may not manage applications"),
        (status = 404, description = "No such application"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    match state
        .umbral
        .set_client_active(&actor, &id, false, &ctx.meta)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e, &ctx),
    }
}

#[utoipa::path(
    post, path = "/api/v1/admin/clients/{id}/secret", tag = "staff",
    summary = "A new secret for a confidential application; the old one stops working at once",
    security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The new secret, in this answer only", body = ClientSecret),
        (status = 403, description = "An organization's key may not manage applications"),
        (status = 404, description = "No such confidential application"),
    ))]
pub async fn rotate(
    State(state): State<AppState>,
    ctx: Ctx,
    AdminKey(actor): AdminKey,
    Path(id): Path<String>,
) -> Response {
    match state.umbral.rotate_client_secret(&actor, &id, &ctx.meta).await {
        Ok(secret) => Json(json!({"client_id": id, "client_secret": secret})).into_response(),
        Err(e) => fail(e, &ctx),
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(update, remove))
        .routes(routes!(rotate))
}
