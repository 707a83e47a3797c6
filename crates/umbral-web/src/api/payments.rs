//! `/api/v1/payments`: what payment gateways tell Umbral (Stripe's signed notices).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::AppState;
use crate::extract::Ctx;

/// `POST /api/v1/payments/stripe/webhook`: Stripe's notices, checked by their signature and age.
pub async fn payment_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let hs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
        .collect();
    match state.umbral.payment_webhook(&hs, &body, &ctx.meta).await {
        Ok(()) => Json(json!({"received": true})).into_response(),
        Err(umbral_core::ports::WebhookError::NotExpected) => StatusCode::NOT_FOUND.into_response(),
        // Stripe sends a notice again until it gets a 2xx: a storage failure asks for that.
        Err(umbral_core::ports::WebhookError::NotRecorded(e)) => {
            tracing::error!(error = %e, "payment notice not recorded; the gateway will retry");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "payment notice refused");
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"code": "payment.webhook_refused", "message": e.to_string(), "field": null}})),
            )
                .into_response()
        }
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/payments/stripe/webhook", post(payment_webhook))
}
