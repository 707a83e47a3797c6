//! `/staff`: the vendor's console. Only staff see it (anyone else gets "not found").

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::accounts::UserStatus;

use super::form::{NoFields, Posted};
use super::{FormPage, StaffPage};
use crate::AppState;
use crate::extract::Ctx;
use umbral_core::types::{OrgId, UserId};

const NOTICES: &[&str] = &[
    "sessions_ended",
    "reset_approved",
    "reset_rejected",
    "user_created",
    "policies_saved",
    "key_revoked",
    "settings_saved",
];

fn notice(ctx: &Ctx, q: &HashMap<String, String>) -> Option<String> {
    q.get("notice")
        .filter(|n| NOTICES.contains(&n.as_str()))
        .map(|n| crate::i18n::t(ctx.locale, &format!("staff-notice-{n}"), &[]))
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
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
    StaffPage(actor): StaffPage,
    Path(id): Path<UserId>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let o = match state.umbral.user_overview(&actor, &id).await {
        Ok(o) => o,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let m = o.membership.as_ref();
    let extra = context! {
        u => context! {
            id => o.user.id.0, name => o.user.name, email => o.user.email, phone => o.user.phone,
            org => m.map(|m| m.org_name.clone()), org_id => m.map(|m| m.org_id.0.clone()),
            role => m.map(|m| m.role.as_str()),
            active => o.user.status == UserStatus::Active,
        },
        factors => o.factors.iter().map(|f| context! {
            kind => f.kind.as_str(),
            phone => f.phone.as_deref().map(umbral_core::flows::enrollment::mask_phone),
            confirmed => f.confirmed_at.is_some(),
        }).collect::<Vec<_>>(),
        sessions => o.sessions.iter().map(|s| context! { ip => s.ip, user_agent => crate::render::device_text(ctx.locale, &s.user_agent), created => ctx.time_text(s.created_at) }).collect::<Vec<_>>(),
        audit => o.audit.iter().map(|e| context! { at => ctx.time_text(e.at), event => e.event, ip => e.ip, details => e.details }).collect::<Vec<_>>(),
        notice => notice(&ctx, &q),
    };
    FormPage::new(&state, &ctx, "staff_user.html", &[]).render(StatusCode::OK, extra)
}

pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<UserId>,
    posted: Posted<NoFields>,
) -> Response {
    if posted.checked().is_err() {
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
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let list = match state.umbral.factor_resets(&actor, None).await {
        Ok(l) => l,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let view: Vec<_> = list
        .iter()
        .map(|r| {
            context! {
                id => r.reset.id, status => r.reset.status.as_str(), name => r.user.name, email => r.user.email,
                phone => r.user.phone, org => r.membership.as_ref().map(|m| m.org_name.clone()),
                ip => r.reset.ip, created => ctx.time_text(r.reset.created_at),
                confirmed => r.reset.confirmed_at.map(|t| ctx.time_text(t)),
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
    actor: umbral_core::staff::ApiActor,
    id: String,
    posted: Posted<NoFields>,
    approve: bool,
) -> Response {
    if posted.checked().is_err() {
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
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    decide(state, ctx, actor, id, posted, true).await
}

pub async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    decide(state, ctx, actor, id, posted, false).await
}

// ---- Organizations ----

pub async fn organizations(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let query = q.get("q").cloned().unwrap_or_default();
    let results = if query.trim().is_empty() {
        None
    } else {
        match state.umbral.search_organizations(&actor, &query).await {
            Ok(list) => Some(
                list.iter()
                    .map(|o| context! { id => o.id, name => o.name, members => o.members })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => return state.error_page(&ctx, &e),
        }
    };
    FormPage::new(&state, &ctx, "staff_orgs.html", &[])
        .render(StatusCode::OK, context! { q => query, results => results })
}

async fn render_org(
    state: &AppState,
    ctx: &Ctx,
    actor: &umbral_core::staff::ApiActor,
    id: &OrgId,
    notice: Option<String>,
    error: Option<&CoreError>,
) -> Response {
    let (org, members) = match state.umbral.organization_overview(actor, id).await {
        Ok(f) => f,
        Err(e) => return state.error_page(ctx, &e),
    };
    let commerce = match state.umbral.organization_commerce(actor, id).await {
        Ok(c) => c,
        Err(e) => return state.error_page(ctx, &e),
    };
    let company = commerce.company.as_ref().map(|c| {
        let a = &c.address;
        let address = [
            a.street.clone(),
            Some(c.number.clone()),
            c.complement.clone(),
            a.neighbourhood.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        context! {
            legal_name => c.legal_name, country => c.country(),
            tax_kind => c.tax_id.kind.as_str().to_uppercase(), tax_id => c.tax_id.formatted(),
            employees => c.employees, segment => c.segment,
            address => address, city => a.city, state => a.state,
            postal_code => umbral_core::company::postal::display(c.country(), &c.postal_code),
        }
    });
    let subscription = commerce.subscription.as_ref().map(|s| {
        let (y, m, d) = umbral_core::billing::civil_date(s.renews_at);
        context! { plan => s.plan, period => s.period.as_str(), status => s.status.as_str(), renews => format!("{y:04}-{m:02}-{d:02}") }
    });
    let defaults = state.umbral.platform_defaults();
    let extra = context! {
        company => company,
        subscription => subscription,
        org => context! {
            id => org.id, name => org.name,
            mfa => org.mfa_policy.map(|p| p.as_str()), single => org.single_session,
        },
        default_mfa => defaults.two_factor.as_str(),
        default_single => if defaults.single_session { "yes" } else { "no" },
        members => members.iter().map(|m| context! {
            id => m.user.id.0, name => m.user.name, email => m.user.email, role => m.role.as_str(),
            invited => m.invited,
        }).collect::<Vec<_>>(),
        notice => notice,
    };
    let page = FormPage::new(state, ctx, "staff_org.html", &["_form"]);
    match error {
        Some(e) => page.error(&CoreError::invalid("_form", e.code()), extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn organization(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<OrgId>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&ctx, &q);
    render_org(&state, &ctx, &actor, &id, notice, None).await
}

/// A two-factor policy (`required`, `optional`, or `default`: the platform's) and the
/// single-session rule (`yes`, `no`, `default`), for an organization or the platform.
#[derive(Debug, serde::Deserialize)]
pub struct PolicyForm {
    #[serde(default = "platform_default")]
    two_factor: String,
    #[serde(default = "platform_default")]
    single_session: String,
}

fn platform_default() -> String {
    "default".to_string()
}

pub async fn organization_policies(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Path(id): Path<OrgId>,
    posted: Posted<PolicyForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_org(&state, &ctx, &actor, &id, None, Some(&e)).await;
    };
    let two_factor = match f.two_factor.as_str() {
        "default" => Ok(None),
        p => umbral_core::policy::TwoFactorPolicy::parse(p)
            .map(Some)
            .ok_or(CoreError::invalid("two_factor", "policy.two_factor_invalid")),
    };
    let single = match f.single_session.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let result = async {
        let two_factor = two_factor?;
        state
            .umbral
            .set_org_two_factor_policy(&actor, &id, two_factor, &ctx.meta)
            .await?;
        state
            .umbral
            .set_org_single_session(&actor, &id, single, &ctx.meta)
            .await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/staff/organizations/{id}?notice=policies_saved")).into_response(),
        Err(e) => render_org(&state, &ctx, &actor, &id, None, Some(&e)).await,
    }
}

// ---- Create an account ----

const NEW_USER_ORDER: &[&str] = &["_form", "name", "email", "organization_id"];

pub async fn new_user(State(state): State<AppState>, ctx: Ctx, _: StaffPage) -> Response {
    FormPage::new(&state, &ctx, "staff_new_user.html", NEW_USER_ORDER).render(StatusCode::OK, context! {})
}

/// "Create an account": who, in which language, and optionally into which organization.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    name: String,
    email: String,
    locale: String,
    organization_id: String,
    role: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    posted: Posted<NewUserForm>,
) -> Response {
    let page = FormPage::new(&state, &ctx, "staff_new_user.html", NEW_USER_ORDER)
        .keep(posted.typed(), &["name", "email", "organization_id"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    let result = async {
        let role = crate::api::organization::member_role(&f.role)?;
        let input = umbral_core::flows::invitations::NewUserInput {
            email: f.email,
            name: f.name,
            locale: umbral_core::types::Locale::from_tag(&f.locale).unwrap_or(ctx.locale),
            org_id: Some(f.organization_id)
                .filter(|o| !o.trim().is_empty())
                .map(|o| o.trim().to_string()),
            role,
            staff: false,
        };
        state.umbral.create_user(&actor, &input, &ctx.meta).await
    }
    .await;
    match result {
        Ok((user_id, _)) => {
            Redirect::to(&format!("/staff/users/{user_id}?notice=user_created")).into_response()
        }
        Err(CoreError::NotFound) => page.error(
            &CoreError::invalid("organization_id", "staff.org_not_found"),
            context! {},
        ),
        Err(e) => page.error(&e, context! {}),
    }
}

// ---- API keys ----

async fn render_keys(
    state: &AppState,
    ctx: &Ctx,
    secret: Option<String>,
    notice: Option<String>,
    error: Option<&CoreError>,
) -> Response {
    let keys = match state.umbral.api_keys().await {
        Ok(k) => k,
        Err(e) => return state.error_page(ctx, &e),
    };
    let extra = context! {
        keys => keys.iter().map(|k| context! {
            id => k.id, name => k.name, scope => k.scope.as_string(), revoked => k.revoked_at.is_some(),
        }).collect::<Vec<_>>(),
        secret => secret,
        notice => notice,
    };
    let page = FormPage::new(
        state,
        ctx,
        "staff_keys.html",
        &["_form", "name", "organization_id"],
    );
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn api_keys(
    State(state): State<AppState>,
    ctx: Ctx,
    _: StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let notice = notice(&ctx, &q);
    render_keys(&state, &ctx, None, notice, None).await
}

/// A new API key: its name, and the organization it is limited to (empty: staff-wide).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApiKeyForm {
    name: String,
    organization_id: String,
}

pub async fn create_api_key(
    State(state): State<AppState>,
    ctx: Ctx,
    _: StaffPage,
    posted: Posted<ApiKeyForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_keys(&state, &ctx, None, None, Some(&e)).await;
    };
    let name = f.name.as_str();
    let scope = match Some(f.organization_id.trim()).filter(|s| !s.is_empty()) {
        Some(org) => umbral_core::staff::ApiScope::Organization(umbral_core::types::OrgId(org.to_string())),
        None => umbral_core::staff::ApiScope::Staff,
    };
    match state.umbral.create_api_key(name, scope).await {
        // The secret is shown on this answer only; it is not kept.
        Ok((_, secret)) => render_keys(&state, &ctx, Some(secret), None, None).await,
        Err(e) => render_keys(&state, &ctx, None, None, Some(&e)).await,
    }
}

pub async fn revoke_api_key(
    State(state): State<AppState>,
    ctx: Ctx,
    _: StaffPage,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    if posted.checked().is_err() {
        let e = CoreError::invalid("_form", "request.form_expired");
        return render_keys(&state, &ctx, None, None, Some(&e)).await;
    }
    match state.umbral.revoke_api_key(&id).await {
        Ok(()) => Redirect::to("/staff/api-keys?notice=key_revoked").into_response(),
        Err(e) => render_keys(&state, &ctx, None, None, Some(&e)).await,
    }
}

// ---- Platform defaults ----

pub async fn settings(
    State(state): State<AppState>,
    ctx: Ctx,
    _: StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let config = state.umbral.config();
    let current = state.umbral.platform_defaults();
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let notice = notice(&ctx, &q);
    FormPage::new(&state, &ctx, "staff_settings.html", &["_form"]).render(
        StatusCode::OK,
        context! {
            config_mfa => config.factors.default_policy.as_str(),
            config_single => yes_no(config.session.single_session),
            current_mfa => current.two_factor.as_str(),
            current_single => yes_no(current.single_session),
            changed_mfa => current.two_factor != config.factors.default_policy,
            changed_single => current.single_session != config.session.single_session,
            notice => notice,
        },
    )
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    posted: Posted<PolicyForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return state.error_page(&ctx, &CoreError::Forbidden);
    };
    let two_factor = match f.two_factor.as_str() {
        "default" => None,
        p => match umbral_core::policy::TwoFactorPolicy::parse(p) {
            Some(p) => Some(p),
            None => {
                return state.error_page(
                    &ctx,
                    &CoreError::invalid("two_factor", "policy.two_factor_invalid"),
                );
            }
        },
    };
    let single = match f.single_session.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    match state
        .umbral
        .set_platform_defaults(&actor, two_factor, single, &ctx.meta)
        .await
    {
        Ok(()) => Redirect::to("/staff/settings?notice=settings_saved").into_response(),
        Err(e) => state.error_page(&ctx, &e),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(home))
        .route("/staff/settings", get(settings).post(save_settings))
        .route("/staff/users/new", get(new_user).post(create_user))
        .route("/staff/users/{id}", get(user))
        .route("/staff/organizations", get(organizations))
        .route("/staff/organizations/{id}", get(organization))
        .route("/staff/organizations/{id}/policies", post(organization_policies))
        .route("/staff/api-keys", get(api_keys).post(create_api_key))
        .route("/staff/api-keys/{id}/revoke", post(revoke_api_key))
        .route("/staff/users/{id}/end-sessions", post(end_sessions))
        .route("/staff/factor-resets", get(resets))
        .route("/staff/factor-resets/{id}/approve", post(approve))
        .route("/staff/factor-resets/{id}/reject", post(reject))
}
