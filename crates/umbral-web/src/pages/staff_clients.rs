//! The staff console's applications (`/staff/clients`): the OpenID Connect clients that sign
//! people in through Umbral. A secret is shown once, when it is made.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use std::collections::HashMap;
use umbral_core::CoreError;
use umbral_core::oidc::client::{Client, ClientEdit, NewClient};
use umbral_core::oidc::keys::KeyAlg;
use umbral_core::staff::ApiActor;

use super::form::{NoFields, Posted, present};
use super::{FormPage, StaffPage};
use crate::AppState;
use crate::extract::Ctx;

const NOTICES: [&str; 3] = ["client_disabled", "client_enabled", "client_changed"];

/// The fields of an application, in the order errors are shown.
const FIELDS: [&str; 8] = [
    "_form",
    "name",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "id_token_signed_response_alg",
    "jwks",
    "jwks_uri",
];

/// What a page shows once: a new client's id and secret, or a rotated secret.
#[derive(Default)]
struct Shown {
    client_id: Option<String>,
    secret: Option<String>,
    /// The new client authenticates with its keys (no secret).
    keys: bool,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &ApiActor,
    shown: Shown,
    notice: Option<String>,
    error: Option<(&CoreError, &HashMap<String, String>)>,
) -> Response {
    let clients = match state.umbral.oidc_clients(actor).await {
        Ok(c) => c,
        Err(e) => return state.error_page(ctx, &e),
    };
    let extra = context! {
        clients => clients.iter().map(|c| context! {
            id => c.id, name => c.name, public => c.is_public(), first_party => c.first_party,
            active => c.is_active(), redirect_uris => c.redirect_uris, keys => c.uses_keys(),
        }).collect::<Vec<_>>(),
        keys_fields => true,
        shown_id => shown.client_id,
        secret => shown.secret,
        shown_keys => shown.keys,
        notice => notice,
        issuer => state.umbral.issuer(),
    };
    let mut page = FormPage::new(state, ctx, "staff_clients.html", &FIELDS);
    match error {
        Some((e, typed)) => {
            page = page.keep(typed, &FIELDS[1..]);
            page.error(e, extra)
        }
        None => page.render(StatusCode::OK, extra),
    }
}

/// The page again saying the form expired, with what was typed.
async fn expired(state: &AppState, ctx: &Ctx, actor: &ApiActor, typed: &HashMap<String, String>) -> Response {
    let e = CoreError::invalid("_form", "request.form_expired");
    render(state, ctx, actor, Shown::default(), None, Some((&e, typed))).await
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let notice = q
        .get("notice")
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| crate::i18n::t(ctx.locale, &format!("staff-notice-{n}"), &[]));
    render(&state, &ctx, &actor, Shown::default(), notice, None).await
}

/// A new application: its name, its addresses one per line, and what kind it is.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ClientForm {
    name: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    backchannel_logout_uri: String,
    public: String,
    third_party: String,
    id_token_signed_response_alg: String,
    /// A keyed (`private_key_jwt`) client's public keys; absent from a form that has no such
    /// fields, empty when left blank.
    #[serde(deserialize_with = "present")]
    jwks: Option<String>,
    #[serde(deserialize_with = "present")]
    jwks_uri: Option<String>,
}

impl ClientForm {
    /// The algorithm chosen; an unknown one is an error on its field.
    fn alg(&self) -> Result<KeyAlg, CoreError> {
        umbral_core::oidc::client::id_token_alg(&self.id_token_signed_response_alg)
    }
}

/// A field's text, or nothing when it is blank.
fn filled(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    posted: Posted<ClientForm>,
) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        return expired(&state, &ctx, &actor, &typed).await;
    };
    let alg = match f.alg() {
        Ok(a) => a,
        Err(e) => return render(&state, &ctx, &actor, Shown::default(), None, Some((&e, &typed))).await,
    };
    let new = NewClient {
        id_token_alg: alg,
        name: f.name.clone(),
        redirect_uris: lines(&f.redirect_uris),
        post_logout_redirect_uris: lines(&f.post_logout_redirect_uris),
        backchannel_logout_uri: Some(f.backchannel_logout_uri.trim().to_string()).filter(|u| !u.is_empty()),
        public: !f.public.is_empty(),
        third_party: !f.third_party.is_empty(),
        jwks: filled(&f.jwks),
        jwks_uri: filled(&f.jwks_uri),
    };
    match state.umbral.register_client(&actor, &new, &ctx.meta).await {
        Ok(r) => {
            let shown = Shown {
                keys: r.client.uses_keys(),
                client_id: Some(r.client.id),
                secret: r.secret,
            };
            render(&state, &ctx, &actor, shown, None, None).await
        }
        Err(e) => render(&state, &ctx, &actor, Shown::default(), None, Some((&e, &typed))).await,
    }
}

