//! `/join`: the invitations of organizations waiting for the signed-in person (someone who had an
//! account when they were invited). Join leaves the organization they are in; decline ends it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::flows::session::Authenticated;

use super::form::{NoFields, Posted};
use super::{FormPage, PageSession};
use crate::AppState;
use crate::extract::Ctx;

async fn render(state: &AppState, ctx: &Ctx, auth: &Authenticated, error: Option<&CoreError>) -> Response {
    let offers = match state.umbral.join_offers(auth).await {
        Ok(o) => o,
        Err(e) => return state.error_page(ctx, &e),
    };
    let current = auth.membership.as_ref();
    let view: Vec<_> = offers
        .iter()
        .map(|o| {
            context! {
                id => o.invitation.id, org_name => o.org_name, inviter => o.invitation.invited_by,
                role => o.invitation.role.as_str(), expires_at => o.invitation.expires_at,
            }
        })
        .collect();
    let extra = context! {
        offers => view,
        current_org => current.map(|m| m.org_name.clone()),
        current_owner => current.is_some_and(|m| m.role == umbral_core::accounts::Role::Owner),
    };
    let page = FormPage::new(state, ctx, "join.html", &["_form"]);
    match error {
        Some(e) => page.error(&CoreError::invalid("_form", e.code()), extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    render(&state, &ctx, &auth, None).await
}

/// Runs an answer to an invitation: on to `done`, or the page with the error.
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    posted: Posted<NoFields>,
    done: &str,
    work: impl std::future::Future<Output = Result<(), CoreError>>,
) -> Response {
    if posted.checked().is_err() {
        return render(
            state,
            ctx,
            auth,
            Some(&CoreError::invalid("_form", "request.form_expired")),
        )
        .await;
    }
    match work.await {
        Ok(()) => Redirect::to(done).into_response(),
        Err(e) => render(state, ctx, auth, Some(&e)).await,
    }
}

/// Joins: the new organization's steps (its two-factor policy) follow from the home page.
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    let work = state.umbral.accept_join(&auth, &id, &ctx.meta);
    answer(&state, &ctx, &auth, posted, "/", work).await
}

pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Path(id): Path<String>,
    posted: Posted<NoFields>,
) -> Response {
    let work = state.umbral.decline_join(&auth, &id, &ctx.meta);
    answer(&state, &ctx, &auth, posted, "/join", work).await
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/join", get(show))
        .route("/join/{id}/accept", post(accept))
        .route("/join/{id}/decline", post(decline))
}
