//! `--dev` only: the outbox of messages that would have been sent.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use minijinja::context;
use serde_json::json;

use crate::AppState;
use crate::extract::Ctx;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dev/outbox", get(outbox_page))
        .route("/dev/outbox.json", get(outbox_json))
}

/// RFC 3339 time of a message, for people reading the page.
fn iso(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

async fn outbox_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.umbral.dev_outbox(200).await {
        Ok(list) => {
            let messages: Vec<_> = list
                .iter()
                .map(|m| context! { channel => m.channel, to => m.to, subject => m.subject, body => m.body, created_at => iso(m.created_at) })
                .collect();
            state
                .page(
                    &ctx,
                    StatusCode::OK,
                    "outbox.html",
                    context! { messages => messages },
                )
                .into_response()
        }
        Err(e) => state.error_page(&ctx, &e),
    }
}

async fn outbox_json(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.umbral.dev_outbox(200).await {
        Ok(list) => Json(
            list.iter()
                .map(|m| json!({"channel": m.channel, "to": m.to, "subject": m.subject, "body": m.body, "created_at": iso(m.created_at)}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => crate::error::ApiError::new(e, ctx.locale).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso(1_767_225_600_000), "2026-01-01T00:00:00Z");
    }
}
