//! Unsafe requests (POST, PUT, PATCH, DELETE) from another origin are refused with `403`, unless
//! they carry no cookie and authenticate with a bearer token (native clients).

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::plain_api_error;
use crate::i18n;

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Whether the request comes from a page of another site. Browsers say so in `Sec-Fetch-Site`;
/// for older ones the `Origin` header must be ours.
pub fn cross_origin(req: &Request, public_origin: &str) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site != "same-origin" && site != "none";
    }
    let Some(origin) = h.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == public_origin {
        return false;
    }
    // Same host as the one the browser asked for (e.g. localhost vs 127.0.0.1 in development),
    // and the same scheme as ours: a page served over plain http is another origin.
    let host = h.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let scheme = public_origin.split_once("://").map_or("http", |(s, _)| s);
    let Some((origin_scheme, origin_host)) = origin.split_once("://") else {
        return true;
    };
    origin_host.is_empty() || origin_host != host || origin_scheme != scheme
}

pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The token endpoints take no cookies: applications call them from their servers and from
    // their pages on their own origins (CORS).
    if is_unsafe(req.method()) && !crate::oidc::TOKEN_PATHS.contains(&req.uri().path()) {
        let bearer_only = req.headers().contains_key(AUTHORIZATION) && !req.headers().contains_key(COOKIE);
        if !bearer_only && cross_origin(&req, &state.settings.public_origin()) {
            let locale = i18n::locale_of(req.uri().query(), req.headers());
            if req.uri().path().starts_with("/api/") {
                return plain_api_error(StatusCode::FORBIDDEN, "request.cross_origin", locale, "");
            }
            return (
                StatusCode::FORBIDDEN,
                i18n::t(locale, "request-cross_origin", &[]),
            )
                .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(origin: Option<&str>, site: Option<&str>) -> Request {
        let mut b = axum::http::Request::builder()
            .method("POST")
            .uri("/login")
            .header("host", "id.example.com");
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn origins() {
        let me = "https://id.example.com";
        assert!(!cross_origin(&req(None, None), me));
        assert!(!cross_origin(&req(Some(me), Some("same-origin")), me));
        // A same-origin form under a strict referrer policy may say `Origin: null`.
        assert!(!cross_origin(&req(Some("null"), Some("same-origin")), me));
        assert!(cross_origin(&req(Some(me), Some("same-site")), me));
        assert!(cross_origin(&req(Some("https://evil.example"), None), me));
        assert!(cross_origin(&req(None, Some("cross-site")), me));
        assert!(cross_origin(&req(Some("null"), None), me));
        // The same host over plain http is another origin.
        assert!(cross_origin(&req(Some("http://id.example.com"), None), me));
        assert!(!cross_origin(
            &req(Some("https://id.example.com"), None),
            "https://other.example"
        ));
    }
}
