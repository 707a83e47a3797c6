//! `/settings/organization`: the organization's owner and admins manage its members.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::accounts::{Role, UserStatus};
use umbral_core::factors::Method;
use umbral_core::flows::session::Authenticated;

use super::form::{Expired, NoFields, Posted};
use super::{FormPage, PageSession};
use crate::AppState;
use crate::api::organization::member_role;
use crate::extract::Ctx;
use umbral_core::types::UserId;

const NOTICES: &[&str] = &[
    "member_invited",
    "role_changed",
    "member_deactivated",
    "member_reactivated",
    "member_removed",
    "owner_transferred",
];
const ORDER: &[&str] = &["_form", "name", "email", "code"];

async fn render(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    notice: Option<&str>,
    error: Option<&CoreError>,
    kept: &HashMap<String, String>,
) -> Response {
    let members = match state.umbral.members(auth).await {
        Ok(m) => m,
        Err(e) => return state.error_page(ctx, &e),
    };
    let me = auth.session.user_id.clone().unwrap_or_default();
    let view: Vec<_> = members
        .iter()
        .map(|m| {
            context! {
                id => m.user.id.0, name => m.user.name, email => m.user.email, role => m.role.as_str(),
                active => m.user.status == UserStatus::Active, me => m.user.id == me, invited => m.invited,
            }
        })
        .collect();
    let transferable: Vec<_> = members
        .iter()
        .filter(|m| m.user.id != me && m.user.status == UserStatus::Active && !m.invited)
        .map(|m| context! { id => m.user.id.0, name => m.user.name, email => m.user.email })
        .collect();
    let membership = auth.membership.as_ref();
    let notice = notice
        .filter(|n| NOTICES.contains(n))
        .map(|n| crate::i18n::t(ctx.locale, &format!("org-notice-{n}"), &[]));
    let extra = context! {
        members => view,
        transferable => transferable,
        is_owner => membership.is_some_and(|m| m.role == Role::Owner),
        org_name => membership.map(|m| m.org_name.clone()),
        notice => notice,
    };
    let page = FormPage::new(state, ctx, "organization.html", ORDER).keep(kept, &["name", "email"]);
    match error {
        Some(e) => {
            let own = e.field().is_some_and(|f| ORDER.contains(&f));
            let top = CoreError::invalid("_form", e.code());
            let shown = if matches!(e, CoreError::Validation(_)) && !own {
                &top
            } else {
                e
            };
            page.error(shown, extra)
        }
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(
        &state,
        &ctx,
        &auth,
        q.get("notice").map(String::as_str),
        None,
        &HashMap::new(),
    )
    .await
}

/// Runs an action with the form's fields once its token matched: back to the page with a
/// notice, or the page with the error and what was typed.
async fn act<T>(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    posted: Posted<T>,
    notice: &str,
    work: impl AsyncFnOnce(T) -> Result<(), CoreError>,
) -> Response {
    let typed = posted.typed().clone();
    let f = match posted.checked() {
        Ok(f) => f,
        Err(Expired(typed)) => {
            let e = CoreError::invalid("_form", "request.form_expired");
            return render(state, ctx, auth, None, Some(&e), &typed).await;
        }
    };
    match work(f).await {
        Ok(()) => Redirect::to(&format!("/settings/organization?notice={notice}")).into_response(),
        Err(e) => render(state, ctx, auth, None, Some(&e), &typed).await,
    }
}

/// "Invite": who, and with which role.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    name: String,
    role: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

/// Deactivate (`active` empty) or reactivate (`active=yes`) a member.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
}

/// Hand the owner role over, with a fresh code of the owner's.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TransferForm {
    user_id: String,
    method: String,
    code: String,
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<InviteForm>,
) -> Response {
    let work = async |f: InviteForm| {
        let role = member_role(&f.role)?;
        state
            .umbral
            .invite_member(&auth, &f.email, &f.name, role, &ctx.meta)
            .await
            .map(|_| ())
    };
    act(&state, &ctx, &auth, posted, "member_invited", work).await
}

pub async fn role(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<UserId>,
    posted: Posted<RoleForm>,
) -> Response {
    let work = async |f: RoleForm| {
        let role = member_role(&f.role)?;
        state.umbral.set_member_role(&auth, &id, role, &ctx.meta).await
    };
    act(&state, &ctx, &auth, posted, "role_changed", work).await
}

pub async fn active(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<UserId>,
    posted: Posted<ActiveForm>,
) -> Response {
    let on = posted.typed().get("active").is_some_and(|v| v == "yes");
    let notice = if on {
        "member_reactivated"
    } else {
        "member_deactivated"
    };
    let work = async |f: ActiveForm| {
        let on = f.active == "yes";
        state.umbral.set_member_active(&auth, &id, on, &ctx.meta).await
    };
    act(&state, &ctx, &auth, posted, notice, work).await
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<UserId>,
    posted: Posted<NoFields>,
) -> Response {
    let work = async |_: NoFields| state.umbral.remove_member(&auth, &id, &ctx.meta).await;
    act(&state, &ctx, &auth, posted, "member_removed", work).await
}

pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<TransferForm>,
) -> Response {
    let work = async |f: TransferForm| {
        let method = Method::parse(&f.method)
            .ok_or_else(|| CoreError::invalid("method", "factor.method_unavailable"))?;
        state
            .umbral
            .transfer_ownership(&auth, &UserId(f.user_id.clone()), method, &f.code, &ctx.meta)
            .await
    };
    act(&state, &ctx, &auth, posted, "owner_transferred", work).await
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/organization", get(show))
        .route("/settings/organization/invite", post(invite))
        .route("/settings/organization/transfer", post(transfer))
        .route("/settings/organization/members/{id}/role", post(role))
        .route("/settings/organization/members/{id}/active", post(active))
        .route("/settings/organization/members/{id}/remove", post(remove))
}
