//! The OpenAPI 3.1 document of the API, served at `/api/openapi.json`. Its paths, parameters
//! and bodies come from the handlers' `#[utoipa::path]` and their types, gathered by each
//! module's `routes()`; this file adds what every operation shares: the security schemes, the
//! error answers every route can give, and the rules of the fields that recur.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Umbral API",
        description = "Sign-up, sign-in and sessions. Errors are `{\"error\": {code, message, field}}` with a 4xx status; messages follow `Accept-Language` (en, es, pt-BR). Cookie-authenticated unsafe requests from another origin are refused with 403."
    ),
    servers((url = "/")),
    components(schemas(super::schemas::Error)),
    modifiers(&SecuritySchemes)
)]
pub(crate) struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let session = ApiKey::Cookie(ApiKeyValue::with_description(
            "__Host-umbral_session",
            "Set by sign-up and sign-in. Named `umbral_session` in --dev on plain http.",
        ));
        components.add_security_scheme("session", SecurityScheme::ApiKey(session));
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description =
            Some("The `session_token` returned when the body asks for `\"token\": true`.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut key = Http::new(HttpAuthScheme::Bearer);
        key.description = Some(
            "An admin API key (`uak_...`), made with `umbral api-key create`; staff-wide or scoped to one organization."
                .into(),
        );
        components.add_security_scheme("apiKey", SecurityScheme::Http(key));
    }
}

/// The document as served: the handlers' paths completed with what every operation shares.
pub(crate) fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    // The field rules hold wherever a field is taken: in every request body's schema.
    let taken: Vec<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.pointer("/requestBody/content/application~1json/schema/$ref"))
        .filter_map(|r| Some(r.as_str()?.rsplit('/').next()?.to_string()))
        .collect();
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for name in &taken {
            if let Some(schema) = schemas.get_mut(name) {
                add_field_rules(schema);
            }
        }
    }
    let schemas = doc["components"]["schemas"].clone();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for op in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|p| p.values_mut())
        {
            complete_operation(op, &schemas);
        }
    }
    doc
}

/// Serves the finished document; it is made once, when the router is built.
pub(crate) fn routes(doc: Value) -> Router<AppState> {
    let body: Arc<str> = doc.to_string().into();
    Router::new().route(
        "/api/openapi.json",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response() }
        }),
    )
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// Field rules on every property of this schema (and the schemas inline in it).
fn add_field_rules(schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, prop) in props.iter_mut() {
            if let (Some(rules), Some(obj)) = (field_rules(name), prop.as_object_mut()) {
                for (k, v) in rules.as_object().into_iter().flatten() {
                    obj.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            add_field_rules(prop);
        }
    }
}

/// The rules every field of that name follows wherever it is taken (the core's own limits).
fn field_rules(name: &str) -> Option<Value> {
    Some(match name {
        "email" => json!({"format": "email", "maxLength": 254}),
        "name" => json!({"minLength": 1, "maxLength": 100}),
        "password" | "new_password" => json!({"minLength": 10, "maxLength": 256,
            "description": "At least 10 characters, not a common or breached password, nor the user's own name or email; judged at most on its first 64 characters"}),
        "current_password" => json!({"maxLength": 256}),
        "code" => {
            json!({"maxLength": 20, "description": "6 digits (an authenticator, SMS or email code), or a recovery code (10 letters and digits; spaces and dashes are ignored)"})
        }
        "locale" => json!({"enum": ["en", "es", "pt-BR"]}),
        _ => return None,
    })
}

/// Adds what every operation of its kind can answer, and the rules of its body's fields, so
/// that the document lists every status the server gives (a test checks this against the
/// running server).
fn complete_operation(op: &mut Value, schemas: &Value) {
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let body = op.pointer_mut("/requestBody/content/application~1json/schema");
    let has_body = body.is_some();
    // The body's fields, inline or named.
    let mut fields: Vec<String> = Vec::new();
    if let Some(body) = body {
        let props = match body.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas.get(r.rsplit('/').next().unwrap_or("")),
            None => Some(&*body),
        }
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
        fields.extend(props.into_iter().flat_map(|p| p.keys().cloned()));
        add_field_rules(body);
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    // Every refusal answers an `Error`.
    for (status, response) in responses.iter_mut() {
        if status.as_str() >= "400"
            && response.get("content").is_none()
            && !response
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.ends_with("(no body)"))
        {
            response["content"] =
                json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
        }
    }
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(description));
    };
    add(
        "400",
        "Bad input at the edge: a NUL character in the path or query (`request.nul_byte`, naming it), or a body that is not JSON (`request.invalid_json`)",
    );
    if secured {
        add("401", "No live session or key (`auth.unauthenticated`)");
    }
    if has_body {
        add("413", "The body is larger than the server takes");
        add(
            "415",
            "The body is not `Content-Type: application/json` (`request.invalid_json`)",
        );
        add(
            "422",
            "A field breaks its rule; `errors` lists them all. A field of the wrong type, an unknown field or a NUL character names the field (`request.wrong_type`, `request.unknown_field`, `request.nul_byte`)",
        );
    }
    let has = |f: &str| fields.iter().any(|x| x == f);
    if has("password") || has("new_password") || has("current_password") {
        add(
            "503",
            "Too many password checks waiting (`server.busy`): the wait would exceed `passwords.max_wait_ms`; see Retry-After",
        );
    }
    if has("password") || has("code") || has("email") || has("current_password") {
        add(
            "429",
            "Too many attempts for this account or client; see Retry-After",
        );
    }
}
