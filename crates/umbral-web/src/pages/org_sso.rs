//! `/settings/organization/sso`: an organization's own identity provider and the email domain it
//! claims (enterprise SSO), for its owner and admins.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::enterprise::OrgSsoInput;
use umbral_core::flows::session::Authenticated;
use umbral_core::upstream::{challenge_name, challenge_value, org_provider_id};

use super::form::{NoFields, Posted};
use super::{FormPage, PageSession};
use crate::AppState;
use crate::extract::Ctx;

const ORDER: &[&str] = &[
    "_form",
    "issuer",
    "client_id",
    "client_secret",
    "domain",
    "enabled",
];
const KEPT: &[&str] = &[
    "issuer",
    "client_id",
    "domain",
    "enabled",
    "join_members",
    "trust_mfa",
];
const NOTICES: &[&str] = &["saved", "verified"];

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SsoForm {
    issuer: String,
    client_id: String,
    client_secret: String,
    domain: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    notice: Option<&str>,
    error: Option<(&CoreError, &HashMap<String, String>)>,
) -> Response {
    let sso = match state.umbral.org_sso(auth).await {
        Ok(s) => s,
        Err(e) => return state.error_page(ctx, &e),
    };
    let org = auth
        .membership
        .as_ref()
        .map(|m| m.org_id.clone())
        .unwrap_or_default();
    let flag = |on: bool| if on { "yes" } else { "" }.to_string();
    let saved: HashMap<String, String> = match &sso {
        Some(s) => HashMap::from([
            ("issuer".into(), s.issuer.clone()),
            ("client_id".into(), s.client_id.clone()),
            ("domain".into(), s.domain.clone()),
            ("enabled".into(), flag(s.enabled)),
            ("join_members".into(), flag(s.join_members)),
            ("trust_mfa".into(), flag(s.trust_mfa)),
        ]),
        None => HashMap::from([("join_members".into(), "yes".into())]),
    };
    let extra = context! {
        sso => sso.as_ref().map(|s| context! {
            domain => s.domain, verified => s.verified_at.is_some(),
            txt_name => challenge_name(&s.domain), txt_value => challenge_value(&s.token),
        }),
        redirect_uri => state.umbral.upstream_redirect_uri(&org_provider_id(&org)),
        notice => notice.filter(|n| NOTICES.contains(n)).map(|n| crate::i18n::t(ctx.locale, &format!("sso-notice-{n}"), &[])),
    };
    let page = FormPage::new(state, ctx, "org_sso.html", ORDER);
    match error {
        Some((e, typed)) => page.keep(typed, KEPT).error(e, extra),
        None => page.keep(&saved, KEPT).render(StatusCode::OK, extra),
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(&state, &ctx, &auth, q.get("notice").map(String::as_str), None).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<SsoForm>,
) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render(&state, &ctx, &auth, None, Some((&e, &typed))).await;
    };
    let on = |k: &str| typed.get(k).is_some_and(|v| !v.is_empty());
    let input = OrgSsoInput {
        issuer: f.issuer.clone(),
        client_id: f.client_id.clone(),
        client_secret: f.client_secret.clone(),
        domain: f.domain.clone(),
        enabled: on("enabled"),
        join_members: on("join_members"),
        trust_mfa: on("trust_mfa"),
    };
    match state.umbral.save_org_sso(&auth, &input, &ctx.meta).await {
        Ok(_) => Redirect::to("/settings/organization/sso?notice=saved").into_response(),
        Err(e @ CoreError::Validation(_)) => render(&state, &ctx, &auth, None, Some((&e, &typed))).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let typed = posted.typed().clone();
    if posted.checked().is_err() {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render(&state, &ctx, &auth, None, Some((&e, &typed))).await;
    }
    match state.umbral.verify_org_domain(&auth, &ctx.meta).await {
        Ok(_) => Redirect::to("/settings/organization/sso?notice=verified").into_response(),
        Err(e @ CoreError::Validation(_)) => {
            let top = CoreError::invalid("_form", e.code());
            render(&state, &ctx, &auth, None, Some((&top, &HashMap::new()))).await
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/organization/sso", get(show).post(save))
        .route("/settings/organization/sso/verify", post(verify))
}
