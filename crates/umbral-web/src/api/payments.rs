//! `/api/v1/payments`: what payment gateways tell Umbral (Stripe's signed notices).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::extract::Ctx;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[utoipa::path(
    post, path = "/api/v1/payments/stripe/webhook", tag = "checkout",
    summary = "Stripe's notices (checkout.session.completed completes the order); refused unless the Stripe-Signature header matches and is at most 5 minutes old",
    params(("Stripe-Signature" = String, Header)),
    request_body = inline(Object),
    responses(
        (status = 200, description = "Received (a repeated notice changes nothing)"),
        (status = 400, description = "Forged, replayed or malformed"),
        (status = 404, description = "Stripe is not the gateway (no body)"),
        (status = 503, description = "Genuine but not recorded now; Stripe sends it again (no body)"),
    ))]
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
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(payment_webhook))
}
