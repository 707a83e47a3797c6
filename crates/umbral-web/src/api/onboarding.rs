//! `/api/v1`: tax ids, postal codes, company data, plans and checkout.

use std::collections::HashMap;
use std::num::NonZeroU32;

use super::schemas::{Address, Next, Paid, Period, Plans, TaxIdAnswer};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::{Value, json};
use umbral_core::CoreError;
use umbral_core::billing::Plan;
use umbral_core::company::CompanyInput;
use umbral_core::flows::onboarding::{CardInput, PayInput, PayOutcome, TaxIdCheck};
use umbral_core::ports::Subscription;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::v1::ApiSession;
use crate::AppState;
use crate::error::{ApiError, field_message};
use crate::extract::Ctx;

/// Lookups anyone may make (no session): limited per client address on each node.
pub struct LookupLimits {
    by_ip: DefaultKeyedRateLimiter<String>,
}

impl Default for LookupLimits {
    fn default() -> Self {
        // 60 a minute, in bursts of up to 30: plenty for a person typing.
        Self::per_minute(60, 30)
    }
}

impl LookupLimits {
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            by_ip: RateLimiter::keyed(quota),
        }
    }

    pub(crate) fn check(&self, ip: &str) -> Result<(), CoreError> {
        if self.by_ip.len() > 100_000 {
            self.by_ip.retain_recent();
        }
        self.by_ip
            .check_key(&ip.to_string())
            .map_err(|_| CoreError::RateLimited { retry_after_secs: 2 })
    }
}

#[utoipa::path(
    get, path = "/api/v1/tax-ids/validate", tag = "company",
    summary = "Check a tax id as it is typed (no session needed; limited per client)",
    params(("country" = String, Query, example = "AR"), ("value" = String, Query, example = "33-69345023-9")),
    responses(
        (status = 200, description = "`valid`; when valid its `kind`, `normalized` and `formatted`; otherwise `reason`", body = TaxIdAnswer),
        (status = 422, description = "Unknown country"),
        (status = 429, description = "Too many lookups; see Retry-After"),
    ))]
/// `GET /api/v1/tax-ids/validate?country=AR&value=...`
pub async fn validate_tax_id(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = state.lookups.check(&ctx.meta.ip) {
        return ApiError::new(e, ctx.locale).into_response();
    }
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    match state.umbral.check_tax_id(get("country"), get("value")) {
        Ok(TaxIdCheck::Valid(t)) => Json(json!({
            "valid": true,
            "kind": t.kind.as_str(),
            "normalized": t.normalized,
            "formatted": t.formatted(),
        }))
        .into_response(),
        Ok(TaxIdCheck::Invalid(e)) => {
            let f = umbral_core::FieldError::new("tax_id", e.code());
            Json(json!({
                "valid": false,
                "kind": null,
                "normalized": null,
                "formatted": null,
                "reason": {"code": e.code(), "message": field_message(&f, ctx.locale)},
            }))
            .into_response()
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    get, path = "/api/v1/postal-codes/{country}/{code}", tag = "company",
    summary = "The address of a postal code, where a lookup source knows it",
    params(("country" = String, Path), ("code" = String, Path)),
    responses(
        (status = 200, description = "The address", body = Address),
        (status = 404, description = "Not known: the user types the address"),
        (status = 422, description = "Not a postal code of that country"),
        (status = 429, description = "Too many lookups; see Retry-After"),
    ))]
/// `GET /api/v1/postal-codes/{country}/{code}`
pub async fn postal_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((country, code)): Path<(String, String)>,
) -> Response {
    if let Err(e) = state.lookups.check(&ctx.meta.ip) {
        return ApiError::new(e, ctx.locale).into_response();
    }
    match state.umbral.look_up_postal_code(&country, &code).await {
        Ok(Some(a)) => Json(json!({
            "street": a.street,
            "neighbourhood": a.neighbourhood,
            "city": a.city,
            "state": a.state,
            "message": crate::i18n::t(ctx.locale, "postal-code-found", &[]),
        }))
        .into_response(),
        Ok(None) => {
            let f = umbral_core::FieldError::new("postal_code", "postal_code.not_found");
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {"code": f.code, "message": field_message(&f, ctx.locale), "field": f.field}})),
            )
                .into_response()
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CompanyBody {
    #[schema(required = true)]
    legal_name: String,
    /// ISO 3166 alpha-2.
    #[schema(required = true)]
    country: String,
    #[schema(required = true)]
    tax_id: String,
    /// 1-10, 11-50, 51-200, 201-500, 501-1000 or 1001+.
    #[schema(required = true)]
    employees: String,
    #[schema(required = true)]
    segment: String,
    #[schema(required = true)]
    postal_code: String,
    #[schema(required = true)]
    street: String,
    #[schema(required = true)]
    number: String,
    complement: Option<String>,
    neighbourhood: Option<String>,
    #[schema(required = true)]
    city: String,
    #[schema(required = true)]
    state: String,
}

#[utoipa::path(
    post, path = "/api/v1/onboarding/company", tag = "company",
    summary = "Give the organization's company data (the owner, after 2FA set-up)",
    security(("session" = []), ("bearer" = [])),
    request_body = CompanyBody,
    responses(
        (status = 200, description = "Saved; `next` is checkout", body = Next),
        (status = 403, description = "Another step comes first"),
        (status = 409, description = "Already given"),
        (status = 422, description = "A field breaks a rule; `errors` lists them all"),
    ))]
