//! `/recover` ("Forgot your password?") and `/recover/complete` ("Choose a new password").

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::FormPage;
use super::form::Posted;
use crate::AppState;
use crate::extract::Ctx;

fn recover_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "recover.html", &["_form", "email"])
}

/// The form, with the email the person typed at the sign-in (`?email=`), if any.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let email: String = q
        .get("email")
        .map(|e| e.trim().chars().take(254).collect())
        .unwrap_or_default();
    recover_page(&state, &ctx)
        .value("email", &email)
        .render(StatusCode::OK, context! { sent => false })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

/// "Choose a new password" (a reset) or "Set your password" (an invitation).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    token: String,
    password: String,
}

/// Always "If an account exists, we sent a link", with the troubleshooting tips and a resend.
pub async fn request(State(state): State<AppState>, ctx: Ctx, posted: Posted<EmailForm>) -> Response {
    let page = recover_page(&state, &ctx).keep(posted.typed(), &["email"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! { sent => false });
    };
    match state
        .umbral
        .request_password_reset(&f.email, ctx.locale, &ctx.meta)
        .await
    {
        Ok(()) => page.render(StatusCode::OK, context! { sent => true }),
        Err(e @ umbral_core::CoreError::RateLimited { .. }) => page.error(&e, context! { sent => true }),
        Err(e) => page.error(&e, context! { sent => false }),
    }
}

fn complete_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(
        state,
        ctx,
        "recover_complete.html",
        &["_form", "token", "password"],
    )
}

pub async fn show_complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").map(String::as_str).unwrap_or_default();
    let page = complete_page(&state, &ctx).value("token", token);
    match state.umbral.password_reset_user(token).await {
        Ok(user) => page.render(StatusCode::OK, context! { email => user.email, invite => false }),
        Err(e) => page.error(&e, context! { invite => false }),
    }
}

pub async fn complete(State(state): State<AppState>, ctx: Ctx, posted: Posted<PasswordForm>) -> Response {
    let page = complete_page(&state, &ctx).keep(posted.typed(), &["token"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! { invite => false });
    };
    match state
        .umbral
        .complete_password_reset(&f.token, &f.password, &ctx.meta)
        .await
    {
        Ok(()) => {
            let mut resp = Redirect::to("/login?notice=password_reset").into_response();
            crate::api::append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Err(e) => page.error(&e, context! { invite => false }),
    }
}

/// The invitation of a user created by staff: "Set your password".
pub async fn show_invite(
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
pub async fn accept_invite(
    State(state): State<AppState>,
    ctx: Ctx,
    posted: Posted<PasswordForm>,
) -> Response {
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
            let mut resp = super::signed_in(&state, &out.session_token, out.next.as_str());
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
