//! Translations (Fluent, `locales/{en,es,pt-BR}/main.ftl`) and the choice of language:
//! `?lang=`, then the language cookie, then `Accept-Language`, then English.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use umbral_core::types::Locale;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks: they show up as garbage in email and SMS text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static ES: LanguageIdentifier = langid!("es");
static PT_BR: LanguageIdentifier = langid!("pt-BR");

fn langid(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::En => &EN,
        Locale::Es => &ES,
        Locale::PtBr => &PT_BR,
    }
}

/// An argument of a message.
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

/// The message `id` in `locale`, with its arguments. A missing id shows itself, so that a gap is
/// visible rather than silent (and the locale test fails).
pub fn t(locale: Locale, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let lang = langid(locale);
    if args.is_empty() {
        return LOCALES.try_lookup(lang, id).unwrap_or_else(|| id.to_string());
    }
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Arg::Str(s) => FluentValue::from(s.to_string()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            (Cow::Owned(k.to_string()), value)
        })
        .collect();
    LOCALES
        .try_lookup_with_args(lang, id, &map)
        .unwrap_or_else(|| id.to_string())
}

/// Whether `id` exists in `locale` itself (not through the fallback).
pub fn has(locale: Locale, id: &str) -> bool {
    // A message with variables only resolves when they are given: give every variable in use.
    let args: HashMap<Cow<'static, str>, FluentValue> = [
        "name",
        "email",
        "org",
        "role",
        "product",
        "code",
        "min",
        "max",
        "seconds",
        "detail",
        "time",
        "count",
        "phone",
        "link",
        "value",
        "total",
        "digits",
        "plan",
        "renews",
        "period",
        "status",
        "field",
        "inviter",
        "organization",
        "day",
        "month",
        "year",
        "browser",
        "os",
        "zone",
        "app",
        "issuer",
        "provider",
        "uri",
        "domain",
    ]
    .into_iter()
    .map(|k| (Cow::Borrowed(k), FluentValue::from("x")))
    .collect();
    LOCALES.try_lookup_with_args(langid(locale), id, &args).is_some()
}

/// The message id of an error code: `password.too_short` -> `password-too_short`.
pub fn error_id(code: &str) -> String {
    code.replace('.', "-")
}