/// `POST /api/v1/onboarding/company`
pub async fn company(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(auth): ApiSession,
    ApiJson(b): ApiJson<CompanyBody>,
) -> Response {
    let input = CompanyInput {
        legal_name: b.legal_name,
        country: b.country,
        tax_id: b.tax_id,
        employees: b.employees,
        segment: b.segment,
        postal_code: b.postal_code,
        street: b.street,
        number: b.number,
        complement: b.complement.unwrap_or_default(),
        neighbourhood: b.neighbourhood.unwrap_or_default(),
        city: b.city,
        state: b.state,
    };
    match state.umbral.save_company(&auth, &input, &ctx.meta).await {
        Ok(next) => Json(json!({"next": next.as_str()})).into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

fn plan_json(p: &Plan, ctx: &Ctx) -> Value {
    json!({
        "id": p.id,
        "name": p.name(ctx.locale),
        "features": p.features(ctx.locale),
        "prices": p.prices.iter().map(|pr| json!({
            "currency": pr.currency,
            "amount": pr.amount,
            "amount_display": umbral_core::billing::format_money(pr.amount, &pr.currency, ctx.locale),
            "period": pr.period.as_str(),
        })).collect::<Vec<_>>(),
    })
}

#[utoipa::path(
    get, path = "/api/v1/plans", tag = "checkout",
    summary = "The plans of the checkout",
    responses(
        (status = 200, description = "Plans", body = Plans),
    ))]
/// `GET /api/v1/plans`
pub async fn plans(State(state): State<AppState>, ctx: Ctx) -> Response {
    let plans: Vec<Value> = state
        .umbral
        .config()
        .billing
        .plans
        .iter()
        .map(|p| plan_json(p, &ctx))
        .collect();
    Json(json!({"plans": plans})).into_response()
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardBody {
    #[serde(default)]
    number: String,
    /// A number or a text.
    #[serde(default)]
    #[schema(value_type = String)]
    exp_month: Value,
    /// A number or a text.
    #[serde(default)]
    #[schema(value_type = String)]
    exp_year: Value,
    #[serde(default)]
    cvc: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    #[serde(default)]
    #[schema(required = true)]
    plan: String,
    #[serde(default)]
    #[schema(value_type = Period, required = true)]
    period: String,
    /// The sandbox gateway's card; never stored.
    card: Option<CardBody>,
    /// Send the same key again to retry a payment without charging twice (or use the
    /// `Idempotency-Key` header).
    #[schema(min_length = 16, max_length = 100)]
    idempotency_key: Option<String>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn subscription_json(s: &Subscription) -> Value {
    json!({
        "plan": s.plan,
        "period": s.period.as_str(),
        "status": s.status.as_str(),
        "started_at": s.started_at,
        "renews_at": s.renews_at,
    })
}

#[utoipa::path(
    post, path = "/api/v1/checkout", tag = "checkout",
    summary = "Pay for a plan (the owner, after the company data). Send the same `idempotency_key` (or `Idempotency-Key` header) to retry without charging twice",
    security(("session" = []), ("bearer" = [])),
    request_body = CheckoutBody,
    responses(
        (status = 200, description = "Paid (`next` done, `subscription`), or pay on the gateway's page (`redirect_url`)", body = Paid),
        (status = 402, description = "Declined; `code` names the reason (payment.declined, payment.insufficient_funds, payment.expired_card, payment.incorrect_cvc)"),
        (status = 403, description = "Another step comes first"),
        (status = 409, description = "Already paid"),
        (status = 422, description = "A field breaks a rule"),
        (status = 503, description = "The gateway did not answer; retry with the same key"),
    ))]
/// `POST /api/v1/checkout`
pub async fn checkout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiSession(auth): ApiSession,
    ApiJson(b): ApiJson<CheckoutBody>,
) -> Response {
    let key = b
        .idempotency_key
        .or_else(|| {
            headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| umbral_core::secrets::new_token().unwrap_or_default());
    let input = PayInput {
        plan: b.plan,
        period: b.period,
        card: b.card.map(|c| CardInput {
            number: c.number,
            exp_month: text_of(&c.exp_month),
            exp_year: text_of(&c.exp_year),
            cvc: c.cvc,
        }),
        idempotency_key: key,
    };
    match state.umbral.pay(&auth, &input, &ctx.meta).await {
        Ok(PayOutcome::Paid(s)) => {
            Json(json!({"next": "done", "subscription": subscription_json(&s)})).into_response()
        }
        Ok(PayOutcome::Redirect(url)) => {
            Json(json!({"next": "checkout", "redirect_url": url})).into_response()
        }
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/onboarding/first-steps/skip", tag = "company",
    summary = "The owner will not be shown \"First steps\"",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Done"),
    ))]
/// `POST /api/v1/onboarding/first-steps/skip`: the owner will not be shown "First steps".
pub async fn skip_first_steps(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiSession(auth): ApiSession,
) -> Response {
    match state.umbral.finish_first_steps(&auth).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::new(e, ctx.locale).into_response(),
    }
}

/// This module's part of the API.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(validate_tax_id))
        .routes(routes!(postal_code))
        .routes(routes!(company))
        .routes(routes!(plans))
        .routes(routes!(skip_first_steps))
        .routes(routes!(checkout))
}
