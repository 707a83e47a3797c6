//! The staff console's sign-in providers (`/staff/identity-providers`): the upstream identity
//! providers, with the redirect URI to register at each; staff add, change and remove those not
//! set in the settings file.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::providers::ProviderInput;
use umbral_core::staff::ApiActor;

use super::form::{NoFields, Posted};
use super::{FormPage, StaffPage};
use crate::AppState;
use crate::extract::Ctx;

const ORDER: &[&str] = &[
    "_form",
    "id",
    "kind",
    "name",
    "issuer",
    "client_id",
    "client_secret",
    "scopes",
];
const KEPT: &[&str] = &["id", "kind", "name", "issuer", "client_id", "scopes"];
const NOTICES: &[&str] = &["provider_saved", "provider_removed"];

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProviderForm {
    id: String,
    kind: String,
    name: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &ApiActor,
    notice: Option<&str>,
    error: Option<(&CoreError, &HashMap<String, String>)>,
) -> Response {
    let u = &state.umbral;
    let views = match u.provider_views(actor) {
        Ok(v) => v,
        Err(e) => return state.error_page(ctx, &e),
    };
    let providers: Vec<_> = views
        .iter()
        .map(|v| {
            let p = &v.provider;
            context! {
                id => p.id, name => p.name, kind => p.kind.as_str(), issuer => p.issuer,
                client_id => p.client_id, scopes => p.scopes.join(" "),
                redirect_uri => u.upstream_redirect_uri(&p.id), from_settings => v.from_settings,
            }
        })
        .collect();
    let extra = context! {
        providers => providers,
        notice => notice.filter(|n| NOTICES.contains(n)).map(|n| crate::i18n::t(ctx.locale, &format!("staff-notice-{n}"), &[])),
    };
    let page = FormPage::new(state, ctx, "staff_idps.html", ORDER);
    match error {
        Some((e, typed)) => page.keep(typed, KEPT).error(e, extra),
        None => page.value("kind", "oidc").render(StatusCode::OK, extra),
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(&state, &ctx, &actor, q.get("notice").map(String::as_str), None).await
}

/// Adds a provider, or changes one added here (the same id).
async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    posted: Posted<ProviderForm>,
) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render(&state, &ctx, &actor, None, Some((&e, &typed))).await;
    };
    let input = ProviderInput {
        id: f.id,
        kind: f.kind,
        name: f.name,
        issuer: f.issuer,
        client_id: f.client_id,
        client_secret: f.client_secret,
        scopes: f.scopes,
    };
    match state.umbral.save_provider(&actor, &input, &ctx.meta).await {
        Ok(_) => Redirect::to("/staff/identity-providers?notice=provider_saved").into_response(),
        Err(e @ CoreError::Validation(_)) => render(&state, &ctx, &actor, None, Some((&e, &typed))).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    let typed = posted.typed().clone();
    if posted.checked().is_err() {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render(&state, &ctx, &actor, None, Some((&e, &typed))).await;
    }
    match state.umbral.remove_provider(&actor, &id, &ctx.meta).await {
        Ok(()) => Redirect::to("/staff/identity-providers?notice=provider_removed").into_response(),
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/identity-providers", get(list).post(save))
        .route("/staff/identity-providers/{id}/remove", post(remove))
}
