//! Rendering pages: the common context (language, product, languages menu) and form state.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;
use serde::Serialize;
use umbral_core::error::CoreError;
use umbral_core::types::Locale;

use crate::AppState;
use crate::error::{form_errors, message_of, retry_after, status_of};
use crate::extract::Ctx;
use crate::i18n;
use crate::i18n::Arg;

/// A form as the page shows it: what was typed (never the password), the errors per field, the
/// first field with an error (it gets the focus) and the CSRF token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    pub first_error: Option<String>,
    pub csrf: String,
}

impl FormState {
    pub fn new(csrf: &str) -> Self {
        Self {
            csrf: csrf.to_string(),
            ..Default::default()
        }
    }

    pub fn value(mut self, k: &str, v: &str) -> Self {
        self.values.insert(k.to_string(), v.to_string());
        self
    }

    /// Adds the errors of `e`; `order` says which field comes first on the page.
    pub fn with_error(mut self, e: &CoreError, locale: Locale, order: &[&str]) -> Self {
        self.errors = form_errors(e, locale);
        self.first_error = order
            .iter()
            .find(|f| self.errors.contains_key(**f))
            .map(|f| f.to_string())
            .or_else(|| self.errors.keys().next().cloned());
        self
    }
}

/// A page answer, with the cookies it sets.
pub struct Page {
    pub status: StatusCode,
    pub html: String,
    pub set_cookies: Vec<String>,
    pub retry_after: Option<u64>,
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Html(self.html)).into_response();
        for c in self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(&c) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl AppState {
    /// Renders `template` with the common context plus `extra`.
    pub fn page(&self, ctx: &Ctx, status: StatusCode, template: &str, extra: Value) -> Page {
        let languages: Vec<Value> = Locale::ALL
            .iter()
            .map(|l| {
                Value::from_serialize(
                    serde_json::json!({"tag": l.tag(), "name": i18n::t(*l, "lang-name", &[])}),
                )
            })
            .collect();
        let identity_providers: Vec<Value> = self
            .umbral
            .provider_buttons()
            .into_iter()
            .map(|(id, name)| minijinja::context! { id => id, name => name })
            .collect();
        let ctx_value = minijinja::context! {
            identity_providers => identity_providers,
            // Passkeys are on (`public_url` names a host, not an IP address).
            passkeys => self.umbral.passkeys_off().is_none(),
            lang_tag => ctx.locale.tag(),
            product => self.settings.product_name.as_str(),
            languages => languages,
            lang_base => ctx.lang_base.as_str(),
            ..extra
        };
        let (status, html) = match self
            .templates
            .get_template(template)
            .and_then(|t| t.render(ctx_value))
        {
            Ok(html) => (status, html),
            Err(e) => {
                tracing::error!(error = %e, template, "template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    i18n::t(ctx.locale, "server-error", &[]),
                )
            }
        };
        let mut set_cookies = Vec::new();
        if ctx.lang_from_query {
            set_cookies.push(self.cookies.lang(ctx.locale.tag()));
        }
        Page {
            status,
            html,
            set_cookies,
            retry_after: None,
        }
    }

    /// An error page for `e`; a missing or ended session goes to the sign-in page instead.
    pub fn error_page(&self, ctx: &Ctx, e: &CoreError) -> Response {
        match e {
            CoreError::Unauthenticated => Redirect::to("/login").into_response(),
            CoreError::SessionEnded(reason) => {
                let notice = match reason {
                    umbral_core::error::EndReason::SignedInElsewhere => "signed_in_elsewhere",
                    umbral_core::error::EndReason::Expired | umbral_core::error::EndReason::Idle => {
                        "session_expired"
                    }
                    _ => "session_ended",
                };
                let mut resp = Redirect::to(&format!("/login?notice={notice}")).into_response();
                if let Ok(v) = HeaderValue::from_str(&self.cookies.clear(self.cookies.session)) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
                resp
            }
            CoreError::StepRequired(next) => Redirect::to(crate::pages::step_path(*next)).into_response(),
            other => {
                if matches!(other, CoreError::Store(_) | CoreError::Internal(_)) {
                    tracing::error!(error = %other, "page failed");
                }
                let title = match other {
                    CoreError::NotFound => i18n::t(ctx.locale, "error-not-found-title", &[]),
                    CoreError::Overloaded { .. } => i18n::t(ctx.locale, "error-busy-title", &[]),
                    _ => i18n::t(ctx.locale, "error-title", &[]),
                };
                let mut page = self.page(
                    ctx,
                    status_of(other),
                    "error.html",
                    minijinja::context! { title => title, message => message_of(other, ctx.locale) },
                );
                page.retry_after = retry_after(other);
                page.into_response()
            }
        }
    }
}

