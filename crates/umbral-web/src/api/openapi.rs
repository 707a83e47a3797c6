//! The OpenAPI 3.1 document of the API, served at `/api/openapi.json`. A test checks that every
//! API route is described here.

use axum::Json;
use axum::response::IntoResponse;
use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn next_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Next"}}}})
}

pub fn spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Umbral API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sign-up, sign-in and sessions. Errors are `{\"error\": {code, message, field}}` with a 4xx status; messages follow `Accept-Language` (en, es, pt-BR). Cookie-authenticated unsafe requests from another origin are refused with 403."
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-umbral_session", "description": "Set by sign-up and sign-in. Named `umbral_session` in --dev on plain http."},
                "bearer": {"type": "http", "scheme": "bearer", "description": "The `session_token` returned when the body asks for `\"token\": true`."}
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {
                        "error": {"type": "object", "required": ["code", "message"], "properties": {
                            "code": {"type": "string", "examples": ["password.too_short", "auth.invalid_credentials"]},
                            "message": {"type": "string"},
                            "field": {"type": ["string", "null"]},
                            "next": {"type": "string"}
                        }},
                        "errors": {"type": "array", "items": {"type": "object", "properties": {
                            "code": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}
                        }}}
                    }
                },
                "Next": {"type": "object", "required": ["next"], "properties": {
                    "next": {"type": "string", "enum": ["confirm_email", "enroll_factor", "second_factor", "company", "checkout", "done"]},
                    "session_token": {"type": "string"}
                }},
                "Signup": {"type": "object", "required": ["name", "email", "phone", "password", "accept_terms"], "properties": {
                    "name": {"type": "string", "maxLength": 100},
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "phone": {"type": "string", "description": "E.164, e.g. +5491123456789"},
                    "password": {"type": "string", "minLength": 10, "maxLength": 256},
                    "accept_terms": {"type": "boolean"},
                    "plan": {"type": "string"},
                    "token": {"type": "boolean", "description": "Return session_token in the body"}
                }, "additionalProperties": false},
                "Login": {"type": "object", "required": ["email", "password"], "properties": {
                    "email": {"type": "string"}, "password": {"type": "string"}, "token": {"type": "boolean"}
                }, "additionalProperties": false},
                "Code": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}}, "additionalProperties": false},
                "Me": {"type": "object", "required": ["id", "name", "email", "phone", "factors"], "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"},
                    "locale": {"type": "string"},
                    "organization": {"type": ["object", "null"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["owner", "admin", "member"]}}},
                    "factors": {"type": "array", "items": {"type": "object"}}
                }}
            }
        },
        "paths": {
            "/api/v1/signup": {"post": {
                "summary": "Create an account; a 6-digit code is emailed to confirm the address",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Signup"}}}},
                "responses": {
                    "201": {"description": "Created; the session cookie is set. The same answer when the email is taken (the owner is warned by email).",
                            "content": {"application/json": {"schema": {"type": "object", "properties": {"user_id": {"type": "string"}, "next": {"type": "string"}, "session_token": {"type": "string"}}}}}},
                    "400": error_response("Malformed JSON"),
                    "422": error_response("A field breaks its rule; `field` names it"),
                    "503": error_response("Busy; retry after `Retry-After` seconds")
                }
            }},
            "/api/v1/signup/confirm-email": {"post": {
                "summary": "Confirm the email with the code",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Code"}}}},
                "responses": {"200": next_response("Confirmed"), "400": error_response("Wrong, expired or exhausted code"), "401": error_response("No live session")}
            }},
            "/api/v1/signup/resend-code": {"post": {
                "summary": "Send a new confirmation code (30 s cool-down)",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"202": {"description": "Sent"}, "429": error_response("Too soon; see Retry-After"), "401": error_response("No live session")}
            }},
            "/api/v1/login": {"post": {
                "summary": "Sign in with email and password; ends the user's other sessions",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Login"}}}},
                "responses": {
                    "200": next_response("Signed in; the session cookie is set"),
                    "401": error_response("Unknown email, wrong password or disabled user (one answer for all)"),
                    "429": error_response("Too many attempts; see Retry-After"),
                    "503": error_response("Busy; retry after `Retry-After` seconds")
                }
            }},
            "/api/v1/logout": {"post": {
                "summary": "End the session on the server",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"204": {"description": "Signed out"}, "401": error_response("No live session")}
            }},
            "/api/v1/me": {"get": {
                "summary": "The signed-in user",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {
                    "200": {"description": "The user", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
                    "401": error_response("No live session; `code` says why it ended (e.g. auth.session_signed_in_elsewhere)"),
                    "403": error_response("A step is pending; `next` names it")
                }
            }}
        }
    })
}

pub async fn document() -> impl IntoResponse {
    Json(spec())
}
