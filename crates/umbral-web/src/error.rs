//! The one place where core errors become HTTP: a status, a localised message, and the field.
//! Pages show the message next to the field; the API answers `{"error": {code, message, field}}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use umbral_core::error::{CoreError, FieldError};
use umbral_core::types::Locale;

use crate::i18n::{self, Arg};

pub fn status_of(e: &CoreError) -> StatusCode {
    match e {
        CoreError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        CoreError::InvalidCredentials | CoreError::Unauthenticated | CoreError::SessionEnded(_) => {
            StatusCode::UNAUTHORIZED
        }
        CoreError::StepRequired(_) | CoreError::Forbidden => StatusCode::FORBIDDEN,
        CoreError::RateLimited { .. } | CoreError::ResendTooSoon { .. } => StatusCode::TOO_MANY_REQUESTS,
        CoreError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
        CoreError::InvalidCode | CoreError::CodeExpired | CoreError::CodeAttemptsExhausted => {
            StatusCode::BAD_REQUEST
        }
        CoreError::AlreadyDone => StatusCode::CONFLICT,
        CoreError::PaymentDeclined(_) => StatusCode::PAYMENT_REQUIRED,
        CoreError::PaymentUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        CoreError::NotFound => StatusCode::NOT_FOUND,
        CoreError::Store(_) | CoreError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn retry_after(e: &CoreError) -> Option<u64> {
    match e {
        CoreError::RateLimited { retry_after_secs }
        | CoreError::Overloaded { retry_after_secs }
        | CoreError::ResendTooSoon { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    }
}

pub fn field_message(f: &FieldError, locale: Locale) -> String {
    let args: Vec<(&str, Arg<'_>)> = f.args.iter().map(|(k, v)| (*k, Arg::Num(*v))).collect();
    i18n::t(locale, &i18n::error_id(f.code), &args)
}

/// The message for an error, in `locale`.
pub fn message_of(e: &CoreError, locale: Locale) -> String {
    match e {
        CoreError::Validation(errs) => match errs.first() {
            Some(f) => field_message(f, locale),
            None => i18n::t(locale, "request-invalid", &[]),
        },
        other => {
            let secs = retry_after(other)
                .map(|s| i64::try_from(s).unwrap_or(i64::MAX))
                .unwrap_or(0);
            i18n::t(
                locale,
                &i18n::error_id(other.code()),
                &[("seconds", Arg::Num(secs))],
            )
        }
    }
}

/// Messages per field for a form; errors that belong to no field go under `_form`.
pub fn form_errors(e: &CoreError, locale: Locale) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match e {
        CoreError::Validation(errs) => {
            for f in errs {
                out.entry(f.field.to_string())
                    .or_insert_with(|| field_message(f, locale));
            }
        }
        other => {
            let field = match other {
                CoreError::InvalidCredentials => "_form",
                _ => other.field().unwrap_or("_form"),
            };
            out.insert(field.to_string(), message_of(other, locale));
        }
    }
    out
}

/// A JSON error answer.
pub struct ApiError {
    pub error: CoreError,
    pub locale: Locale,
}

impl ApiError {
    pub fn new(error: CoreError, locale: Locale) -> Self {
        Self { error, locale }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = &self.error;
        if matches!(e, CoreError::Store(_) | CoreError::Internal(_)) {
            tracing::error!(error = %e, "request failed");
        }
        let mut body = json!({
            "error": { "code": e.code(), "message": message_of(e, self.locale), "field": e.field() }
        });
        if let CoreError::Validation(errs) = e {
            body["errors"] = errs
                .iter()
                .map(|f| json!({"code": f.code, "field": f.field, "message": field_message(f, self.locale)}))
                .collect();
        }
        if let CoreError::StepRequired(next) = e {
            body["error"]["next"] = json!(next.as_str());
        }
        let mut resp = (status_of(e), Json(body)).into_response();
        if let Some(secs) = retry_after(e)
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// A JSON error that is not a core error (bad JSON, cross-origin request).
/// An API error about one field of the request, named as the client sent it.
pub fn field_api_error(status: StatusCode, code: &str, field: &str, locale: Locale) -> Response {
    let message = i18n::t(locale, &i18n::error_id(code), &[("field", Arg::Str(field))]);
    (
        status,
        Json(json!({"error": {"code": code, "message": message, "field": field}})),
    )
        .into_response()
}

pub fn plain_api_error(status: StatusCode, code: &str, locale: Locale, detail: &str) -> Response {
    let message = i18n::t(locale, &i18n::error_id(code), &[("detail", Arg::Str(detail))]);
    (
        status,
        Json(json!({"error": {"code": code, "message": message, "field": null}})),
    )
        .into_response()
}
