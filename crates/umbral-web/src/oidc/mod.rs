//! The OpenID Connect provider's endpoints (`docs/flows/oidc.md`): discovery, keys, authorize,
//! token and userinfo. Errors follow the RFCs' codes; the pages' same-origin rule does not apply
//! to the token and userinfo endpoints, which take no cookies.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use serde_json::{Value, json};
use umbral_core::flows::oidc::{Authorize, ClientCredentials, TokenError};

use crate::AppState;
use crate::api::append_cookie;
use crate::extract::Ctx;

mod consent;
mod logout;
mod token;

use consent::{consent_answer, consent_page};
use logout::{logout, logout_confirmed};
use token::{introspect, preflight, revoke, token, userinfo};

/// The paths of the endpoints applications call from their servers or their browser code: no
/// cookies, so the same-origin rule of the pages does not apply.
pub const TOKEN_PATHS: [&str; 4] = [
    "/oauth2/token",
    "/oauth2/userinfo",
    "/oauth2/revoke",
    "/oauth2/introspect",
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/authorize", get(authorize))
        .route("/oauth2/authorize/continue", get(resume))
        .route("/oauth2/token", axum::routing::post(token).options(preflight))
        .route(
            "/oauth2/userinfo",
            get(userinfo).post(userinfo).options(preflight),
        )
        .route("/oauth2/revoke", axum::routing::post(revoke).options(preflight))
        .route("/oauth2/introspect", axum::routing::post(introspect))
        .route("/oauth2/logout", get(logout).post(logout_confirmed))
        .route("/oauth2/consent", get(consent_page).post(consent_answer))
}

async fn discovery(State(state): State<AppState>) -> Response {
    let iss = state.umbral.issuer();
    let doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userinfo"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "end_session_endpoint": format!("{iss}/oauth2/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "jwks_uri": format!("{iss}/oauth2/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": umbral_core::oidc::request::SCOPES,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "acr", "amr", "at_hash", "azp",
            "name", "locale", "email", "email_verified", "phone_number", "phone_number_verified", "org"],
        "acr_values_supported": ["pwd", "mfa"],
        "prompt_values_supported": ["none", "login", "consent", "create"],
        "ui_locales_supported": ["en", "es", "pt-BR"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    });
    (
        [
            (CACHE_CONTROL, "public, max-age=300"),
            (CONTENT_TYPE, "application/json"),
        ],
        doc.to_string(),
    )
        .into_response()
}

async fn jwks(State(state): State<AppState>) -> Response {
    match state.umbral.jwks().await {
        // A new key is published this long before it signs (ADR 0011), so that a cached copy
        // always holds it in time.
        Ok((set, max_age)) => (
            [
                (CACHE_CONTROL, format!("public, max-age={max_age}")),
                (CONTENT_TYPE, "application/jwk-set+json".to_string()),
            ],
            set.to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "jwks failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .take(64)
        .collect()
}

async fn authorize(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let auth = ctx.session(&state).await.ok();
    let outcome = state
        .umbral
        .authorize(&pairs(query.as_deref()), auth.as_ref())
        .await;
    answer(&state, &ctx, auth.as_ref(), outcome, false).await
}

/// After a sign-in: the request this browser left waiting, if any.
async fn resume(State(state): State<AppState>, ctx: Ctx) -> Response {
    let Some(continuation) = ctx.authz_cookie.clone() else {
        return redirect("/");
    };
    let auth = ctx.session(&state).await.ok();
    match state
        .umbral
        .resume_authorization(&continuation, auth.as_ref())
        .await
    {
        // Reached at the end of a sign-in, often from a form's answer: browsers refuse to follow
        // a form's redirects to another origin (`form-action`), so the way back is a page.
        Ok(Some(outcome)) => answer(&state, &ctx, auth.as_ref(), Ok(outcome), true).await,
        Ok(None) => {
            let mut resp = redirect("/");
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.authz));
            resp
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

/// A page that takes the browser to another site at once (a `refresh`), for answers that may
/// follow a form: the pages' `form-action 'self'` stops a form's redirect to another origin.
pub(crate) fn leave(ctx: &Ctx, to: &str) -> Response {
    leave_saying(to, &crate::i18n::t(ctx.locale, "oidc-back-to-app", &[]), ctx)
}

/// [`leave`], the page saying `text` (with a link, for a browser that does not follow it).
pub(crate) fn leave_saying(to: &str, text: &str, ctx: &Ctx) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let url = escape(to);
    let text = escape(text);
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={url}\"><title>{text}</title></head><body><p><a href=\"{url}\">{text}</a></p></body></html>",
        ctx.locale.tag()
    );
    (
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_TYPE, "text/html; charset=utf-8"),
        ],
        body,
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

/// To `path` (of Umbral), with the request waiting under `continuation` in the browser.
fn wait_at(state: &AppState, path: &str, continuation: &str) -> Response {
    let mut resp = redirect(path);
    append_cookie(
        &mut resp,
        &state
            .cookies
            .set(state.cookies.authz, continuation, Some(24 * 3600)),
    );
    resp
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    auth: Option<&umbral_core::flows::session::Authenticated>,
    outcome: Result<Authorize, umbral_core::CoreError>,
    via_page: bool,
) -> Response {
    match outcome {
        Ok(Authorize::Redirect(to)) => {
            let mut resp = if via_page { leave(ctx, &to) } else { redirect(&to) };
            if ctx.authz_cookie.is_some() {
                append_cookie(&mut resp, &state.cookies.clear(state.cookies.authz));
            }
            resp
        }
        Ok(Authorize::SignIn {
            continuation,
            create,
            login_hint,
            ui_locales,
            sign_out,
        }) => {
            let mut query = Vec::new();
            // The first of the application's languages that Umbral speaks, else the usual choice.
            if let Some(l) = ui_locales
                .as_deref()
                .and_then(|l| l.split(' ').find_map(umbral_core::types::Locale::from_tag))
            {
                query.push(format!("lang={}", l.tag()));
            }
            if let (false, Some(hint)) = (create, login_hint) {
                query.push(format!(
                    "email={}",
                    url::form_urlencoded::byte_serialize(hint.as_bytes()).collect::<String>()
                ));
            }
            let path = if create { "/signup" } else { "/login" };
            let to = if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", query.join("&"))
            };
            let mut resp = wait_at(state, &to, &continuation);
            // A new sign-in was asked for: this one ends (one session per person, so the next
            // sign-in would end it anyway).
            if sign_out && let Some(a) = auth {
                if let Err(e) = state.umbral.logout(a, &ctx.meta).await {
                    return state.error_page(ctx, &e);
                }
                append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            }
            resp
        }
        Ok(Authorize::Consent { continuation }) => wait_at(state, "/oauth2/consent", &continuation),
        // Security lists the ways to add one, and the way back while the request waits.
        Ok(Authorize::AddFactor { continuation }) => wait_at(state, "/settings/security", &continuation),
        Ok(Authorize::ErrorPage(code)) => error_page(state, ctx, code),
        Err(e) => state.error_page(ctx, &e),
    }
}

fn error_page(state: &AppState, ctx: &Ctx, code: &str) -> Response {
    let message = crate::i18n::t(ctx.locale, &code.replace('.', "-"), &[]);
    state
        .page(
            ctx,
            StatusCode::BAD_REQUEST,
            "error.html",
            minijinja::context! { title => crate::i18n::t(ctx.locale, "oidc-error-title", &[]), message => message },
        )
        .into_response()
}
