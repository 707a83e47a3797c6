//! The JSON API under `/api/v1` and its OpenAPI document.

pub mod account;
pub mod clients;
pub mod factors;
pub mod onboarding;
pub mod openapi;
pub mod organization;
pub mod payments;
pub mod providers;
pub mod recovery;
pub mod schemas;
pub mod staff;
pub mod v1;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{field_api_error, plain_api_error};

/// The API's routes, each module's own, and the OpenAPI document they describe.
pub fn routes() -> Router<AppState> {
    let (router, doc) =
        utoipa_axum::router::OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(v1::routes())
            .merge(onboarding::routes())
            .merge(payments::routes())
            .merge(factors::routes())
            .merge(account::routes())
            .merge(recovery::routes())
            .merge(staff::routes())
            .merge(clients::routes())
            .merge(providers::routes())
            .merge(organization::routes())
            .split_for_parts();
    router.merge(openapi::routes(openapi::finish(doc)))
}

pub fn append_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub fn set_retry_after(resp: &mut Response, secs: u64) {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// A JSON body whose rejection is a localised API error naming what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    /// Bad JSON is `400 request.invalid_json`; a field of the wrong type, an unknown field or a
    /// NUL character in a text is `422` naming that field, in the client's language.
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = crate::i18n::locale_of(req.uri().query(), req.headers());
        let invalid = |status, detail: &str| {
            let detail: String = detail.chars().take(300).collect();
            plain_api_error(status, "request.invalid_json", locale, &detail)
        };
        if !json_content_type(req.headers()) {
            return Err(invalid(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| invalid(r.status(), &r.body_text()))?;
        // JSON can only carry a NUL as `\u0000`: only then is the body read a second time, to
        // name the field.
        if bytes.windows(6).any(|w| w == b"\\u0000")
            && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(field) = nul_path(&value, "")
        {
            return Err(field_api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "request.nul_byte",
                &field,
                locale,
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            // Anything after the value is bad JSON too.
            Ok(v) => match de.end() {
                Ok(()) => Ok(ApiJson(v)),
                Err(e) => Err(invalid(StatusCode::BAD_REQUEST, &e.to_string())),
            },
            Err(e) if !e.inner().is_data() => Err(invalid(StatusCode::BAD_REQUEST, &e.inner().to_string())),
            Err(e) => {
                let text = e.inner().to_string();
                let named = |prefix: &str| {
                    text.strip_prefix(prefix)
                        .map(|rest| rest.split('`').next().unwrap_or("").to_string())
                };
                let (code, field) = if let Some(f) = named("unknown field `") {
                    ("request.unknown_field", f)
                } else if let Some(f) = named("missing field `") {
                    ("request.wrong_type", f)
                } else {
                    ("request.wrong_type", e.path().to_string())
                };
                Err(field_api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    &field,
                    locale,
                ))
            }
        }
    }
}

/// `application/json`, or a `+json` type, as axum's `Json` accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")))
}

/// The path (`card.number`, `items[2]`) of the first text in `v` that holds a NUL.
fn nul_path(v: &serde_json::Value, at: &str) -> Option<String> {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match v {
        serde_json::Value::String(s) if s.contains('\0') => Some(at.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_path(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_path(x, &join(k))
            }
        }),
        _ => None,
    }
}
