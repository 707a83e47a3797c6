//! Renders outbox messages (email, SMS) in the recipient's language.

use umbral_core::outbox::{OutboxMessage, RenderedMessage};
use umbral_core::ports::MessageRenderer;
use umbral_core::types::Locale;

use crate::i18n::{self, Arg};

/// Templates known to the renderer: every one the core writes. The id names the Fluent messages
/// `email-<id>-subject/-body`.
const KNOWN: &[&str] = umbral_core::outbox::templates::ALL;

pub struct TemplateRenderer {
    pub product_name: String,
}

impl MessageRenderer for TemplateRenderer {
    fn render(&self, m: &OutboxMessage) -> Result<RenderedMessage, String> {
        let template = m.content.template.as_str();
        if !KNOWN.contains(&template) {
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
        Ok(RenderedMessage {
            channel: m.channel,
            to: m.recipient.clone(),
            subject: i18n::t(locale, &format!("email-{template}-subject"), &args),
            body_text: i18n::t(locale, &format!("email-{template}-body"), &args),
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
            for t in KNOWN {
                let m =
                    OutboxMessage::email(0, "a@example.com", t, l, &[("name", "A"), ("code", "1")]).unwrap();
                let out = r.render(&m).unwrap();
                assert!(
                    !out.subject.starts_with("email-"),
                    "{t} subject missing in {}",
                    l.tag()
                );
            }
        }
        let bad = OutboxMessage::email(0, "a@example.com", "nope", Locale::En, &[]).unwrap();
        assert!(r.render(&bad).is_err());
    }
}