async fn rotate(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    if posted.checked().is_err() {
        return expired(&state, &ctx, &actor, &HashMap::new()).await;
    }
    match state.umbral.rotate_client_secret(&actor, &id, &ctx.meta).await {
        Ok(secret) => {
            let shown = Shown {
                client_id: Some(id),
                secret: Some(secret),
                keys: false,
            };
            render(&state, &ctx, &actor, shown, None, None).await
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

async fn switch(
    state: AppState,
    ctx: Ctx,
    actor: ApiActor,
    id: String,
    posted: Posted<NoFields>,
    active: bool,
) -> Response {
    if posted.checked().is_err() {
        return expired(&state, &ctx, &actor, &HashMap::new()).await;
    }
    match state
        .umbral
        .set_client_active(&actor, &id, active, &ctx.meta)
        .await
    {
        Ok(()) => {
            let notice = if active {
                "client_enabled"
            } else {
                "client_disabled"
            };
            Redirect::to(&format!("/staff/clients?notice={notice}")).into_response()
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    switch(state, ctx, actor, id, posted, false).await
}

async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    switch(state, ctx, actor, id, posted, true).await
}

/// One application's page: what it is, and its fields to change.
async fn client_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &ApiActor,
    id: &str,
    error: Option<(&CoreError, &HashMap<String, String>)>,
) -> Response {
    let client = match state.umbral.oidc_clients(actor).await {
        Ok(list) => list.into_iter().find(|c| c.id == id),
        Err(e) => return state.error_page(ctx, &e),
    };
    let Some(client) = client else {
        return state.error_page(ctx, &CoreError::NotFound);
    };
    let extra = context! {
        id => client.id, name => client.name, auth_method => client.auth_method(),
        keys_fields => client.uses_keys(),
        issuer => state.umbral.issuer(),
    };
    let page = FormPage::new(state, ctx, "staff_client.html", &FIELDS);
    match error {
        Some((e, typed)) => page.keep(typed, &FIELDS[1..]).error(e, extra),
        None => page
            .keep(&values(&client), &FIELDS[1..])
            .render(StatusCode::OK, extra),
    }
}

/// A client's fields as its form shows them (addresses one per line).
fn values(c: &Client) -> HashMap<String, String> {
    HashMap::from([
        ("name".to_string(), c.name.clone()),
        ("redirect_uris".to_string(), c.redirect_uris.join("\n")),
        (
            "post_logout_redirect_uris".to_string(),
            c.post_logout_redirect_uris.join("\n"),
        ),
        (
            "backchannel_logout_uri".to_string(),
            c.backchannel_logout_uri.clone().unwrap_or_default(),
        ),
        (
            "id_token_signed_response_alg".to_string(),
            c.id_token_alg.as_str().to_string(),
        ),
        ("jwks".to_string(), c.jwks.clone().unwrap_or_default()),
        ("jwks_uri".to_string(), c.jwks_uri.clone().unwrap_or_default()),
    ])
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
) -> Response {
    client_page(&state, &ctx, &actor, &id, None).await
}

async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<ClientForm>,
) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return client_page(&state, &ctx, &actor, &id, Some((&e, &typed))).await;
    };
    let alg = match f.alg() {
        Ok(a) => a,
        Err(e) => return client_page(&state, &ctx, &actor, &id, Some((&e, &typed))).await,
    };
    let edit = ClientEdit {
        name: Some(f.name.clone()),
        redirect_uris: Some(lines(&f.redirect_uris)),
        post_logout_redirect_uris: Some(lines(&f.post_logout_redirect_uris)),
        backchannel_logout_uri: Some(
            Some(f.backchannel_logout_uri.trim().to_string()).filter(|u| !u.is_empty()),
        ),
        id_token_alg: Some(alg),
        jwks: f.jwks.clone(),
        jwks_uri: f.jwks_uri.clone(),
    };
    match state.umbral.update_client(&actor, &id, &edit, &ctx.meta).await {
        Ok(_) => Redirect::to("/staff/clients?notice=client_changed").into_response(),
        Err(e @ CoreError::Validation(_)) => client_page(&state, &ctx, &actor, &id, Some((&e, &typed))).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/clients", get(list).post(create))
        .route("/staff/clients/{id}", get(show).post(change))
        .route("/staff/clients/{id}/rotate-secret", post(rotate))
        .route("/staff/clients/{id}/disable", post(disable))
        .route("/staff/clients/{id}/enable", post(enable))
}
