//! `/signup` and `/signup/confirm`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use umbral_core::CoreError;
use umbral_core::flows::Next;
use umbral_core::flows::input::PhoneInput;
use umbral_core::flows::signup::SignupInput;
use umbral_core::types::Locale;

use super::form::{CodeForm, NoFields, Posted};
use super::{FormPage, PageSession, signed_in, step_path};
use crate::AppState;
use crate::extract::Ctx;

const SIGNUP_ORDER: &[&str] = &[
    "_form",
    "name",
    "email",
    "phone_country",
    "phone",
    "password",
    "accept_terms",
];
const KEPT: &[&str] = &["name", "email", "phone_country", "phone", "plan"];

/// The usual country of a page's language, when the browser names none.
pub(crate) fn default_country(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "AR",
        Locale::PtBr => "BR",
        Locale::En => "US",
    }
}

/// The dial-prefix selector's choices: every region phone numbers know, by name in the
/// person's language, `first` at the top.
pub(crate) fn countries(locale: Locale, first: &str) -> Value {
    let list: Vec<Value> = crate::regions::ordered(locale, first)
        .into_iter()
        .map(|r| context! { code => r.code, dial => r.dial, name => r.name(locale) })
        .collect();
    context! { countries => list }
}

/// The form's choices: the dial prefixes and the plans (with their monthly price in the
/// language's usual currency), so that a sign-up without a plan from the vendor's site can pick
/// one.
fn choices(state: &AppState, ctx: &Ctx) -> Value {
    let locale = ctx.locale;
    let billing = &state.umbral.config().billing;
    let currency = billing
        .currency_by_country
        .get(ctx.likely_country())
        .map(String::as_str);
    let plans: Vec<Value> = billing
        .plans
        .iter()
        .map(|p| {
            let price = p
                .price(umbral_core::billing::Period::Month, currency)
                .map(|pr| {
                    let amount = umbral_core::billing::format_money(pr.amount, &pr.currency, locale);
                    format!("{amount} / {}", crate::i18n::t(locale, "period-month", &[]))
                })
                .unwrap_or_default();
            context! { id => p.id, name => p.name(locale), price => price }
        })
        .collect();
    context! { plans => plans, ..countries(locale, ctx.likely_country()) }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignupForm {
    name: String,
    email: String,
    phone_country: String,
    phone: String,
    password: String,
    plan: String,
}

fn signup_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    umbral_core::types::warm_passwords();
    FormPage::new(state, ctx, "signup.html", SIGNUP_ORDER)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut page = signup_page(&state, &ctx).value("phone_country", ctx.likely_country());
    if let Some(plan) = q.get("plan").filter(|p| p.len() <= 64) {
        page = page.value("plan", plan);
    }
    page.render(StatusCode::OK, choices(&state, &ctx))
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, posted: Posted<SignupForm>) -> Response {
    let accepted = posted.typed().get("accept_terms").is_some_and(|v| !v.is_empty());
    let mut page = signup_page(&state, &ctx).keep(posted.typed(), KEPT);
    if accepted {
        page = page.value("accept_terms", "yes");
    }
    let Ok(f) = posted.checked() else {
        return page.expired(choices(&state, &ctx));
    };
    let input = SignupInput {
        name: f.name,
        email: f.email,
        phone: PhoneInput::National {
            country: f.phone_country,
            number: f.phone,
        },
        password: f.password,
        accept_terms: accepted,
        plan: Some(f.plan).filter(|p| !p.is_empty()),
        locale: ctx.locale,
    };
    match state
        .umbral
        .signup_from(&input, &ctx.meta, ctx.token.as_ref().map(|(t, _)| t.as_str()))
        .await
    {
        Ok(out) => {
            let mut resp = signed_in(&state, &out.session_token, out.next);
            // Typed by the person, shown back to them: the same whether the address is taken.
            let email = umbral_core::types::Email::parse(&input.email).map(|e| e.as_str().to_string());
            let value = email.unwrap_or_default();
            let encoded = percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC);
            crate::api::append_cookie(
                &mut resp,
                &state
                    .cookies
                    .set(state.cookies.signup_email, &encoded.to_string(), Some(86_400)),
            );
            resp
        }
        Err(e) => page.error(&e, choices(&state, &ctx)),
    }
}

fn confirm_page<'a>(state: &'a AppState, ctx: &'a Ctx) -> FormPage<'a> {
    FormPage::new(state, ctx, "confirm.html", &["code"])
}

pub async fn show_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
) -> Response {
    if auth.next() == Next::Done {
        return Redirect::to("/").into_response();
    }
    confirm_page(&state, &ctx).render(StatusCode::OK, context! { email => ctx.signup_email })
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<CodeForm>,
) -> Response {
    let page = confirm_page(&state, &ctx).keep(posted.typed(), &["code"]);
    let Ok(f) = posted.checked() else {
        return page.expired(context! {});
    };
    match state.umbral.confirm_email(&auth, &f.code, &ctx.meta).await {
        Ok(next) => Redirect::to(step_path(next)).into_response(),
        Err(e) => page.error(&e, context! {}),
    }
}

pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    posted: Posted<NoFields>,
) -> Response {
    let page = confirm_page(&state, &ctx);
    if posted.checked().is_err() {
        return page.expired(context! {});
    }
    match state.umbral.resend_email_code(&auth, ctx.locale).await {
        Ok(()) => {
            let notice = crate::i18n::t(ctx.locale, "confirm-resent", &[]);
            page.render(StatusCode::OK, context! { notice => notice })
        }
        Err(CoreError::AlreadyDone) => Redirect::to("/").into_response(),
        Err(e) => page.error(&e, context! {}),
    }
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(show).post(submit))
        .route("/signup/confirm", get(show_confirm).post(confirm))
        .route("/signup/confirm/resend", post(resend))
}
