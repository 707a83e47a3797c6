//! The OpenAPI 3.1 document of the API, served at `/api/openapi.json`. A test checks that every
//! API route is described here.

use axum::Json;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use crate::AppState;

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn next_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Next"}}}})
}

pub fn spec() -> Value {
    let mut doc = core_spec();
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), onboarding_paths()) {
        paths.extend(more);
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
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    let body = &mut op["requestBody"]["content"]["application/json"]["schema"];
    let has_body = body.is_object();
    // The body's schema, inline or named.
    let mut fields: Vec<String> = Vec::new();
    let target = match body["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => schemas[name]["properties"].clone(),
        None => body["properties"].clone(),
    };
    if let Some(props) = target.as_object() {
        fields.extend(props.keys().cloned());
    }
    if let Some(props) = body["properties"].as_object_mut() {
        for (name, prop) in props.iter_mut() {
            if let (Some(rules), Some(prop)) = (field_rules(name), prop.as_object_mut()) {
                for (k, v) in rules.as_object().into_iter().flatten() {
                    prop.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    let Some(responses) = op["responses"].as_object_mut() else {
        return;
    };
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

/// The sign-up steps after 2FA: tax ids, postal codes, company data, plans, checkout.
fn onboarding_paths() -> Value {
    let session = json!([{"session": []}, {"bearer": []}]);
    json!({
        "/api/v1/tax-ids/validate": {"get": {
            "summary": "Check a tax id as it is typed (no session needed; limited per client)",
            "parameters": [
                {"name": "country", "in": "query", "required": true, "schema": {"type": "string", "examples": ["AR"]}},
                {"name": "value", "in": "query", "required": true, "schema": {"type": "string", "examples": ["33-69345023-9"]}}
            ],
            "responses": {
                "200": {"description": "`valid`; when valid its `kind` (cuit, cnpj, cpf, rfc, rut, nit, ruc, nif, nie, cif, ein, other), `normalized` and `formatted`; otherwise `reason` {code, message}",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["valid"], "properties": {
                        "valid": {"type": "boolean"}, "kind": {"type": ["string", "null"]}, "normalized": {"type": ["string", "null"]},
                        "formatted": {"type": ["string", "null"]}, "reason": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}},
                "422": error_response("Unknown country"), "429": error_response("Too many lookups; see Retry-After")
            }
        }},
        "/api/v1/postal-codes/{country}/{code}": {"get": {
            "summary": "The address of a postal code, where a lookup source knows it",
            "parameters": [
                {"name": "country", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "The address", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "street": {"type": ["string", "null"]}, "neighbourhood": {"type": ["string", "null"]}, "city": {"type": "string"}, "state": {"type": "string"}}}}}},
                "404": error_response("Not known: the user types the address"), "422": error_response("Not a postal code of that country"),
                "429": error_response("Too many lookups; see Retry-After")
            }
        }},
        "/api/v1/onboarding/company": {"post": {
            "summary": "Give the organization's company data (the owner, after 2FA set-up)",
            "security": session,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                "required": ["legal_name", "country", "tax_id", "employees", "segment", "postal_code", "street", "number", "city", "state"],
                "properties": {
                    "legal_name": {"type": "string"}, "country": {"type": "string", "description": "ISO 3166 alpha-2"},
                    "tax_id": {"type": "string"}, "employees": {"type": "string", "enum": ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001+"]},
                    "segment": {"type": "string"}, "postal_code": {"type": "string"}, "street": {"type": "string"}, "number": {"type": "string"},
                    "complement": {"type": "string"}, "neighbourhood": {"type": "string"}, "city": {"type": "string"}, "state": {"type": "string"}
                }, "additionalProperties": false}}}},
            "responses": {"200": next_response("Saved; `next` is checkout"), "403": error_response("Another step comes first"),
                "409": error_response("Already given"), "422": error_response("A field breaks a rule; `errors` lists them all")}
        }},
        "/api/v1/plans": {"get": {
            "summary": "The plans of the checkout",
            "responses": {"200": {"description": "Plans", "content": {"application/json": {"schema": {"type": "object", "properties": {
                "plans": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "features": {"type": "array", "items": {"type": "string"}},
                    "prices": {"type": "array", "items": {"type": "object", "properties": {
                        "currency": {"type": "string"}, "amount": {"type": "integer", "description": "In the currency's minor unit"},
                        "amount_display": {"type": "string"}, "period": {"type": "string", "enum": ["month", "year"]}}}}}}}}}}}}}
        }},
        "/api/v1/checkout": {"post": {
            "summary": "Pay for a plan (the owner, after the company data). Send the same `idempotency_key` (or `Idempotency-Key` header) to retry without charging twice",
            "security": session,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["plan", "period"], "properties": {
                "plan": {"type": "string"}, "period": {"type": "string", "enum": ["month", "year"]},
                "card": {"type": "object", "description": "The sandbox gateway's card; never stored", "properties": {
                    "number": {"type": "string"}, "exp_month": {"type": ["integer", "string"]}, "exp_year": {"type": ["integer", "string"]}, "cvc": {"type": "string"}}},
                "idempotency_key": {"type": "string", "minLength": 16, "maxLength": 100}
            }, "additionalProperties": false}}}},
            "responses": {
                "200": {"description": "Paid (`next` done, `subscription`), or pay on the gateway's page (`redirect_url`)", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "next": {"type": "string"}, "redirect_url": {"type": "string"},
                    "subscription": {"type": "object", "properties": {"plan": {"type": "string"}, "period": {"type": "string"}, "status": {"type": "string"},
                        "started_at": {"type": "integer"}, "renews_at": {"type": "integer"}}}}}}}},
                "402": error_response("Declined; `code` names the reason (payment.declined, payment.insufficient_funds, payment.expired_card, payment.incorrect_cvc)"),
                "403": error_response("Another step comes first"), "409": error_response("Already paid"),
                "422": error_response("A field breaks a rule"), "503": error_response("The gateway did not answer; retry with the same key")
            }
        }},
        "/api/v1/payments/stripe/webhook": {"post": {
            "summary": "Stripe's notices (checkout.session.completed completes the order); refused unless the Stripe-Signature header matches and is at most 5 minutes old",
            "parameters": [{"name": "Stripe-Signature", "in": "header", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "Received (a repeated notice changes nothing)"},
                "400": error_response("Forged, replayed or malformed"), "404": {"description": "Stripe is not the gateway"},
                "503": {"description": "Genuine but not recorded now; Stripe sends it again"}}
        }},
        "/api/v1/onboarding/first-steps/skip": {"post": {
            "summary": "The owner will not be shown \"First steps\"", "security": session,
            "responses": {"204": {"description": "Done"}, "401": error_response("No live session")}
        }}
    })
}

