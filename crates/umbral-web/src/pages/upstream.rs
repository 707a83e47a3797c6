//! Signing in with an upstream identity provider (`docs/flows/upstream.md`): "Sign in with
//! Google" on `/login` and `/signup`, the provider's callback, the profile page of a new
//! account (`/signup/idp`) and the confirmation of a link (`/login/idp/link`).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::input::PhoneInput;
use umbral_core::flows::upstream::{UpstreamOutcome, UpstreamProfile};
use umbral_core::ports::UpstreamPurpose;

use super::form::Posted;
use super::signup::countries;
use super::{FormPage, PageSession, signed_in};
use crate::AppState;
use crate::extract::Ctx;

/// A sign-in at a provider must come back within this time (the cookie's life).
const COOKIE_SECS: i64 = 600;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StartForm {
    /// The plan of a sign-up from `/signup?plan=`.
    plan: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    state: String,
    code: String,
    error: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    name: String,
    phone_country: String,
    phone: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LinkForm {
    decision: String,
}

const PROFILE_ORDER: &[&str] = &["_form", "name", "phone_country", "phone", "accept_terms"];

fn expired() -> CoreError {
    CoreError::invalid("_form", "request.form_expired")
}

/// The sign-in page again, with what went wrong.
fn login_error(state: &AppState, ctx: &Ctx, e: &CoreError) -> Response {
    FormPage::new(state, ctx, "login_email.html", &["_form", "email"]).error(e, context! {})
}

fn with_cookie(state: &AppState, mut resp: Response, value: Option<&str>) -> Response {
    let c = match value {
        Some(v) => state.cookies.set(state.cookies.idp, v, Some(COOKIE_SECS)),
        None => state.cookies.clear(state.cookies.idp),
    };
    crate::api::append_cookie(&mut resp, &c);
    resp
}

/// "Sign in with <provider>": to the provider, this browser bound by a cookie.
async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    posted: Posted<StartForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return login_error(&state, &ctx, &expired());
    };
    let purpose = UpstreamPurpose::SignIn {
        plan: Some(f.plan.clone()).filter(|p| !p.is_empty() && p.len() <= 64),
    };
    start_at(&state, &ctx, &id, purpose).await
}

pub(crate) async fn start_at(state: &AppState, ctx: &Ctx, id: &str, purpose: UpstreamPurpose) -> Response {
    match state.umbral.upstream_start(id, purpose).await {
        // A page, not a redirect: browsers do not follow a form's redirect to another origin
        // (`form-action 'self'`).
        Ok((url, browser)) => {
            let name = state
                .umbral
                .upstream_providers()
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let text = crate::i18n::t(
                ctx.locale,
                "idp-going",
                &[("provider", crate::i18n::Arg::Str(&name))],
            );
            with_cookie(state, crate::oidc::leave_saying(&url, &text, ctx), Some(&browser))
        }
        Err(CoreError::NotFound) => state.error_page(ctx, &CoreError::NotFound),
        Err(e) => login_error(state, ctx, &e),
    }
}

/// "Link <provider>" in Security: the same trip, for the signed-in person.
async fn start_link(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    posted: Posted<StartForm>,
) -> Response {
    let Ok(user) = auth.signed_in_user() else {
        return state.error_page(&ctx, &CoreError::Unauthenticated);
    };
    if posted.checked().is_err() {
        return super::settings::render_security(&state, &ctx, &auth, None, Some(&expired())).await;
    }
    start_at(&state, &ctx, &id, UpstreamPurpose::Link(user.id.clone())).await
}

/// The provider sends the browser back here.
async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(browser) = ctx.idp_cookie.clone() else {
        return login_error(&state, &ctx, &CoreError::invalid("_form", "upstream.expired"));
    };
    if !q.error.is_empty() {
        // The person said no at the provider, or the provider refused.
        let resp = login_error(&state, &ctx, &CoreError::invalid("_form", "upstream.cancelled"));
        return with_cookie(&state, resp, None);
    }
    let current = ctx.session(&state).await.ok();
    match state
        .umbral
        .upstream_callback(&id, &q.state, &q.code, &browser, current.as_ref(), &ctx.meta)
        .await
    {
        Ok(UpstreamOutcome::SignedIn { session_token, next }) => {
            with_cookie(&state, signed_in(&state, &session_token, next), None)
        }
        Ok(UpstreamOutcome::Profile { token }) => {
            with_cookie(&state, Redirect::to("/signup/idp").into_response(), Some(&token))
        }
        Ok(UpstreamOutcome::LinkNeeded { token, email }) => {
            let encoded = percent_encoding::utf8_percent_encode(&email, percent_encoding::NON_ALPHANUMERIC);
            let to = format!("/login?notice=idp_link&email={encoded}");
            with_cookie(&state, Redirect::to(&to).into_response(), Some(&token))
        }
        Ok(UpstreamOutcome::Linked) => with_cookie(
            &state,
            Redirect::to("/settings/security?notice=idp_linked").into_response(),
            None,
        ),
        Err(e) => with_cookie(&state, login_error(&state, &ctx, &e), None),
    }
}

