//! Account preferences: `/settings/security` (`docs/flows/two-factor.md`): the factors, turning two-factor on
//! under policy `optional`, adding and removing factors, new recovery codes, active sessions and
//! trusted devices.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::session::Authenticated;
use umbral_core::policy::TwoFactorPolicy;

use super::form::CodeForm;
use super::form::{NoFields, Posted};
use super::two_factor::{
    PhoneForm, SetupPlace, confirm_app_setup, confirm_sms_setup, render_app_setup, render_sms_code,
    render_sms_setup, send_sms_setup, show_codes_next,
};
use super::{FormPage, PageSession};
use crate::AppState;
use crate::extract::Ctx;
use umbral_core::types::{FactorId, SessionId};

/// Notices the Security tab may show after an action.
const NOTICES: &[&str] = &[
    "factor_added",
    "app_revoked",
    "factor_removed",
    "devices_forgotten",
    "device_forgotten",
    "session_ended",
    "password_changed",
    "idp_linked",
    "idp_unlinked",
    "passkey_renamed",
];

/// The fields of the password form, in page order.
const PASSWORD_FORM: &[&str] = &["_form", "current_password", "password"];

pub(crate) const SECURITY: SetupPlace = SetupPlace {
    base: "/settings/security",
};

pub async fn index() -> Redirect {
    Redirect::to("/settings/security")
}

/// The Security tab, with `error` shown at the top when an action failed.
pub(crate) async fn render_security(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    notice: Option<&str>,
    error: Option<&CoreError>,
) -> Response {
    let u = &state.umbral;
    let user = match auth.complete_user() {
        Ok(u) => u,
        Err(e) => return state.error_page(ctx, &e),
    };
    let (factors, codes_left, devices, sessions) = match (
        u.factors(auth),
        u.recovery_codes_left(auth).await,
        u.trusted_devices(auth).await,
        u.active_sessions(auth).await,
    ) {
        (Ok(f), Ok(c), Ok(d), Ok(s)) => (f, c, d, s),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
            return state.error_page(ctx, &e);
        }
    };
    let apps = match u.connected_applications(auth).await {
        Ok(a) => a,
        Err(e) => return state.error_page(ctx, &e),
    };
    let apps: Vec<_> = apps
        .iter()
        .map(|a| {
            context! {
                id => a.client_id, name => a.client_name, granted => ctx.time_text(a.granted_at),
                used => a.last_used_at.map(|t| ctx.time_text(t)),
            }
        })
        .collect();
    let policy = user.two_factor_policy(auth.membership.as_ref(), u.platform_defaults().two_factor);
    let factors: Vec<_> = factors
        .iter()
        .map(|f| {
            context! {
                id => f.id, kind => f.kind.as_str(), phone => f.phone_masked, name => f.name,
                created => ctx.time_text(f.created_at),
                last_used => f.last_used_at.map(|t| ctx.time_text(t)),
            }
        })
        .collect();
    let devices: Vec<_> = devices
        .iter()
        .map(|d| context! { id => d.id, user_agent => crate::render::device_text(ctx.locale, &d.user_agent), created => ctx.time_text(d.created_at), expires => ctx.time_text(d.expires_at) })
        .collect();
    let sessions: Vec<_> = sessions
        .iter()
        .map(|s| {
            context! {
                id => s.id_hash, ip => s.ip, user_agent => crate::render::device_text(ctx.locale, &s.user_agent),
                created => ctx.time_text(s.created_at), current => s.id_hash == auth.session.id_hash,
            }
        })
        .collect();
    let notice = notice
        .filter(|n| NOTICES.contains(n))
        .map(|n| crate::i18n::t(ctx.locale, &format!("security-notice-{n}"), &[]));
    // The providers one may sign in with, linked or not.
    let linked = u.linked_identities(auth).await.unwrap_or_default();
    let idps: Vec<_> = u
        .upstream_providers()
        .iter()
        .map(|p| {
            let l = linked.iter().find(|i| i.provider_id == p.id);
            context! { id => p.id, name => p.name, linked => l.is_some(), email => l.and_then(|i| i.email.clone()) }
        })
        .collect();
    let extra = context! {
        idps => idps,
        factors => factors,
        has_factor => user.factor_count > 0,
        can_activate => user.factor_count == 0 && policy == TwoFactorPolicy::Optional,
        required => policy == TwoFactorPolicy::Required,
        sms => u.config().factors.sms.enabled,
        email => user.email.clone(),
        manager => auth.membership.as_ref().is_some_and(|m| m.role != umbral_core::accounts::Role::Member),
        codes_left => codes_left,
        devices => devices,
        sessions => sessions,
        apps => apps,
        notice => notice,
        // An application's sign-in waits in this browser (it asked for two factors).
        app_waiting => ctx.authz_cookie.is_some(),
    };
    umbral_core::types::warm_passwords();
    let page = FormPage::new(state, ctx, "security.html", PASSWORD_FORM);
    match error {
        Some(e) => {
            // The password form shows its errors next to its fields; the other actions' at the
            // top of the tab (e.g. the last factor).
            let top = CoreError::invalid("_form", e.code());
            let own_field = e.field().is_some_and(|f| PASSWORD_FORM.contains(&f));
            let shown = if matches!(e, CoreError::Validation(_)) && !own_field {
                &top
            } else {
                e
            };
            page.error(shown, extra)
        }
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn security(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render_security(&state, &ctx, &auth, q.get("notice").map(String::as_str), None).await
}

/// The tab again, saying the form expired.
async fn expired(state: &AppState, ctx: &Ctx, auth: &Authenticated) -> Response {
    let e = CoreError::invalid("_form", "request.form_expired");
    render_security(state, ctx, auth, None, Some(&e)).await
}

/// Runs an action of the tab with the form's fields once its token matched: back to the tab
/// with a notice, or the tab with the error.
async fn act<F, T>(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    posted: Posted<F>,
    notice: &str,
    work: impl AsyncFnOnce(F) -> Result<T, CoreError>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return expired(state, ctx, auth).await;
    };
    match work(f).await {
        Ok(_) => Redirect::to(&format!("/settings/security?notice={notice}")).into_response(),
        Err(e) => render_security(state, ctx, auth, None, Some(&e)).await,
    }
}

