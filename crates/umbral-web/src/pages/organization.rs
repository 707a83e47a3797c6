//! `/settings/organization`: the organization's owner and admins manage its members.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::accounts::{Role, UserStatus};
use umbral_core::factors::Method;
use umbral_core::flows::session::Authenticated;

use super::{FormPage, PageSession};
use crate::AppState;
use crate::api::organization::member_role;
use crate::extract::Ctx;

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
                active => m.user.status == UserStatus::Active, me => m.user.id.0 == me, invited => m.invited,
            }
        })
        .collect();
    let transferable: Vec<_> = members
        .iter()
        .filter(|m| m.user.id.0 != me && m.user.status == UserStatus::Active && !m.invited)
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

/// Runs an action: back to the page with a notice, or the page with the error.
async fn act(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    f: &HashMap<String, String>,
    notice: &str,
    work: impl std::future::Future<Output = Result<(), CoreError>>,
) -> Response {
    if !FormPage::new(state, ctx, "organization.html", ORDER).csrf_ok(f) {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render(state, ctx, auth, None, Some(&e), f).await;
    }
    match work.await {
        Ok(()) => Redirect::to(&format!("/settings/organization?notice={notice}")).into_response(),
        Err(e) => render(state, ctx, auth, None, Some(&e), f).await,
    }
}

fn get<'a>(f: &'a HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or_default()
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let work = async {
        let role = member_role(get(&f, "role"))?;
        state
            .umbral
            .invite_member(&auth, get(&f, "email"), get(&f, "name"), role, &ctx.meta)
            .await
            .map(|_| ())
    };
    act(&state, &ctx, &auth, &f, "member_invited", work).await
}

pub async fn role(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let work = async {
        let role = member_role(get(&f, "role"))?;
        state.umbral.set_member_role(&auth, &id, role, &ctx.meta).await
    };
    act(&state, &ctx, &auth, &f, "role_changed", work).await
}

pub async fn active(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let on = get(&f, "active") == "yes";
    let notice = if on {
        "member_reactivated"
    } else {
        "member_deactivated"
    };
    let work = state.umbral.set_member_active(&auth, &id, on, &ctx.meta);
    act(&state, &ctx, &auth, &f, notice, work).await
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let work = state.umbral.remove_member(&auth, &id, &ctx.meta);
    act(&state, &ctx, &auth, &f, "member_removed", work).await
}

pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let work = async {
        let method = Method::parse(get(&f, "method"))
            .ok_or_else(|| CoreError::invalid("method", "factor.method_unavailable"))?;
        state
            .umbral
            .transfer_ownership(&auth, get(&f, "user_id"), method, get(&f, "code"), &ctx.meta)
            .await
    };
    act(&state, &ctx, &auth, &f, "owner_transferred", work).await
}
