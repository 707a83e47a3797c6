//! `/invite`: a user created by staff (or an organization's admin) sets the first password with
//! the emailed invitation, and is signed in.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;

use super::form::Posted;
use super::recover::{PasswordForm, complete_page};
use crate::AppState;
use crate::extract::Ctx;

/// The invitation of a user created by staff: "Set your password".
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").map(String::as_str).unwrap_or_default();
    let page = complete_page(&state, &ctx).value("token", token);
    match state.umbral.invitation_user(token).await {
        // In the language the account was created in, unless the person chose one.
        Ok(user)
            if !ctx.lang_from_query
                && crate::cookies::get(&headers, crate::cookies::LANG).is_none()
                && user.locale != ctx.locale.tag() =>
        {
            // (A token that found its user is one we made: URL-safe characters only.)
            Redirect::to(&format!("/invite?token={token}&lang={}", user.locale)).into_response()
        }
        Ok(user) => page.render(
            StatusCode::OK,
            context! { email => user.email, name => user.name, invite => true },
        ),
        Err(e) => page.error(&e, context! { invite => true }),
    }
}

/// Sets the first password and signs the user in; the next step follows the policy.
pub async fn accept(State(state): State<AppState>, ctx: Ctx, posted: Posted<PasswordForm>) -> Response {
    let page = complete_page(&state, &ctx).keep(posted.typed(), &["token"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! { invite => true });
    };
    match state
        .umbral
        .accept_invitation(&f.token, &f.password, &ctx.meta)
        .await
    {
        Ok(out) => {
            let mut resp = super::signed_in(&state, &out.session_token, out.next);
            state.add_signin_cookie(&mut resp, out.device_cookie.as_deref());
            resp
        }
        // The page again with the person's name and email.
        Err(e) => {
            let user = state.umbral.invitation_user(&f.token).await.ok();
            page.error(
                &e,
                context! {
                    invite => true,
                    email => user.as_ref().map(|u| u.email.clone()),
                    name => user.as_ref().map(|u| u.name.clone()),
                },
            )
        }
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/invite", get(show).post(accept))
}