pub async fn show_app(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if let Err(e) = auth.complete_user() {
        return state.error_page(&ctx, &e);
    }
    render_app_setup(&state, &ctx, &auth, SECURITY, None).await
}

pub async fn confirm_app(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CodeForm>,
) -> Response {
    if let Err(e) = auth.complete_user() {
        return state.error_page(&ctx, &e);
    }
    confirm_app_setup(&state, &ctx, &auth, SECURITY, posted).await
}

pub async fn show_sms(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    match auth.complete_user() {
        Ok(_) => render_sms_setup(&state, &ctx, &auth, SECURITY),
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub async fn send_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<PhoneForm>,
) -> Response {
    match auth.complete_user() {
        Ok(_) => send_sms_setup(&state, &ctx, &auth, SECURITY, posted).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub async fn show_sms_code(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    match auth.complete_user() {
        Ok(_) => render_sms_code(&state, &ctx, &auth, SECURITY, None).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

pub async fn confirm_sms(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CodeForm>,
) -> Response {
    match auth.complete_user() {
        Ok(_) => confirm_sms_setup(&state, &ctx, &auth, SECURITY, posted).await,
        Err(e) => state.error_page(&ctx, &e),
    }
}

/// "Remove this method?": removing one is asked once more, on its own page.
pub async fn confirm_remove_factor(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<FactorId>,
) -> Response {
    let factor = match state.umbral.factors(&auth) {
        Ok(list) => list.into_iter().find(|f| f.id == id),
        Err(e) => return state.error_page(&ctx, &e),
    };
    let Some(f) = factor else {
        return state.error_page(&ctx, &CoreError::NotFound);
    };
    FormPage::new(&state, &ctx, "remove_factor.html", &["_form"]).render(
        StatusCode::OK,
        context! { id => f.id, kind => f.kind.as_str(), phone => f.phone_masked, name => f.name },
    )
}

pub async fn remove_factor(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<FactorId>,
    posted: Posted<NoFields>,
) -> Response {
    let work = async |_: NoFields| state.umbral.remove_factor(&auth, &id, &ctx.meta).await;
    act(&state, &ctx, &auth, posted, "factor_removed", work).await
}

/// A passkey's new name.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NameForm {
    name: String,
}

pub async fn rename_passkey(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<FactorId>,
    posted: Posted<NameForm>,
) -> Response {
    let work = async |f: NameForm| state.umbral.rename_passkey(&auth, &id, &f.name, &ctx.meta).await;
    act(&state, &ctx, &auth, posted, "passkey_renamed", work).await
}

pub async fn new_recovery_codes(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    if posted.checked().is_err() {
        return expired(&state, &ctx, &auth).await;
    }
    match state.umbral.regenerate_recovery_codes(&auth, &ctx.meta).await {
        Ok(codes) => {
            let token = ctx.token.as_ref().map(|(t, _)| t.as_str()).unwrap_or_default();
            show_codes_next(&state, &ctx, token, &codes, "/settings/security")
        }
        Err(e) => render_security(&state, &ctx, &auth, None, Some(&e)).await,
    }
}

pub async fn forget_devices(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<DeviceForm>,
) -> Response {
    let one = posted.typed().get("device").is_some_and(|d| !d.is_empty());
    let notice = if one {
        "device_forgotten"
    } else {
        "devices_forgotten"
    };
    let work = async |f: DeviceForm| {
        let device = Some(f.device).filter(|d| !d.is_empty());
        state
            .umbral
            .forget_trusted_devices(&auth, device.as_deref(), &ctx.meta)
            .await
    };
    act(&state, &ctx, &auth, posted, notice, work).await
}

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<SessionForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return expired(&state, &ctx, &auth).await;
    };
    let result = state
        .umbral
        .end_own_session(&auth, &SessionId(f.session.clone()), &ctx.meta)
        .await;
    match result {
        // Signing this very browser out is signing out.
        Ok(()) if f.session == auth.session.id_hash => {
            let mut resp = Redirect::to("/login?notice=signed_out").into_response();
            crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Ok(()) => Redirect::to("/settings/security?notice=session_ended").into_response(),
        Err(e) if f.session == auth.session.id_hash => state.error_page(&ctx, &e),
        Err(e) => render_security(&state, &ctx, &auth, None, Some(&e)).await,
    }
}

/// Policy `optional`: "Two-factor authentication" explains, then **Activate**.
pub async fn show_activate(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    if let Err(e) = auth.complete_user() {
        return state.error_page(&ctx, &e);
    }
    FormPage::new(&state, &ctx, "activate.html", &["_form"]).render(StatusCode::OK, context! {})
}

pub async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let page = FormPage::new(&state, &ctx, "activate.html", &["_form"]);
    if posted.checked().is_err() {
        return page.expired(context! {});
    }
    match state.umbral.enable_two_factor(&auth, &ctx.meta).await {
        Ok(()) => {
            let mut resp = Redirect::to("/login?notice=mfa_activated").into_response();
            crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Err(e) => page.error(&e, context! {}),
    }
}

/// "Change password": the current one, then the new one.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    password: String,
}

/// "Forget" one remembered device (`device`), or all of them (empty).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeviceForm {
    device: String,
}

/// "Sign out" of one session, by its id.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SessionForm {
    session: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<PasswordForm>,
) -> Response {
    let work = async |f: PasswordForm| {
        state
            .umbral
            .change_password(&auth, &f.current_password, &f.password, &ctx.meta)
            .await
    };
    act(&state, &ctx, &auth, posted, "password_changed", work).await
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings", get(index))
        .route("/settings/security", get(security))
        .route("/settings/security/password", post(change_password))
        .route("/settings/security/sms", get(show_sms).post(send_sms))
        .route(
            "/settings/security/sms/confirm",
            get(show_sms_code).post(confirm_sms),
        )
        .route("/settings/security/app", get(show_app).post(confirm_app))
        .route("/settings/security/activate", get(show_activate).post(activate))
        .route(
            "/settings/security/factors/{id}/remove",
            get(confirm_remove_factor).post(remove_factor),
        )
        .route("/settings/security/recovery-codes", post(new_recovery_codes))
        .route("/settings/security/factors/{id}/rename", post(rename_passkey))
        .route("/settings/security/devices/forget", post(forget_devices))
        .route("/settings/security/sessions/end", post(end_session))
        .route("/settings/security/applications/revoke", post(revoke_application))
}

/// The application a connected-applications button names.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AppForm {
    client: String,
}

/// "Remove access" of a connected application: it asks again next time.
pub async fn revoke_application(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<AppForm>,
) -> Response {
    let work = async |f: AppForm| state.umbral.revoke_application(&auth, &f.client, &ctx.meta).await;
    act(&state, &ctx, &auth, posted, "app_revoked", work).await
}
