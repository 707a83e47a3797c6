//! The endpoints applications call from their servers and their pages: token, revocation,
//! introspection, userinfo, and CORS for them.

use super::*;

/// `client_secret_basic` (RFC 6749 2.3.1: both parts form-urlencoded), `client_secret_post`, or
/// `private_key_jwt` (`client_assertion`); one of them only.
pub(super) fn credentials(
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<ClientCredentials, TokenError> {
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
        if field("client_secret").is_some() || field("client_assertion").is_some() {
            return Err(TokenError::InvalidRequest("one way to authenticate the client"));
        }
        return Ok(ClientCredentials {
            client_id: Some(decode(id)),
            secret: Some(decode(secret)),
            ..ClientCredentials::default()
        });
    }
    if field("client_secret").is_some() && field("client_assertion").is_some() {
        return Err(TokenError::InvalidRequest("one way to authenticate the client"));
    }
    Ok(ClientCredentials {
        client_id: field("client_id"),
        secret: field("client_secret"),
        assertion_type: field("client_assertion_type"),
        assertion: field("client_assertion"),
    })
}

pub(super) fn token_error(e: &TokenError, basic: bool) -> Response {
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

pub(super) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let resp = token_answer(&state, &headers, body).await;
    with_cors(&state, &headers, resp).await
}

pub(super) async fn token_answer(state: &AppState, headers: &HeaderMap, body: axum::body::Bytes) -> Response {
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
pub(super) fn token_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, TokenError> {
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
pub(super) async fn allowed_origin(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(axum::http::header::ORIGIN)?.to_str().ok()?;
    let origins = state.umbral.client_origins().await.ok()?;
    origins
        .iter()
        .any(|o| o == origin)
        .then(|| HeaderValue::from_str(origin).ok())
        .flatten()
}

pub(super) async fn with_cors(state: &AppState, headers: &HeaderMap, mut resp: Response) -> Response {
    if let Some(origin) = allowed_origin(state, headers).await {
        let h = resp.headers_mut();
        h.insert(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(axum::http::header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

/// CORS preflight of the token endpoints (Fetch standard).
pub(super) async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
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
pub(super) async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
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
pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let resp = revoke_answer(&state, &headers, body).await;
    with_cors(&state, &headers, resp).await
}

pub(super) async fn revoke_answer(
    state: &AppState,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Response {
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

pub(super) async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let resp = userinfo_answer(&state, &headers).await;
    with_cors(&state, &headers, resp).await
}

pub(super) async fn userinfo_answer(state: &AppState, headers: &HeaderMap) -> Response {
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
