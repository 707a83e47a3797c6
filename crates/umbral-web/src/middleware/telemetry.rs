//! A request id on every answer, a log line per request, and Prometheus metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The method as a metrics label, from a fixed set: a request may carry any method name, and
/// each distinct label would be a series kept for ever.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| {
            umbral_core::secrets::new_token()
                .map(|t| t[..16].to_string())
                .unwrap_or_default()
        });
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let mut resp = next.run(req).await;
    let status = resp.status().as_u16();
    let elapsed = start.elapsed();
    metrics::counter!("umbral_http_requests_total", "method" => method_label(&method), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("umbral_http_request_duration_seconds", "route" => route.clone())
        .record(elapsed.as_secs_f64());
    tracing::info!(target: "umbral::http", request_id = %id, %method, route = %route, status, micros = elapsed.as_micros() as u64, "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let odd = Method::from_bytes(b"FROBNICATE-1234").unwrap();
        assert_eq!(method_label(&odd), "other");
    }
}