async fn profile_page(
    state: &AppState,
    ctx: &Ctx,
    e: Option<&CoreError>,
    typed: Option<&std::collections::HashMap<String, String>>,
) -> Response {
    let token = ctx.idp_cookie.clone().unwrap_or_default();
    let pending = match state.umbral.upstream_pending(&token).await {
        Ok(p) => p,
        Err(gone) => return login_error(state, ctx, e.unwrap_or(&gone)),
    };
    let extra = context! {
        provider => pending.provider_name, email => pending.email,
        ..countries(ctx.locale, ctx.likely_country())
    };
    let mut page = FormPage::new(state, ctx, "signup_idp.html", PROFILE_ORDER)
        .value("name", &pending.name)
        .value("phone_country", ctx.likely_country());
    if let Some(t) = typed {
        page = page.keep(t, &["name", "phone_country", "phone", "accept_terms"]);
    }
    match e {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

async fn show_profile(State(state): State<AppState>, ctx: Ctx) -> Response {
    profile_page(&state, &ctx, None, None).await
}

/// The rest of a sign-up the provider did not give: the account is made here.
async fn submit_profile(State(state): State<AppState>, ctx: Ctx, posted: Posted<ProfileForm>) -> Response {
    let typed = posted.typed().clone();
    let Ok(f) = posted.checked() else {
        return profile_page(&state, &ctx, Some(&expired()), Some(&typed)).await;
    };
    let profile = UpstreamProfile {
        name: f.name.clone(),
        phone: PhoneInput::National {
            country: f.phone_country.clone(),
            number: f.phone.clone(),
        },
        accept_terms: typed.get("accept_terms").is_some_and(|v| !v.is_empty()),
        locale: ctx.locale,
    };
    let token = ctx.idp_cookie.clone().unwrap_or_default();
    match state.umbral.upstream_signup(&token, &profile, &ctx.meta).await {
        Ok(out) => with_cookie(&state, signed_in(&state, &out.session_token, out.next), None),
        Err(e @ CoreError::Validation(_)) if !e.code().starts_with("upstream.") => {
            profile_page(&state, &ctx, Some(&e), Some(&typed)).await
        }
        Err(e) => with_cookie(&state, login_error(&state, &ctx, &e), None),
    }
}

/// After signing in to the account with the provider's email: link it?
async fn show_link(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    let token = ctx.idp_cookie.clone().unwrap_or_default();
    // Only a link waiting for this very person; anything else in the cookie is dropped.
    let pending = match (state.umbral.upstream_pending(&token).await, auth.signed_in_user()) {
        (Ok(p), Ok(user)) if p.link_for.as_ref() == Some(&user.id) => p,
        _ => return with_cookie(&state, Redirect::to("/").into_response(), None),
    };
    FormPage::new(&state, &ctx, "login_idp_link.html", &["_form"]).render(
        StatusCode::OK,
        context! { provider => pending.provider_name, email => pending.email },
    )
}

async fn confirm_link(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<LinkForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return FormPage::new(&state, &ctx, "login_idp_link.html", &["_form"]).expired(context! {});
    };
    if f.decision != "link" {
        return with_cookie(&state, Redirect::to("/").into_response(), None);
    }
    let token = ctx.idp_cookie.clone().unwrap_or_default();
    match state.umbral.upstream_link_confirm(&token, &auth, &ctx.meta).await {
        Ok(()) => with_cookie(
            &state,
            Redirect::to("/settings/security?notice=idp_linked").into_response(),
            None,
        ),
        Err(e) => with_cookie(&state, state.error_page(&ctx, &e), None),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UnlinkForm {
    provider: String,
}

/// "Unlink" in Security.
async fn unlink(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<UnlinkForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return super::settings::render_security(&state, &ctx, &auth, None, Some(&expired())).await;
    };
    match state.umbral.upstream_unlink(&auth, &f.provider, &ctx.meta).await {
        Ok(()) => Redirect::to("/settings/security?notice=idp_unlinked").into_response(),
        Err(e) => super::settings::render_security(&state, &ctx, &auth, None, Some(&e)).await,
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/idp/link", get(show_link).post(confirm_link))
        .route("/login/idp/{id}", post(start))
        .route("/login/idp/{id}/callback", get(callback))
        .route("/signup/idp", get(show_profile).post(submit_profile))
        .route("/settings/security/idp/{id}/link", post(start_link))
        .route("/settings/security/idp/unlink", post(unlink))
}
