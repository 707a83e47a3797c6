//! `/staff`: the vendor's console. Only staff see it (anyone else gets "not found").

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::accounts::UserStatus;

use super::{FormPage, PageSession};
use crate::AppState;
use crate::extract::Ctx;

const NOTICES: &[&str] = &["sessions_ended", "reset_approved", "reset_rejected"];

fn notice(ctx: &Ctx, q: &HashMap<String, String>) -> Option<String> {
    q.get("notice")
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| crate::i18n::t(ctx.locale, &format!("staff-notice-{n}"), &[]))
}

fn time_text(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let actor = match state.umbral.staff_actor(&auth) {
        Ok(a) => a,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let query = q.get("q").cloned().unwrap_or_default();
    let results = if query.trim().is_empty() {
        None
    } else {
        match state.umbral.search_users(&actor, &query).await {
            Ok(list) => Some(
                list.iter()
                    .map(|(u, m)| {
                        context! {
                            id => u.id.0, name => u.name, email => u.email, staff => u.is_staff,
                            org => m.as_ref().map(|m| m.org_name.clone()),
                            role => m.as_ref().map(|m| m.role.as_str()),
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => return state.error_page(&ctx, &e),
        }
    };
    FormPage::new(&state, &ctx, "staff_home.html", &[]).render(
        StatusCode::OK,
        context! { q => query, results => results, notice => notice(&ctx, &q) },
    )
}

pub async fn user(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let overview = match state.umbral.staff_actor(&auth) {
        Ok(actor) => state.umbral.user_overview(&actor, &id).await,
        Err(e) => Err(e),
    };
    let o = match overview {
        Ok(o) => o,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let m = o.membership.as_ref();
    let extra = context! {
        u => context! {
            id => o.user.id.0, name => o.user.name, email => o.user.email, phone => o.user.phone,
            org => m.map(|m| m.org_name.clone()), role => m.map(|m| m.role.as_str()),
            active => o.user.status == UserStatus::Active,
        },
        factors => o.factors.iter().map(|f| context! {
            kind => f.kind.as_str(),
            phone => f.phone.as_deref().map(umbral_core::flows::enrollment::mask_phone),
            confirmed => f.confirmed_at.is_some(),
        }).collect::<Vec<_>>(),
        sessions => o.sessions.iter().map(|s| context! { ip => s.ip, user_agent => s.user_agent, created => time_text(s.created_at) }).collect::<Vec<_>>(),
        audit => o.audit.iter().map(|e| context! { at => time_text(e.at), event => e.event, ip => e.ip, details => e.details }).collect::<Vec<_>>(),
        notice => notice(&ctx, &q),
    };
    FormPage::new(&state, &ctx, "staff_user.html", &[]).render(StatusCode::OK, extra)
}

pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let actor = match state.umbral.staff_actor(&auth) {
        Ok(a) => a,
        Err(e) => return state.error_page(&ctx, &e),
    };
    if !FormPage::new(&state, &ctx, "staff_user.html", &[]).csrf_ok(&f) {
        return state.error_page(&ctx, &CoreError::Forbidden);
    }
    match state.umbral.end_user_sessions(&actor, &id, &ctx.meta).await {
        Ok(_) => Redirect::to(&format!("/staff/users/{id}?notice=sessions_ended")).into_response(),
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub async fn resets(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let list = match state.umbral.staff_actor(&auth) {
        Ok(actor) => state.umbral.factor_resets(&actor, None).await,
        Err(e) => Err(e),
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let view: Vec<_> = list
        .iter()
        .map(|r| {
            context! {
                id => r.reset.id, status => r.reset.status.as_str(), name => r.user.name, email => r.user.email,
                phone => r.user.phone, org => r.membership.as_ref().map(|m| m.org_name.clone()),
                ip => r.reset.ip, created => time_text(r.reset.created_at),
                confirmed => r.reset.confirmed_at.map(time_text),
            }
        })
        .collect();
    FormPage::new(&state, &ctx, "staff_resets.html", &["_form"]).render(
        StatusCode::OK,
        context! { resets => view, notice => notice(&ctx, &q) },
    )
}

async fn decide(
    state: AppState,
    ctx: Ctx,
    auth: umbral_core::flows::session::Authenticated,
    id: String,
    f: HashMap<String, String>,
    approve: bool,
) -> Response {
    let actor = match state.umbral.staff_actor(&auth) {
        Ok(a) => a,
        Err(e) => return state.error_page(&ctx, &e),
    };
    if !FormPage::new(&state, &ctx, "staff_resets.html", &[]).csrf_ok(&f) {
        return state.error_page(&ctx, &CoreError::Forbidden);
    }
    match state
        .umbral
        .decide_factor_reset(&actor, &id, approve, &ctx.meta)
        .await
    {
        Ok(_) => {
            let n = if approve {
                "reset_approved"
            } else {
                "reset_rejected"
            };
            Redirect::to(&format!("/staff/factor-resets?notice={n}")).into_response()
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    decide(state, ctx, auth, id, f, true).await
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    decide(state, ctx, auth, id, f, false).await
}
