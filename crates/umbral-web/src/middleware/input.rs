//! Input no field can hold: a NUL character in the path, the query or a form. PostgreSQL text
//! cannot store it (it answered 500 where SQLite answered 200), and no name, email or id has one,
//! so it is refused here, before any handler, on both databases: `400`, code `request.nul_byte`,
//! naming the query or form field (or `path`). JSON bodies are checked where they are parsed
//! (`api::ApiJson`), which can name the field.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::field_api_error;
use crate::i18n;

/// Forms are small; a larger one is refused the same way axum's `Form` would.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The first field of `a=b&c=d` text whose name or value holds a NUL, percent-encoded or not.
fn nul_field(text: &str) -> Option<String> {
    text.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let has_nul = |s: &str| s.contains('\0') || s.to_ascii_lowercase().contains("%00");
        (has_nul(name) || has_nul(value)).then(|| name.replace("%00", "").replace('\0', ""))
    })
}

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let locale = i18n::locale_of(req.uri().query(), req.headers());
    let uri = req.uri();
    let path_has_nul = uri.path().to_ascii_lowercase().contains("%00") || uri.path().contains('\0');
    let field = if path_has_nul {
        Some("path".to_string())
    } else {
        uri.query().and_then(nul_field)
    };
    if let Some(field) = field {
        return refused(&field, locale);
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(field) = nul_field(&String::from_utf8_lossy(&bytes)) {
        return refused(&field, locale);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn refused(field: &str, locale: umbral_core::types::Locale) -> Response {
    field_api_error(StatusCode::BAD_REQUEST, "request.nul_byte", field, locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_with_a_nul() {
        assert_eq!(nul_field("a=1&event=x%00y"), Some("event".into()));
        assert_eq!(
            nul_field("a=1&b=%2500"),
            None,
            "an encoded percent sign is no NUL"
        );
        assert_eq!(nul_field("cursor=%00"), Some("cursor".into()));
        assert_eq!(nul_field("x%00=1"), Some("x".into()));
        assert_eq!(nul_field("a=1&b=2"), None);
    }
}