/// The language of a request: its `?lang=`, then the language cookie, then `Accept-Language`.
pub fn locale_of(query: Option<&str>, headers: &axum::http::HeaderMap) -> Locale {
    negotiate(
        crate::extract::query_param(query, "lang"),
        crate::cookies::get(headers, crate::cookies::LANG),
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Picks the language from the query, the cookie and the `Accept-Language` header, in that order.
pub fn negotiate(
    query_lang: Option<&str>,
    cookie_lang: Option<&str>,
    accept_language: Option<&str>,
) -> Locale {
    if let Some(l) = query_lang.and_then(Locale::from_tag) {
        return l;
    }
    if let Some(l) = cookie_lang.and_then(Locale::from_tag) {
        return l;
    }
    if let Some(header) = accept_language {
        let mut ranked: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                Locale::from_tag(tag).map(|l| (q, l))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        if let Some((_, l)) = ranked.first() {
            return *l;
        }
    }
    Locale::En
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(locale_dir: &str) -> Vec<String> {
        let path = format!("{}/locales/{locale_dir}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_string()))
            .filter(|id| !id.is_empty())
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_locale() {
        let en = ids("en");
        assert!(en.len() > 50);
        for (dir, locale) in [("es", Locale::Es), ("pt-BR", Locale::PtBr)] {
            let other = ids(dir);
            for id in &en {
                assert!(other.contains(id), "{id} is missing in {dir}");
                assert!(has(locale, id), "{id} does not load in {dir}");
            }
            for id in &other {
                assert!(en.contains(id), "{id} exists in {dir} but not in en");
            }
        }
    }

    #[test]
    fn every_core_error_code_has_a_message() {
        use umbral_core::company::tax_id::TaxIdError;
        use umbral_core::error::{CoreError, EndReason};
        use umbral_core::ports::DeclineReason;
        let errors = vec![
            CoreError::InvalidCredentials,
            CoreError::Unauthenticated,
            CoreError::SessionEnded(EndReason::SignedInElsewhere),
            CoreError::SessionEnded(EndReason::Expired),
            CoreError::SessionEnded(EndReason::SignedOut),
            CoreError::StepRequired(umbral_core::flows::Next::ConfirmEmail),
            CoreError::RateLimited { retry_after_secs: 1 },
            CoreError::Overloaded { retry_after_secs: 1 },
            CoreError::InvalidCode,
            CoreError::CodeExpired,
            CoreError::CodeAttemptsExhausted,
            CoreError::ResendTooSoon { retry_after_secs: 1 },
            CoreError::AlreadyDone,
            CoreError::NotFound,
            CoreError::Forbidden,
            CoreError::Internal(String::new()),
            CoreError::PaymentUnavailable,
        ]
        .into_iter()
        .chain(
            [
                DeclineReason::Generic,
                DeclineReason::InsufficientFunds,
                DeclineReason::ExpiredCard,
                DeclineReason::IncorrectCvc,
            ]
            .map(|r| CoreError::PaymentDeclined(r.code())),
        );
        // Every rule of the company form, the tax ids and the card.
        let fields = [
            "company.required",
            "company.too_long",
            "company.too_short",
            "company.characters",
            "company.choose",
            "company.country_invalid",
            "postal_code.required",
            "postal_code.format",
            "postal_code.not_found",
            "card.required",
            "card.number_invalid",
            "card.expired",
            "card.expiry_invalid",
            "card.cvc_invalid",
            "checkout.plan_unknown",
            "checkout.period_unknown",
            "checkout.key_invalid",
        ]
        .into_iter()
        .chain(
            [
                TaxIdError::Required,
                TaxIdError::Characters,
                TaxIdError::Length,
                TaxIdError::Format,
                TaxIdError::Date,
                TaxIdError::Homoclave,
                TaxIdError::CheckDigit,
            ]
            .map(TaxIdError::code),
        );
        for code in fields {
            for l in Locale::ALL {
                assert!(has(l, &error_id(code)), "{code} has no message in {}", l.tag());
            }
        }
        for e in errors {
            for l in Locale::ALL {
                assert!(
                    has(l, &error_id(e.code())),
                    "{} has no message in {}",
                    e.code(),
                    l.tag()
                );
            }
        }
    }

    #[test]
    fn field_error_codes_have_messages() {
        // Every code the core's parsers can produce.
        let src = [
            include_str!("../../umbral-core/src/types/email.rs"),
            include_str!("../../umbral-core/src/types/name.rs"),
            include_str!("../../umbral-core/src/types/phone.rs"),
            include_str!("../../umbral-core/src/types/password.rs"),
            include_str!("../../umbral-core/src/flows/signup.rs"),
            include_str!("../../umbral-core/src/flows/organization.rs"),
            include_str!("../../umbral-core/src/flows/invitations.rs"),
            include_str!("../../umbral-core/src/oidc/client.rs"),
            include_str!("api/clients.rs"),
        ]
        .join("\n");
        let mut found = 0;
        for part in src
            .split("FieldError::new(")
            .skip(1)
            .chain(src.split("CoreError::invalid(").skip(1))
        {
            let Some(code) = part.split('"').nth(3) else {
                continue;
            };
            found += 1;
            for l in Locale::ALL {
                assert!(has(l, &error_id(code)), "{code} has no message in {}", l.tag());
            }
        }
        assert!(found > 15, "found only {found} codes");
    }

    #[test]
    fn messages_take_arguments_without_isolation_marks() {
        let s = t(Locale::Es, "password-too_short", &[("min", Arg::Num(10))]);
        assert_eq!(s, "La contraseña debe tener al menos 10 caracteres.");
        assert_eq!(t(Locale::En, "no-such-id", &[]), "no-such-id");
    }

    #[test]
    fn negotiation_order() {
        assert_eq!(negotiate(Some("es"), Some("en"), Some("pt-BR")), Locale::Es);
        assert_eq!(negotiate(None, Some("pt-BR"), Some("es")), Locale::PtBr);
        assert_eq!(negotiate(None, None, Some("fr-FR,pt;q=0.8,es;q=0.9")), Locale::Es);
        assert_eq!(negotiate(Some("xx"), None, None), Locale::En);
    }
}