fn core_spec() -> Value {
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
                "bearer": {"type": "http", "scheme": "bearer", "description": "The `session_token` returned when the body asks for `\"token\": true`."},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "An admin API key (`uak_...`), made with `umbral api-key create`; staff-wide or scoped to one organization."}
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
                    "email": {"type": "string"}, "password": {"type": "string"}, "token": {"type": "boolean"},
                    "device_token": {"type": "string", "description": "A trusted device's token, for clients without cookies"},
                    "signin_device": {"type": "string", "description": "The sign-in device value an earlier sign-in returned, for clients without cookies: failures from elsewhere never block it"}
                }, "additionalProperties": false},
                "Challenge": {"type": "object", "required": ["method", "code"], "properties": {
                    "method": {"type": "string", "enum": ["totp", "sms", "email", "recovery_code"]},
                    "code": {"type": "string", "description": "6 digits, or a recovery code (XXXXX-XXXXX)"},
                    "remember_device": {"type": "boolean", "description": "Skip the challenge in this browser for 14 days (configurable)"}
                }, "additionalProperties": false},
                "Method": {"type": "object", "required": ["method"], "properties": {
                    "method": {"type": "string", "enum": ["sms", "email"]}
                }, "additionalProperties": false},
                "Factor": {"type": "object", "required": ["id", "kind"], "properties": {
                    "id": {"type": "string"}, "kind": {"type": "string", "enum": ["totp", "sms"]},
                    "phone": {"type": ["string", "null"], "description": "Partly hidden"},
                    "created_at": {"type": "integer"}, "last_used_at": {"type": ["integer", "null"]}
                }},
                "FactorReset": {"type": "object", "properties": {
                    "id": {"type": "string"}, "status": {"type": "string", "enum": ["unconfirmed", "pending", "approved", "rejected"]},
                    "created_at": {"type": "integer"}, "confirmed_at": {"type": ["integer", "null"]}, "decided_at": {"type": ["integer", "null"]},
                    "decided_by": {"type": ["string", "null"]}, "ip": {"type": "string"}, "user_agent": {"type": "string"},
                    "user": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"},
                        "phone": {"type": "string"}, "organization": {"type": ["object", "null"]}}}
                }},
                "AuditPage": {"type": "object", "properties": {
                    "events": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "at": {"type": "integer"}, "event": {"type": "string"},
                        "actor_user_id": {"type": ["string", "null"]}, "subject_user_id": {"type": ["string", "null"]},
                        "organization_id": {"type": ["string", "null"]}, "ip": {"type": "string"}, "user_agent": {"type": "string"},
                        "details": {"type": "string"}}}},
                    "next_cursor": {"type": ["string", "null"]}
                }},
                "RecoveryCodes": {"type": "object", "properties": {"recovery_codes": {"type": "array", "items": {"type": "string"}}}},
                "Code": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}}, "additionalProperties": false},
                "Me": {"type": "object", "required": ["id", "name", "email", "phone", "factors"], "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"},
                    "locale": {"type": "string"},
                    "organization": {"type": ["object", "null"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["owner", "admin", "member"]}}},
                    "factors": {"type": "array", "items": {"$ref": "#/components/schemas/Factor"}}
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
                "responses": {"202": {"description": "Sent"}, "429": error_response("Too soon; see Retry-After"), "401": error_response("No live session"),
                    "409": error_response("The email is confirmed already")}
            }},
            "/api/v1/login": {"post": {
                "summary": "Sign in with email and password; ends the user's other sessions",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Login"}}}},
                "responses": {
                    "200": next_response("Signed in; the session cookie is set, and the sign-in device cookie when the browser had none (with `token`, also `signin_device` in the body). A remembered device asked for a code again says why in `asked_again`: `revoked`, `expired`, `other_network`, `security_changed` or `owner_changed`"),
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
            }},
            "/api/v1/login/second-factor": {
                "get": {
                    "summary": "The methods this session's challenge accepts, the usual one first",
                    "security": [{"session": []}, {"bearer": []}],
                    "responses": {"200": {"description": "Methods", "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "methods": {"type": "array", "items": {"type": "string"}}, "email": {"type": "string", "description": "Where an email code goes, partly hidden"}}}}}},
                        "401": error_response("No live session"), "409": error_response("Already passed")}
                },
                "post": {
                    "summary": "Answer the second-factor challenge after the password",
                    "security": [{"session": []}, {"bearer": []}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Challenge"}}}},
                    "responses": {"200": {"description": "Passed. The session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working. `device_token` (bearer clients) or the device cookie when remembered",
                            "content": {"application/json": {"schema": {"type": "object", "properties": {"next": {"type": "string"}, "session_token": {"type": "string"}, "device_token": {"type": "string"}}}}}},
                        "400": error_response("Wrong, expired, used or exhausted code"), "401": error_response("No live session"),
                        "422": error_response("Malformed code or unavailable method"), "429": error_response("Too many wrong codes; see Retry-After")}
                }
            },
            "/api/v1/login/second-factor/send": {"post": {
                "summary": "Send a challenge code by SMS or by email (email only next to another factor)",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Method"}}}},
                "responses": {"202": {"description": "Sent"}, "429": error_response("Too soon; see Retry-After"), "401": error_response("No live session")}
            }},
            "/api/v1/factors": {"get": {
                "summary": "The user's factors and how many recovery codes are left",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "Factors", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "factors": {"type": "array", "items": {"$ref": "#/components/schemas/Factor"}}, "recovery_codes_left": {"type": "integer"}}}}}},
                    "401": error_response("No live session")}
            }},
            "/api/v1/factors/{id}": {"delete": {
                "summary": "Remove a factor (never the last one under policy `required`)",
                "security": [{"session": []}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Removed"}, "404": error_response("No such factor"), "422": error_response("The last factor under `required`")}
            }},
            "/api/v1/factors/totp": {"post": {
                "summary": "Start setting an authenticator app up (the same key until confirmed)",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "Pending factor", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "factor_id": {"type": "string"}, "otpauth_uri": {"type": "string"}, "secret": {"type": "string", "description": "Base32"}, "qr_svg": {"type": "string"}}}}}},
                    "401": error_response("No live session"), "403": error_response("Another step first")}
            }},
            "/api/v1/factors/totp/confirm": {"post": {
                "summary": "Confirm the authenticator app with a current code; the first factor returns ten recovery codes",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Code"}}}},
                "responses": {"200": {"description": "Confirmed. When this completes the sign-in, the session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "factor_id": {"type": "string"}, "recovery_codes": {"type": ["array", "null"], "items": {"type": "string"}}, "next": {"type": "string"}, "session_token": {"type": "string"}}}}}},
                    "400": error_response("Wrong code"), "422": error_response("Malformed code")}
            }},
            "/api/v1/factors/sms": {"post": {
                "summary": "Start setting a phone up: a 6-digit code is sent by SMS (a number secures one user only)",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["phone"],
                    "properties": {"phone": {"type": "string", "description": "E.164, e.g. +5491123456789"}}, "additionalProperties": false}}}},
                "responses": {"202": {"description": "Code sent"},
                    "422": error_response("Invalid number, a country not allowed, or a number that cannot be used (never says whose)"),
                    "429": error_response("Too many codes for this number, IP or country, or too soon; see Retry-After")}
            }},
            "/api/v1/factors/sms/confirm": {"post": {
                "summary": "Confirm the phone with the code sent to it; the first factor returns ten recovery codes",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Code"}}}},
                "responses": {"200": {"description": "Confirmed. When this completes the sign-in, the session's id rotates: the new one is in the session cookie, and in `session_token` for bearer clients; the old token stops working", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "factor_id": {"type": "string"}, "recovery_codes": {"type": ["array", "null"], "items": {"type": "string"}}, "next": {"type": "string"}, "session_token": {"type": "string"}}}}}},
                    "400": error_response("Wrong, expired or exhausted code"), "422": error_response("Malformed code, or the number was taken meanwhile")}
            }},
            "/api/v1/factors/recovery-codes": {"post": {
                "summary": "Ten new recovery codes; the old ones stop working",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "New codes, shown once", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecoveryCodes"}}}}}
            }},
            "/api/v1/two-factor/enable": {"post": {
                "summary": "Policy `optional`: turn two-factor on; every session ends and the next sign-in sets the method up",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"204": {"description": "On"}, "409": error_response("Already on")}
            }},
            "/api/v1/trusted-devices": {
                "get": {"summary": "Browsers that skip the challenge", "security": [{"session": []}, {"bearer": []}],
                    "responses": {"200": {"description": "Devices"}}},
                "delete": {"summary": "Forget every trusted device", "security": [{"session": []}, {"bearer": []}],
                    "responses": {"204": {"description": "Forgotten"}}}
            },
            "/api/v1/trusted-devices/{id}": {"delete": {
                "summary": "Forget one trusted device", "security": [{"session": []}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Forgotten"}, "404": error_response("No such device")}
            }},
            "/api/v1/invitations/accept": {"post": {
                "summary": "Set the first password with an invitation's token; the user is signed in and goes on with the next step",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["token", "password"],
                    "properties": {"token": {"type": "string"}, "password": {"type": "string"}, "session_token": {"type": "boolean", "description": "Return session_token in the body"}},
                    "additionalProperties": false}}}},
                "responses": {"200": next_response("Signed in; the session cookie is set"), "422": error_response("Invalid, used or expired invitation, or a password that breaks a rule")}
            }},
            "/api/v1/admin/audit": {"get": {
                "summary": "The audit log, newest first: everything for a staff key, its organization's for an organization's key",
                "security": [{"apiKey": []}],
                "parameters": [
                    {"name": "user_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "event", "in": "query", "schema": {"type": "string"}, "description": "A prefix, e.g. factor. or session.started"},
                    {"name": "from", "in": "query", "schema": {"type": "integer"}, "description": "Unix milliseconds"},
                    {"name": "to", "in": "query", "schema": {"type": "integer"}, "description": "Unix milliseconds"},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the previous page"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}
                ],
                "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}}}},
                    "401": error_response("No live API key"), "422": error_response("A parameter breaks its rule")}
            }},
            "/api/v1/organization/audit": {"get": {
                "summary": "The audit log of the caller's organization (owner and admins), newest first; the same parameters",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}}}},
                    "403": error_response("Members may not read the audit log")}
            }},
            "/api/v1/organization/members": {
                "get": {"summary": "The members of the caller's organization (owner and admins)", "security": [{"session": []}, {"bearer": []}],
                    "responses": {"200": {"description": "Members"}, "403": error_response("Members may not manage the organization")}},
                "post": {"summary": "Invite a member or admin by email (an invitation sets the first password)", "security": [{"session": []}, {"bearer": []}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email", "name"],
                        "properties": {"email": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["member", "admin"]}}, "additionalProperties": false}}}},
                    "responses": {"201": {"description": "Invited: a new address gets an account and the link that sets its password; an address that has an account is invited to join (it answers at `/join`). Both answers, and both rows of the member list, look alike: `user_id` is the row's id (an invitation's id until an existing account accepts)",
                        "content": {"application/json": {"schema": {"type": "object", "required": ["user_id"], "properties": {"user_id": {"type": "string"}}}}}},
                        "403": error_response("Not an owner or admin"), "422": error_response("A field breaks its rule")}}
            },
            "/api/v1/me/invitations": {"get": {
                "summary": "The organizations that invited the signed-in person (who had an account when invited), newest first",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "Invitations", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "invitations": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "organization": {"type": "string"}, "invited_by": {"type": "string"},
                        "role": {"type": "string", "enum": ["member", "admin"]}, "expires_at": {"type": "integer"}}}}}}}}},
                    "403": error_response("Another step comes first (the email code or the second factor)")}
            }},
            "/api/v1/me/invitations/{id}/accept": {"post": {
                "summary": "Join that organization. The person leaves the one they are in: a member's membership ends; an organization they own alone and without a plan closes",
                "security": [{"session": []}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Joined"}, "403": error_response("Another step comes first"),
                    "422": error_response("No such live invitation (`org.invitation_invalid`), or the person owns an organization with other members or a plan (`org.join_owner_busy`)")}
            }},
            "/api/v1/me/invitations/{id}/decline": {"post": {
                "summary": "Decline an invitation; the organization sees it no more",
                "security": [{"session": []}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Declined"}, "403": error_response("Another step comes first"),
                    "422": error_response("No such live invitation (`org.invitation_invalid`)")}
            }},
            "/api/v1/organization/members/{id}": {
                "put": {"summary": "Change a member's role (member or admin) or deactivate / reactivate them (never the owner or oneself)",
                    "security": [{"session": []}, {"bearer": []}],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                        "properties": {"role": {"type": "string", "enum": ["member", "admin"]}, "active": {"type": "boolean"}}, "additionalProperties": false}}}},
                    "responses": {"204": {"description": "Changed"}, "403": error_response("Not an owner or admin"), "404": error_response("Not a member of the caller's organization")}},
                "delete": {"summary": "Remove a member (never the owner or oneself); their sessions end", "security": [{"session": []}, {"bearer": []}],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "Removed"}, "403": error_response("Not an owner or admin"), "404": error_response("Not a member of the caller's organization")}}
            },
            "/api/v1/organization/transfer": {"post": {
                "summary": "The owner hands the owner role to another member, with a fresh authenticator or recovery code; every member's trusted devices ask again",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["user_id", "method", "code"],
                    "properties": {"user_id": {"type": "string"}, "method": {"type": "string", "enum": ["totp", "recovery_code"]}, "code": {"type": "string"}}, "additionalProperties": false}}}},
                "responses": {"204": {"description": "Transferred"}, "400": error_response("Wrong or used code"), "403": error_response("Not the owner"),
                    "404": error_response("Not a member of the caller's organization")}
            }},
            "/api/v1/admin/users": {"post": {
                "summary": "Create a user by email: an invitation (7 days) sets the first password; without organization_id the user owns a new organization",
                "security": [{"apiKey": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email", "name"],
                    "properties": {"email": {"type": "string"}, "name": {"type": "string"}, "locale": {"type": "string", "enum": ["en", "es", "pt-BR"]},
                        "organization_id": {"type": "string"}, "role": {"type": "string", "enum": ["member", "admin"]}}, "additionalProperties": false}}}},
                "responses": {"201": {"description": "Created; the invitation is on its way"}, "404": error_response("No such organization within the key's reach"),
                    "422": error_response("A field breaks its rule, or the email is taken")}
            }},
            "/api/v1/recovery": {"post": {
                "summary": "Forgot your password: a link is emailed when the address has an account; the answer is the same either way",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email"],
                    "properties": {"email": {"type": "string"}}, "additionalProperties": false}}}},
                "responses": {"202": {"description": "Accepted, whatever the email"}, "422": error_response("Malformed email"),
                    "429": error_response("Too many requests for this address or from this IP; see Retry-After")}
            }},
            "/api/v1/recovery/complete": {"post": {
                "summary": "Choose a new password with the emailed link's token; every session and trusted device of the user ends",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["token", "password"],
                    "properties": {"token": {"type": "string"}, "password": {"type": "string", "minLength": 10, "maxLength": 256}}, "additionalProperties": false}}}},
                "responses": {"200": {"description": "Changed; sign in with the new password"},
                    "422": error_response("Invalid, used or expired link, or a password that breaks a rule")}
            }},
            "/api/v1/password": {"post": {
                "summary": "Change the password: the current one first; the same rules as at sign-up; every other session ends",
                "security": [{"session": []}, {"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["current_password", "new_password"],
                    "properties": {"current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 10, "maxLength": 256}}, "additionalProperties": false}}}},
                "responses": {"204": {"description": "Changed"}, "422": error_response("Wrong current password, or the new one breaks a rule (`field` says which)"),
                    "429": error_response("Too many wrong passwords; see Retry-After")}
            }},
            "/api/v1/login/second-factor/lost": {"post": {
                "summary": "I can't use any of my methods: a confirmation link is mailed to the registered address",
                "security": [{"session": []}, {"bearer": []}],
                "responses": {"202": {"description": "Link sent"}, "409": error_response("A confirmed request already waits for staff"),
                    "403": error_response("Only at the second-factor step of a sign-in"),
                    "429": error_response("A new link at most once a minute")}
            }},
            "/api/v1/factor-resets/confirm": {"post": {
                "summary": "Confirm a reset request with the token of the emailed link; it then waits for staff",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["token"],
                    "properties": {"token": {"type": "string"}}, "additionalProperties": false}}}},
                "responses": {"200": {"description": "Waiting for staff"}, "422": error_response("Invalid or expired link")}
            }},
            "/api/v1/admin/factor-resets": {"get": {
                "summary": "Lost-factor reset requests with the requester's data, newest first (an organization's key sees its own)",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["unconfirmed", "pending", "approved", "rejected"]}}],
                "responses": {"200": {"description": "Requests", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "factor_resets": {"type": "array", "items": {"$ref": "#/components/schemas/FactorReset"}}}}}}},
                    "401": error_response("No live API key"), "422": error_response("Unknown status")}
            }},
            "/api/v1/admin/organizations/{id}/two-factor-policy": {"put": {
                "summary": "Set an organization's two-factor policy (null: the platform's default)",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["policy"],
                    "properties": {"policy": {"type": ["string", "null"], "enum": ["required", "optional", null]}}, "additionalProperties": false}}}},
                "responses": {"200": {"description": "Set"}, "404": error_response("No such organization within the key's reach"),
                    "422": error_response("Unknown policy")}
            }},
            "/api/v1/admin/factor-resets/{id}": {"get": {
                "summary": "One reset request", "security": [{"apiKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FactorReset"}}}},
                    "404": error_response("No such request within the key's reach")}
            }},
            "/api/v1/admin/factor-resets/{id}/approve": {"post": {
                "summary": "Approve a confirmed request: the user's factors, recovery codes, sessions and trusted devices go; the next sign-in enrolls",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Approved", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FactorReset"}}}},
                    "404": error_response("No such request within the key's reach"), "409": error_response("Already decided"),
                    "422": error_response("Not confirmed from the registered email yet")}
            }},
            "/api/v1/admin/factor-resets/{id}/reject": {"post": {
                "summary": "Reject a confirmed request; nothing changes and the user is told",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Rejected", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FactorReset"}}}},
                    "404": error_response("No such request within the key's reach"), "409": error_response("Already decided")}
            }},
            "/api/v1/sessions": {"get": {
                "summary": "The user's active sessions", "security": [{"session": []}, {"bearer": []}],
                "responses": {"200": {"description": "Sessions"}}
            }},
            "/api/v1/sessions/{id}": {"delete": {
                "summary": "Sign one of the user's sessions out", "security": [{"session": []}, {"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Signed out"}, "404": error_response("No such session")}
            }}
        }
    })
}

pub async fn document() -> impl IntoResponse {
    Json(spec())
}

/// This module's part of the API.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}
