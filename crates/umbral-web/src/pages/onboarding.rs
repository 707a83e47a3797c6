//! The sign-up steps after two-factor set-up: `/onboarding/company` ("Include additional
//! data"), `/checkout` ("Payment"), `/checkout/done` ("Your account is ready!") and
//! `/first-steps`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use umbral_core::CoreError;
use umbral_core::billing::{Plan, Summary, format_money};
use umbral_core::company::tax_id;
use umbral_core::company::{CompanyInput, EMPLOYEE_RANGES};
use umbral_core::flows::Next;
use umbral_core::flows::onboarding::{CardInput, PayInput, PayOutcome};
use umbral_core::flows::session::Authenticated;
use umbral_core::types::Locale;

use super::form::{NoFields, Posted};
use super::{FormPage, PageSession, step_path};
use crate::AppState;
use crate::extract::Ctx;
use crate::i18n;

const COMPANY_FIELDS: &[&str] = &[
    "_form",
    "country",
    "tax_id",
    "legal_name",
    "employees",
    "segment",
    "postal_code",
    "street",
    "number",
    "complement",
    "neighbourhood",
    "city",
    "state",
];

/// Sends a session that is not at `step` where it belongs.
fn not_at(auth: &Authenticated, step: Next) -> Option<Response> {
    (auth.next() != step).then(|| Redirect::to(step_path(auth.next())).into_response())
}

/// The choices of the company form, in the user's language.
fn company_choices(state: &AppState, ctx: &Ctx, first: &str) -> Value {
    let locale = ctx.locale;
    let countries: Vec<Value> = crate::regions::ordered(locale, first)
        .into_iter()
        .map(|r| context! { code => r.code, name => r.name(locale), tax_label => tax_id::local_name(r.code) })
        .collect();
    let segments: Vec<Value> = state
        .umbral
        .config()
        .segments
        .iter()
        .map(|s| {
            let id = format!("segment-{s}");
            let label = i18n::t(locale, &id, &[]);
            // A configured segment without a translation shows its id.
            let label = if label == id { s.clone() } else { label };
            context! { id => s, label => label }
        })
        .collect();
    context! { countries => countries, segments => segments, employees => EMPLOYEE_RANGES }
}

fn company_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "company.html", COMPANY_FIELDS)
}

pub async fn show_company(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    if let Some(r) = not_at(&auth, Next::Company) {
        return r;
    }
    // The country of the phone number given at sign-up, else the language's.
    let country = auth
        .user
        .as_ref()
        .and_then(|u| umbral_core::types::PhoneE164::parse_e164(&u.phone).ok())
        .and_then(|p| p.region())
        .unwrap_or_else(|| ctx.likely_country().to_string());
    // Someone invited into another organization need not set this one up: say so.
    let invitations = state
        .umbral
        .join_offers(&auth)
        .await
        .map(|o| o.len())
        .unwrap_or(0);
    company_page(&state, &ctx).value("country", &country).render(
        StatusCode::OK,
        context! {
            invitations => invitations,
            // The operator trying `--dev` learns why no address fills.
            dev => state.settings.dev,
            ..company_choices(&state, &ctx, &country)
        },
    )
}

pub async fn save_company(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CompanyInput>,
) -> Response {
    if let Some(r) = not_at(&auth, Next::Company) {
        return r;
    }
    let page = company_page(&state, &ctx).keep(posted.typed(), COMPANY_FIELDS);
    let chosen = posted.typed().get("country").cloned().unwrap_or_default();
    let Ok(input) = posted.checked() else {
        return page.expired(company_choices(&state, &ctx, &chosen));
    };
    match state.umbral.save_company(&auth, &input, &ctx.meta).await {
        Ok(next) => Redirect::to(step_path(next)).into_response(),
        Err(e) => page.error(&e, company_choices(&state, &ctx, &chosen)),
    }
}

const CHECKOUT_FIELDS: &[&str] = &[
    "_form",
    "plan",
    "period",
    "card_number",
    "card_expiry",
    "card_cvc",
];