/// A moment in the person's language and time zone ("1 de enero de 2027, 11:05 UTC−3"), from
/// the messages `datetime` and `month-1` ... `month-12`, so that a translator sets the order and
/// the words. Without a zone (the browser did not say one), UTC.
pub fn time_text(locale: Locale, zone: Option<&jiff::tz::TimeZone>, ms: i64) -> String {
    let Ok(instant) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let t = instant.to_zoned_datetime(zone.cloned().unwrap_or(jiff::tz::TimeZone::UTC));
    let month = i18n::t(locale, &format!("month-{}", t.month()), &[]);
    let clock = format!("{:02}:{:02}", t.hour(), t.minute());
    i18n::t(
        locale,
        "datetime",
        &[
            ("day", Arg::Num(i64::from(t.day()))),
            ("month", Arg::Str(&month)),
            ("year", Arg::Str(&t.year().to_string())),
            ("time", Arg::Str(&clock)),
            ("zone", Arg::Str(&zone_text(t.offset()))),
        ],
    )
}

/// An offset as people read it beside a time: `UTC`, `UTC−3`, `UTC+5:30` (with the minus sign).
fn zone_text(offset: jiff::tz::Offset) -> String {
    let secs = offset.seconds();
    if secs == 0 {
        return "UTC".to_string();
    }
    let sign = if secs < 0 { '\u{2212}' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// A browser as people name it: "Chrome on Linux", from its User-Agent (woothee's tables);
/// the raw text when it is not recognised.
pub fn device_text(locale: Locale, user_agent: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    match parsed {
        Some(r) if r.name != "UNKNOWN" && r.os != "UNKNOWN" => i18n::t(
            locale,
            "device-browser-on-os",
            &[("browser", Arg::Str(r.name)), ("os", Arg::Str(r.os))],
        ),
        Some(r) if r.name != "UNKNOWN" => r.name.to_string(),
        _ if user_agent.is_empty() => i18n::t(locale, "device-unknown", &[]),
        _ => user_agent.chars().take(80).collect(),
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn moments_and_devices_in_the_persons_language() {
        // 2027-01-01 14:05 UTC
        let ms = 1_798_812_300_000;
        assert_eq!(time_text(Locale::Es, None, ms), "1 de enero de 2027, 14:05 UTC");
        assert_eq!(
            time_text(Locale::PtBr, None, ms),
            "1 de janeiro de 2027, 14:05 UTC"
        );
        assert_eq!(time_text(Locale::En, None, ms), "January 1, 2027, 14:05 UTC");
        // In the browser's zone: the day and the hour move, the offset is named.
        let zone = |n: &str| jiff::tz::db().get(n).unwrap();
        let cordoba = zone("America/Argentina/Cordoba");
        assert_eq!(
            time_text(Locale::Es, Some(&cordoba), ms),
            "1 de enero de 2027, 11:05 UTC\u{2212}3"
        );
        let kolkata = zone("Asia/Kolkata");
        assert_eq!(
            time_text(Locale::En, Some(&kolkata), ms),
            "January 1, 2027, 19:35 UTC+5:30"
        );
        let tokyo = zone("Asia/Tokyo");
        let late = 1_798_844_400_000; // 2027-01-01 23:00 UTC
        assert_eq!(
            time_text(Locale::PtBr, Some(&tokyo), late),
            "2 de janeiro de 2027, 08:00 UTC+9"
        );
        // Summer time follows the date: Lisbon is UTC+1 in July, UTC in January.
        let lisbon = zone("Europe/Lisbon");
        assert_eq!(
            time_text(Locale::PtBr, Some(&lisbon), ms),
            "1 de janeiro de 2027, 14:05 UTC"
        );
        let july = 1_814_450_700_000; // 2027-07-01 14:05 UTC
        assert_eq!(
            time_text(Locale::PtBr, Some(&lisbon), july),
            "1 de julho de 2027, 15:05 UTC+1"
        );
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(device_text(Locale::Es, chrome), "Chrome en Linux");
        assert_eq!(device_text(Locale::En, chrome), "Chrome on Linux");
        assert_eq!(device_text(Locale::PtBr, ""), "Navegador desconhecido");
        // Not a browser: what the tables call it.
        assert_eq!(device_text(Locale::En, "curl/8.5.0"), "HTTP Library");
    }
}
