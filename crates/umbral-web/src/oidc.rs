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
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "jwks_uri": format!("{iss}/oauth2/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
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
        // Short enough that a key published before it signs is fetched in time (ADR on keys).
        Ok(set) => (
            [
                (CACHE_CONTROL, "public, max-age=300"),
                (CONTENT_TYPE, "application/jwk-set+json"),
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
fn leave(ctx: &Ctx, to: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let url = escape(to);
    let text = escape(&crate::i18n::t(ctx.locale, "oidc-back-to-app", &[]));
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
            let mut resp = redirect(&to);
            append_cookie(
                &mut resp,
                &state
                    .cookies
                    .set(state.cookies.authz, &continuation, Some(24 * 3600)),
            );
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
        Ok(Authorize::ErrorPage(code)) => error_page(state, ctx, code),
        Err(e) => state.error_page(ctx, &e),
    }
}

/// `client_secret_basic` (RFC 6749 2.3.1: both parts form-urlencoded) or `client_secret_post`.
fn credentials(headers: &HeaderMap, form: &[(String, String)]) -> Result<ClientCredentials, TokenError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let Some(basic) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .map_err(|_| TokenError::InvalidClient)?;
        let text = String::from_utf8(raw).map_err(|_| TokenError::InvalidClient)?;
        let (id, secret) = text.split_once(':').ok_or(TokenError::InvalidClient)?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        if field("client_secret").is_some() {
            return Err(TokenError::InvalidRequest("one way to authenticate the client"));
        }
        return Ok(ClientCredentials {
            client_id: Some(decode(id)),
            secret: Some(decode(secret)),
        });
    }
    Ok(ClientCredentials {
        client_id: field("client_id"),
        secret: field("client_secret"),
    })
}

fn token_error(e: &TokenError, basic: bool) -> Response {
    let status = match e {
        TokenError::InvalidClient => StatusCode::UNAUTHORIZED,
        TokenError::Server => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut resp = (
        status,
        [
            (CACHE_CONTROL, "no-store"),
            (PRAGMA, "no-cache"),
            (CONTENT_TYPE, "application/json"),
        ],
        json!({"error": e.code(), "error_description": e.description()}).to_string(),
    )
        .into_response();
    if basic && matches!(e, TokenError::InvalidClient) {
        resp.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"umbral\""),
        );
    }
    resp
}

async fn token(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let resp = token_answer(&state, &headers, body).await;
    with_cors(&state, &headers, resp).await
}

async fn token_answer(state: &AppState, headers: &HeaderMap, body: axum::body::Bytes) -> Response {
    let basic = headers.contains_key(AUTHORIZATION);
    let form = match token_form(headers, &body) {
        Ok(f) => f,
        Err(e) => return token_error(&e, basic),
    };
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let creds = match credentials(headers, &form) {
        Ok(c) => c,
        Err(e) => return token_error(&e, basic),
    };
    let result = match field("grant_type") {
        Some("authorization_code") => {
            state
                .umbral
                .exchange_code(
                    &creds,
                    field("code"),
                    field("redirect_uri"),
                    field("code_verifier"),
                )
                .await
        }
        Some("refresh_token") => state.umbral.refresh(&creds, field("refresh_token")).await,
        None => Err(TokenError::InvalidRequest("grant_type is missing")),
        Some(_) => Err(TokenError::UnsupportedGrantType),
    };
    match result {
        Ok(t) => {
            let mut body = json!({
                "access_token": t.access_token,
                "token_type": "Bearer",
                "expires_in": t.expires_in,
                "id_token": t.id_token,
                "scope": t.scope,
            });
            if let Some(r) = t.refresh_token {
                body["refresh_token"] = json!(r);
            }
            (
                [
                    (CACHE_CONTROL, "no-store"),
                    (PRAGMA, "no-cache"),
                    (CONTENT_TYPE, "application/json"),
                ],
                body.to_string(),
            )
                .into_response()
        }
        Err(e) => token_error(&e, basic),
    }
}