fn plan_view(plan: &Plan, locale: Locale) -> Value {
    let prices: Vec<Value> = plan
        .prices
        .iter()
        .map(|p| context! { period => p.period.as_str(), amount => format_money(p.amount, &p.currency, locale) })
        .collect();
    context! { id => plan.id, name => plan.name(locale), features => plan.features(locale), prices => prices }
}

fn summary_view(s: &Summary, locale: Locale) -> Value {
    let money = |a: i64| format_money(a, &s.currency, locale);
    let taxes: Vec<Value> = s
        .taxes
        .iter()
        .map(|(name, bp, amount)| {
            let rate = format!(
                "{}{}",
                bp / 100,
                if bp % 100 == 0 {
                    String::new()
                } else {
                    format!(".{:02}", bp % 100)
                }
            );
            context! { name => name, rate => rate, amount => money(*amount) }
        })
        .collect();
    context! {
        plan => plan_view(&s.plan, locale),
        period => s.period.as_str(),
        currency => s.currency,
        subtotal => money(s.subtotal),
        taxes => taxes,
        total => money(s.total),
        other_periods => s.plan.periods().iter().filter(|p| **p != s.period).map(|p| p.as_str()).collect::<Vec<_>>(),
    }
}

/// The checkout page: the summary of the chosen plan, or the catalogue to choose from.
async fn checkout_page(
    state: &AppState,
    ctx: &Ctx,
    auth: &Authenticated,
    plan: Option<&str>,
    period: Option<&str>,
    page: FormPage<'_>,
    error: Option<&CoreError>,
) -> Response {
    let view = match state.umbral.checkout_view(auth, plan, period).await {
        Ok(v) => v,
        Err(e) => return state.error_page(ctx, &e),
    };
    let catalogue: Vec<Value> = state
        .umbral
        .config()
        .billing
        .plans
        .iter()
        .map(|p| plan_view(p, ctx.locale))
        .collect();
    let extra = context! {
        summary => view.summary.as_ref().map(|s| summary_view(s, ctx.locale)),
        catalogue => catalogue,
        needs_card => view.needs_card,
        sandbox => state.umbral.payment_gateway().is_sandbox(),
        // A new key for each showing of the summary: pressing "Pay" twice sends the same one.
        idempotency_key => umbral_core::secrets::new_token().unwrap_or_default(),
    };
    let page = page
        .value(
            "plan",
            view.summary
                .as_ref()
                .map(|s| s.plan.id.as_str())
                .unwrap_or_default(),
        )
        .value(
            "period",
            view.summary
                .as_ref()
                .map(|s| s.period.as_str())
                .unwrap_or("month"),
        );
    match error {
        Some(e) => page.error(e, extra),
        None => page.render(StatusCode::OK, extra),
    }
}

pub async fn show_checkout(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if auth.next() == Next::Done {
        return Redirect::to("/checkout/done").into_response();
    }
    if let Some(r) = not_at(&auth, Next::Checkout) {
        return r;
    }
    let page = FormPage::new(&state, &ctx, "checkout.html", CHECKOUT_FIELDS);
    checkout_page(
        &state,
        &ctx,
        &auth,
        q.get("plan").map(String::as_str),
        q.get("period").map(String::as_str),
        page,
        None,
    )
    .await
}

/// The checkout form: the plan and period chosen, the card (sandbox), and the page's
/// idempotency key (a second press of "Pay" is the same order).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PayForm {
    plan: String,
    period: String,
    card_number: String,
    card_exp_month: String,
    card_exp_year: String,
    card_cvc: String,
    idempotency_key: String,
}

pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<PayForm>,
) -> Response {
    if auth.next() == Next::Done {
        // A second press of "Pay" after the first went through.
        return Redirect::to("/checkout/done").into_response();
    }
    if let Some(r) = not_at(&auth, Next::Checkout) {
        return r;
    }
    // After an error the number and expiry are kept in the page, so that a typo is fixed, not
    // typed again (never stored; the CVC is always asked again).
    let page = FormPage::new(&state, &ctx, "checkout.html", CHECKOUT_FIELDS).keep(
        posted.typed(),
        &["card_number", "card_exp_month", "card_exp_year"],
    );
    let f = match posted.checked() {
        Ok(f) => f,
        Err(super::form::Expired(typed)) => {
            let typed = |k: &str| typed.get(k).cloned().unwrap_or_default();
            let e = CoreError::Validation(vec![umbral_core::FieldError::new(
                "_form",
                "request.form_expired",
            )]);
            let (plan, period) = (typed("plan"), typed("period"));
            return checkout_page(&state, &ctx, &auth, Some(&plan), Some(&period), page, Some(&e)).await;
        }
    };
    let (plan, period) = (f.plan, f.period);
    let input = PayInput {
        plan: plan.clone(),
        period: period.clone(),
        card: Some(CardInput {
            number: f.card_number,
            exp_month: f.card_exp_month,
            exp_year: f.card_exp_year,
            cvc: f.card_cvc,
        }),
        idempotency_key: f.idempotency_key,
    };
    match state.umbral.pay(&auth, &input, &ctx.meta).await {
        Ok(PayOutcome::Paid(_)) => Redirect::to("/checkout/done").into_response(),
        Ok(PayOutcome::Redirect(url)) => Redirect::to(&url).into_response(),
        Err(e) => {
            let mut resp =
                checkout_page(&state, &ctx, &auth, Some(&plan), Some(&period), page, Some(&e)).await;
            if e == CoreError::PaymentUnavailable {
                crate::api::set_retry_after(&mut resp, 5);
            }
            resp
        }
    }
}

/// Back from the gateway's page: done once its notice arrived, else a page that looks again.
pub async fn returned(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    match auth.next() {
        Next::Done => Redirect::to("/checkout/done").into_response(),
        Next::Checkout => {
            FormPage::new(&state, &ctx, "checkout_pending.html", &[]).render(StatusCode::OK, context! {})
        }
        other => Redirect::to(step_path(other)).into_response(),
    }
}

/// "Your account is ready!"
pub async fn done(State(state): State<AppState>, ctx: Ctx, PageSession(auth): PageSession) -> Response {
    if let Err(e) = auth.complete_user() {
        return state.error_page(&ctx, &e);
    }
    let commerce = match state.umbral.org_commerce(&auth).await {
        Ok(c) => c,
        Err(e) => return state.error_page(&ctx, &e),
    };
    let billing = &state.umbral.config().billing;
    let sub = commerce.subscription.as_ref().map(|s| {
        let plan = billing
            .plan(&s.plan)
            .map(|p| p.name(ctx.locale).to_string())
            .unwrap_or_else(|| s.plan.clone());
        let (y, m, d) = umbral_core::billing::civil_date(s.renews_at);
        context! { plan => plan, period => s.period.as_str(), renews => format!("{y:04}-{m:02}-{d:02}") }
    });
    FormPage::new(&state, &ctx, "ready.html", &[]).render(StatusCode::OK, context! { subscription => sub })
}

/// "First steps", once, for the owner of a new account.
pub async fn first_steps(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    if let Err(e) = auth.complete_user() {
        return state.error_page(&ctx, &e);
    }
    if !state.umbral.shows_first_steps(&auth) {
        return Redirect::to("/").into_response();
    }
    FormPage::new(&state, &ctx, "first_steps.html", &[]).render(StatusCode::OK, context! {})
}

/// "Skip" (or "Go to the home page"): first steps are not shown again.
pub async fn skip_first_steps(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let page = FormPage::new(&state, &ctx, "first_steps.html", &[]);
    if posted.checked().is_err() {
        return page.expired(context! {});
    }
    match state.umbral.finish_first_steps(&auth).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => state.error_page(&ctx, &e),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/onboarding/company", get(show_company).post(save_company))
        .route("/checkout", get(show_checkout).post(pay))
        .route("/checkout/done", get(done))
        .route("/checkout/return", get(returned))
        .route("/first-steps", get(first_steps))
        .route("/first-steps/skip", post(skip_first_steps))
}
