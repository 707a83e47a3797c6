//! Settings that take one of a few words. Each is an enum from the file to the wiring: a wrong
//! word is refused while the settings load, with the key, the words it takes and its variable,
//! and nothing downstream parses the text again.

use serde::{Deserialize, Serialize};

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $key:literal, $env:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                match s.as_str() {
                    $($text => Ok(Self::$variant),)+
                    _ => {
                        let words: Vec<String> = [$($text),+]
                            .iter()
                            .map(|w| if w.is_empty() { "nothing".to_string() } else { w.to_string() })
                            .collect();
                        Err(format!("{} = {s:?}: use {} ({})", $key, words.join(", "), $env))
                    }
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }
    };
}

choice!(
    /// How log lines are written.
    LogFormat, "log_format", "UMBRAL_LOG_FORMAT, --log-format", { Text => "text", Json => "json" }
);
choice!(
    /// How the SMTP connection is secured.
    SmtpTls, "smtp.tls", "UMBRAL_SMTP_TLS", { StartTls => "starttls", Tls => "tls", None => "none" }
);
choice!(
    /// The platform's two-factor policy.
    TwoFactorChoice, "two_factor.policy", "UMBRAL_TWO_FACTOR_POLICY", { Required => "required", Optional => "optional" }
);
choice!(
    /// Which network a remembered device must stay in.
    TrustedNetwork, "two_factor.trusted_network", "UMBRAL_TWO_FACTOR_TRUSTED_NETWORK",
    { Prefix => "prefix", Exact => "exact", Off => "off" }
);
choice!(
    /// Which gateway sends text messages (none: only `--dev`, or SMS off).
    SmsGatewayChoice, "sms.gateway", "UMBRAL_SMS_GATEWAY", { Unset => "", Webhook => "webhook", Twilio => "twilio" }
);
choice!(
    /// Which gateway takes payments.
    PaymentGatewayChoice, "billing.gateway", "UMBRAL_BILLING_GATEWAY", { Sandbox => "sandbox", Stripe => "stripe" }
);
choice!(
    /// A street-level postal code provider over HTTP in front of the imported table (none: the
    /// table alone).
    PostalProvider, "postal.http_provider", "UMBRAL_POSTAL_HTTP_PROVIDER", { Unset => "", Viacep => "viacep", Custom => "custom" }
);

impl From<TwoFactorChoice> for umbral_core::policy::TwoFactorPolicy {
    fn from(c: TwoFactorChoice) -> Self {
        match c {
            TwoFactorChoice::Required => Self::Required,
            TwoFactorChoice::Optional => Self::Optional,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_it_does_not_take_names_the_key_the_words_and_the_variable() {
        assert_eq!(SmtpTls::try_from("tls".to_string()), Ok(SmtpTls::Tls));
        assert_eq!(
            SmtpTls::try_from("ssl".to_string()).unwrap_err(),
            "smtp.tls = \"ssl\": use starttls, tls, none (UMBRAL_SMTP_TLS)"
        );
        assert_eq!(
            SmsGatewayChoice::try_from("nexmo".to_string()).unwrap_err(),
            "sms.gateway = \"nexmo\": use nothing, webhook, twilio (UMBRAL_SMS_GATEWAY)"
        );
        assert_eq!(String::from(TrustedNetwork::Exact), "exact");
    }
}
