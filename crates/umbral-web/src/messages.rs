//! Renders outbox messages (email, SMS) in the recipient's language.

use umbral_core::outbox::{OutboxMessage, RenderedMessage};
use umbral_core::ports::MessageRenderer;
use umbral_core::types::Locale;

use crate::i18n::{self, Arg};

use umbral_core::outbox::{Channel, templates};

pub struct TemplateRenderer {
    pub product_name: String,
    /// `https://id.example.com`: links in messages start with it.
    pub public_url: String,
}

impl MessageRenderer for TemplateRenderer {
    fn render(&self, m: &OutboxMessage) -> Result<RenderedMessage, String> {
        // Every template the core writes: emails name the Fluent messages `email-<id>-subject`
        // and `-body`, text messages `sms-<id>`.
        let template = m.content.template.as_str();
        let known = match m.channel {
            Channel::Email => templates::EMAIL,
            Channel::Sms => templates::SMS,
        };
        if !known.contains(&template) {
            return Err(format!("unknown message template {template}"));
        }
        let locale = Locale::from_tag(&m.content.locale).unwrap_or_default();
        let mut args: Vec<(&str, Arg<'_>)> = vec![("product", Arg::Str(&self.product_name))];
        args.extend(
            m.content
                .params
                .iter()
                .map(|(k, v)| (k.as_str(), Arg::Str(v.as_str()))),
        );
        // A message that carries a link names its path; the address people use comes first.
        let link = m
            .content
            .params
            .get("link_path")
            .map(|p| format!("{}{p}", self.public_url.trim_end_matches('/')));
        if let Some(l) = &link {
            args.push(("link", Arg::Str(l)));
        }
        let (subject, body_text) = match m.channel {
            Channel::Email => (
                i18n::t(locale, &format!("email-{template}-subject"), &args),
                i18n::t(locale, &format!("email-{template}-body"), &args),
            ),
            Channel::Sms => (String::new(), i18n::t(locale, &format!("sms-{template}"), &args)),
        };
        Ok(RenderedMessage {
            channel: m.channel,
            to: m.recipient.clone(),
            subject,
            body_text,
            body_html: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_the_recipients_language() {
        let r = TemplateRenderer {
            product_name: "Umbral".into(),
            public_url: "https://id.example.com".into(),
        };
        let m = OutboxMessage::email(
            0,
            "a@example.com",
            "signup_code",
            Locale::PtBr,
            &[("name", "Ana"), ("code", "123456")],
        )
        .unwrap();
        let out = r.render(&m).unwrap();
        assert_eq!(out.subject, "Seu código do Umbral: 123456");
        assert!(out.body_text.contains("Olá, Ana!"));
        assert!(!out.body_text.contains('\u{2068}'), "no isolation marks");
        for l in Locale::ALL {
            for t in templates::SMS {
                let m = OutboxMessage::sms(0, "+5491123456789", t, l, &[("code", "123456")]).unwrap();
                let out = r.render(&m).unwrap();
                assert!(out.body_text.contains("123456") && !out.body_text.starts_with("sms-"));
                assert!(out.body_text.chars().count() <= 160, "one SMS: {}", out.body_text);
            }
            for t in templates::EMAIL {
                let m = OutboxMessage::email(
                    0,
                    "a@example.com",
                    t,
                    l,
                    &[
                        ("name", "A"),
                        ("code", "1"),
                        ("inviter", "B"),
                        ("organization", "C"),
                    ],
                )
                .unwrap();
                let out = r.render(&m).unwrap();
                assert!(
                    !out.subject.starts_with("email-"),
                    "{t} subject missing in {}",
                    l.tag()
                );
            }
        }
        let reset = OutboxMessage::email(
            0,
            "a@example.com",
            templates::FACTOR_RESET_CONFIRM,
            Locale::Es,
            &[("name", "Ana"), ("link_path", "/factor-reset/confirm?token=abc")],
        )
        .unwrap();
        let out = r.render(&reset).unwrap();
        assert!(
            out.body_text
                .contains("https://id.example.com/factor-reset/confirm?token=abc"),
            "{}",
            out.body_text
        );
        let bad = OutboxMessage::email(0, "a@example.com", "nope", Locale::En, &[]).unwrap();
        assert!(r.render(&bad).is_err());
    }
}