/// The form of a token-endpoint request, each parameter at most once.
fn token_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, TokenError> {
    let form_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(TokenError::InvalidRequest(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().take(64).collect();
    let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(TokenError::InvalidRequest("a parameter is repeated"));
    }
    Ok(form)
}

/// The browser origins that may call the token endpoints: those of the registered clients'
/// redirect URIs (never `*`; no credentials).
async fn allowed_origin(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(axum::http::header::ORIGIN)?.to_str().ok()?;
    let origins = state.umbral.client_origins().await.ok()?;
    origins
        .iter()
        .any(|o| o == origin)
        .then(|| HeaderValue::from_str(origin).ok())
        .flatten()
}

async fn with_cors(state: &AppState, headers: &HeaderMap, mut resp: Response) -> Response {
    if let Some(origin) = allowed_origin(state, headers).await {
        let h = resp.headers_mut();
        h.insert(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(axum::http::header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

/// CORS preflight of the token endpoints (Fetch standard).
async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(origin) = allowed_origin(&state, &headers).await else {
        return StatusCode::FORBIDDEN.into_response();
    };
    (
        StatusCode::NO_CONTENT,
        [
            (axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
            (
                axum::http::header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            ),
            (
                axum::http::header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            ),
            (
                axum::http::header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ),
            (axum::http::header::VARY, HeaderValue::from_static("Origin")),
        ],
    )
        .into_response()
}

/// Token introspection (RFC 7662), for resource servers registered as confidential clients.
async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let basic = headers.contains_key(AUTHORIZATION);
    let form = match token_form(&headers, &body) {
        Ok(f) => f,
        Err(e) => return token_error(&e, basic),
    };
    let creds = match credentials(&headers, &form) {
        Ok(c) => c,
        Err(e) => return token_error(&e, basic),
    };
    let token = form.iter().find(|(k, _)| k == "token").map(|(_, v)| v.as_str());
    match state.umbral.introspect(&creds, token).await {
        Ok(v) => (
            [(CACHE_CONTROL, "no-store"), (CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
        Err(e) => token_error(&e, basic),
    }
}

/// Token revocation (RFC 7009): `200` whether or not the token was known.
async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let resp = revoke_answer(&state, &headers, body).await;
    with_cors(&state, &headers, resp).await
}

async fn revoke_answer(state: &AppState, headers: &HeaderMap, body: axum::body::Bytes) -> Response {
    let basic = headers.contains_key(AUTHORIZATION);
    let form = match token_form(headers, &body) {
        Ok(f) => f,
        Err(e) => return token_error(&e, basic),
    };
    let creds = match credentials(headers, &form) {
        Ok(c) => c,
        Err(e) => return token_error(&e, basic),
    };
    let token = form.iter().find(|(k, _)| k == "token").map(|(_, v)| v.as_str());
    match state.umbral.revoke_token(&creds, token).await {
        Ok(()) => ([(CACHE_CONTROL, "no-store")], StatusCode::OK).into_response(),
        Err(e) => token_error(&e, basic),
    }
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let resp = userinfo_answer(&state, &headers).await;
    with_cors(&state, &headers, resp).await
}

async fn userinfo_answer(state: &AppState, headers: &HeaderMap) -> Response {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    match state.umbral.userinfo(token).await {
        Ok(claims) => (
            [(CACHE_CONTROL, "no-store"), (CONTENT_TYPE, "application/json")],
            Value::to_string(&claims),
        )
            .into_response(),
        Err(umbral_core::CoreError::Unauthenticated) => {
            let mut resp = (
                StatusCode::UNAUTHORIZED,
                [(CACHE_CONTROL, "no-store"), (CONTENT_TYPE, "application/json")],
                json!({"error": "invalid_token"}).to_string(),
            )
                .into_response();
            resp.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "userinfo failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// The parameters of a logout request, as the confirmation page posts them back.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LogoutForm {
    id_token_hint: String,
    client_id: String,
    post_logout_redirect_uri: String,
    state: String,
}

const LOGOUT_PARAMS: [&str; 4] = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state"];

async fn logout(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = pairs(query.as_deref())
        .into_iter()
        .filter(|(k, _)| LOGOUT_PARAMS.contains(&k.as_str()))
        .collect();
    end_session(&state, &ctx, pairs, false).await
}

async fn logout_confirmed(
    State(state): State<AppState>,
    ctx: Ctx,
    posted: crate::pages::form::Posted<LogoutForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        // The form expired: ask again.
        return end_session(&state, &ctx, Vec::new(), false).await;
    };
    let pairs = [
        ("id_token_hint", f.id_token_hint),
        ("client_id", f.client_id),
        ("post_logout_redirect_uri", f.post_logout_redirect_uri),
        ("state", f.state),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    end_session(&state, &ctx, pairs, true).await
}

/// `confirmed` answers the confirmation form: its way back is a page (see [`leave`]).
async fn end_session(state: &AppState, ctx: &Ctx, pairs: Vec<(String, String)>, confirmed: bool) -> Response {
    use umbral_core::flows::oidc::Logout;
    let auth = ctx.session(state).await.ok();
    match state
        .umbral
        .end_session_request(&pairs, auth.as_ref(), confirmed, &ctx.meta)
        .await
    {
        Ok(Logout::Redirect(to)) => {
            let mut resp = if confirmed { leave(ctx, &to) } else { redirect(&to) };
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Ok(Logout::SignedOut) => {
            let mut resp = redirect("/login?notice=signed_out");
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Ok(Logout::Confirm { client_name }) => crate::pages::FormPage::new(state, ctx, "logout.html", &[])
            .render(
                StatusCode::OK,
                minijinja::context! { client_name => client_name, params => pairs },
            ),
        Ok(Logout::ErrorPage(code)) => error_page(state, ctx, code),
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
