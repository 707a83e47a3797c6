//! The staff console's sign-in providers (`/staff/identity-providers`): the upstream identity
//! providers of the settings, with the redirect URI to register at each.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;

use super::{FormPage, StaffPage};
use crate::AppState;
use crate::extract::Ctx;

async fn list(State(state): State<AppState>, ctx: Ctx, StaffPage(_): StaffPage) -> Response {
    let u = &state.umbral;
    let providers: Vec<_> = u
        .upstream_providers()
        .iter()
        .map(|p| {
            context! {
                id => p.id, name => p.name, kind => p.kind.as_str(), issuer => p.issuer,
                client_id => p.client_id, redirect_uri => u.upstream_redirect_uri(&p.id),
            }
        })
        .collect();
    FormPage::new(&state, &ctx, "staff_idps.html", &[])
        .render(StatusCode::OK, context! { providers => providers })
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/staff/identity-providers", get(list))
}
