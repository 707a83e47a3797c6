//! Settings: built-in defaults, then the TOML file (`--config`), then `UMBRAL_*` variables, then
//! command-line flags. Every key of the file has a variable: `UMBRAL_` and the key's path in upper
//! case joined by `_` (`smtp.host` is `UMBRAL_SMTP_HOST`). Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Value;

mod choices;
mod secret;
mod sections;

pub use sections::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://umbral.db` (a file in the working directory) or `postgres://...`.
    pub database_url: String,
    /// The address people use; empty means `http://<listen>`.
    pub public_url: String,
    pub product_name: String,
    /// Development mode: email and SMS go to `/dev/outbox` instead of being sent.
    pub dev: bool,
    /// Allow `dev` with an `https://` `public_url` (a public address would publish every reset
    /// link at `/dev/outbox`): for a staging host nobody else reaches.
    pub dev_insecure_public: bool,
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `umbral=debug,info`.
    pub log_level: String,
    /// IPs of reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<String>,
    /// A folder whose templates and `static/` files replace the built-in ones; empty for none.
    pub theme_dir: String,
    pub database: DatabaseSettings,
    pub smtp: SmtpSettings,
    pub passwords: PasswordSettings,
    pub sessions: SessionSettings,
    pub signup: SignupSettings,
    pub outbox: OutboxSettings,
    pub two_factor: TwoFactorSettings,
    pub sms: SmsSettings,
    pub audit: AuditSettings,
    pub company: CompanySettings,
    pub billing: BillingSettings,
    pub postal: PostalSettings,
    pub oidc: OidcSettings,
    /// Providers people may sign in with instead of a password.
    pub identity_providers: Vec<IdentityProviderSettings>,
    pub dns: DnsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://umbral.db".into(),
            public_url: String::new(),
            product_name: "Umbral".into(),
            dev: false,
            dev_insecure_public: false,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            trusted_proxies: Vec::new(),
            theme_dir: String::new(),
            database: DatabaseSettings::default(),
            smtp: SmtpSettings::default(),
            passwords: PasswordSettings::default(),
            sessions: SessionSettings::default(),
            signup: SignupSettings::default(),
            outbox: OutboxSettings::default(),
            two_factor: TwoFactorSettings::default(),
            sms: SmsSettings::default(),
            audit: AuditSettings::default(),
            company: CompanySettings::default(),
            billing: BillingSettings::default(),
            postal: PostalSettings::default(),
            oidc: OidcSettings::default(),
            identity_providers: Vec::new(),
            dns: DnsSettings::default(),
        }
    }
}

/// Flags given on the command line (they win over everything).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub dev: bool,
    pub log_format: Option<String>,
}

/// Every key path of the settings with its default value.
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    if let Value::Table(t) = v {
        for (k, child) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match child {
                Value::Table(_) => key_paths(child, &path, out),
                other => {
                    out.insert(path, other.clone());
                }
            }
        }
    }
}

/// Keys anyone can read: an example shipped with Umbral, or bytes that are all alike.
fn well_known_key(text: &str) -> bool {
    const PUBLISHED: &[&str] = &[
        // The example of `config/umbral.example.toml` before 0.2 (bytes 0, 1, ..., 31).
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ];
    let text = text.trim();
    if PUBLISHED.contains(&text) {
        return true;
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .is_ok_and(|b| b.windows(2).all(|w| w[0] == w[1]))
}

fn env_name(path: &str) -> String {
    format!("UMBRAL_{}", path.replace('.', "_").to_ascii_uppercase())
}

/// Parses a variable's text as the same type as the default.
fn parse_env(path: &str, raw: &str, like: &Value) -> Result<Value, String> {
    let bad = |what: &str| format!("{}={raw:?}: {path} must be {what}", env_name(path));
    Ok(match like {
        Value::Integer(_) => Value::Integer(raw.trim().parse().map_err(|_| bad("a whole number"))?),
        Value::Boolean(_) => Value::Boolean(match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" | "" => false,
            _ => return Err(bad("true or false")),
        }),
        // A list of tables (`identity_providers`) as a TOML inline array:
        // `[{ id = "google", kind = "google", client_id = "...", client_secret = "..." }]`.
        Value::Array(_) if raw.trim_start().starts_with('[') => format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .ok_or_else(|| {
                bad("a TOML array of tables like [{ id = \"google\", kind = \"google\", ... }]")
            })?,
        Value::Array(_) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.into()))
                .collect(),
        ),
        _ => Value::String(raw.to_string()),
    })
}

fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Value::Table(t) = cur else { return };
        if i + 1 == parts.len() {
            t.insert((*part).to_string(), value);
            return;
        }
        cur = t
            .entry((*part).to_string())
            .or_insert_with(|| Value::Table(Default::default()));
    }
}

impl Settings {
    /// Loads the settings from the file (if any), the environment and the flags.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Self, String> {
        let mut root = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                text.parse::<toml::Table>()
                    .map(Value::Table)
                    .map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Value::Table(Default::default()),
        };
        let defaults = Value::try_from(Settings::default()).map_err(|e| e.to_string())?;
        let mut keys = BTreeMap::new();
        key_paths(&defaults, "", &mut keys);
        for (path, like) in &keys {
            if let Some(raw) = env(&env_name(path)) {
                set_path(&mut root, path, parse_env(path, &raw, like)?);
            }
        }
        if let Some(v) = &flags.listen {
            set_path(&mut root, "listen", Value::String(v.clone()));
        }
        if let Some(v) = &flags.database_url {
            set_path(&mut root, "database_url", Value::String(v.clone()));
        }
        if flags.dev {
            set_path(&mut root, "dev", Value::Boolean(true));
        }
        if let Some(v) = &flags.log_format {
            set_path(&mut root, "log_format", Value::String(v.clone()));
        }
        let s: Settings = root
            .try_into()
            .map_err(|e: toml::de::Error| format!("configuration: {e}"))?;
        s.check()?;
        Ok(s)
    }

    /// Rules the settings must obey; each message says what to set.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.push(format!(
                "listen = {:?} is not an address like 127.0.0.1:8080 (UMBRAL_LISTEN, --listen)",
                self.listen
            ));
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            problems.push(
                "database_url must start with sqlite:// or postgres:// (UMBRAL_DATABASE_URL, --database-url)"
                    .to_string(),
            );
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            problems.push("public_url must start with http:// or https:// (UMBRAL_PUBLIC_URL)".to_string());
        }
        for p in &self.trusted_proxies {
            if p.parse::<std::net::IpAddr>().is_err() {
                problems.push(format!("trusted_proxies: {p:?} is not an IP address"));
            }
        }
        if !self.dev {
            if self.smtp.host.is_empty() {
                problems.push("email needs an SMTP server: set smtp.host (UMBRAL_SMTP_HOST) and smtp.from (UMBRAL_SMTP_FROM), or run with --dev to keep messages in /dev/outbox".to_string());
            } else if self.smtp.from.is_empty() {
                problems.push(
                    "set smtp.from (UMBRAL_SMTP_FROM), e.g. \"Umbral <no-reply@example.com>\"".to_string(),
                );
            }
        }
        if self.passwords.m_cost_kib < 8 || self.passwords.t_cost < 1 || self.passwords.p_cost < 1 {
            problems.push("passwords: m_cost_kib >= 8, t_cost >= 1 and p_cost >= 1".to_string());
        }
        let tf = &self.two_factor;
        if tf.issuer.contains(':') || self.product_name.contains(':') && tf.issuer.is_empty() {
            problems.push("two_factor.issuer must not contain ':' (UMBRAL_TWO_FACTOR_ISSUER)".to_string());
        }
        if self.dev && self.public_url.starts_with("https://") && !self.dev_insecure_public {
            problems.push("dev mode shows every email and SMS, reset links included, at /dev/outbox: do not use it with an https:// public_url that others reach (or set dev_insecure_public = true, UMBRAL_DEV_INSECURE_PUBLIC, for a private staging host)".to_string());
        }
        if tf.encryption_key.is_empty() {
            if !self.dev {
                problems.push("TOTP keys are encrypted at rest: set two_factor.encryption_key (UMBRAL_TWO_FACTOR_ENCRYPTION_KEY) to 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`".to_string());
            }
        } else if let Err(e) = umbral_core::secrets::SecretKey::from_base64(tf.encryption_key.expose()) {
            problems.push(format!(
                "two_factor.encryption_key (UMBRAL_TWO_FACTOR_ENCRYPTION_KEY): {e}; make one with `openssl rand -base64 32`"
            ));
        } else if well_known_key(tf.encryption_key.expose()) {
            problems.push("two_factor.encryption_key (UMBRAL_TWO_FACTOR_ENCRYPTION_KEY) is a published example, not a secret: make your own with `openssl rand -base64 32`".to_string());
        }
        if tf.trusted_device_days < 1 {
            problems.push("two_factor.trusted_device_days must be at least 1".to_string());
        }
        if tf.trusted_ipv4_prefix > 32 || tf.trusted_ipv6_prefix > 128 {
            problems.push(
                "two_factor: trusted_ipv4_prefix is at most 32 and trusted_ipv6_prefix at most 128"
                    .to_string(),
            );
        }
        if let Err(e) = self.billing_config() {
            problems.push(e);
        }
        if self.billing.gateway == PaymentGatewayChoice::Stripe
            && (self.billing.stripe_secret_key.is_empty() || self.billing.stripe_webhook_secret.is_empty())
        {
            problems.push("billing.gateway = stripe needs billing.stripe_secret_key and billing.stripe_webhook_secret (UMBRAL_BILLING_STRIPE_SECRET_KEY, UMBRAL_BILLING_STRIPE_WEBHOOK_SECRET)".to_string());
        }
        let p = &self.postal;
        if p.http_provider == PostalProvider::Custom {
            if !(p.http_url.starts_with("http://") || p.http_url.starts_with("https://"))
                || !p.http_url.contains("{code}")
            {
                problems.push("postal.http_provider = custom needs postal.http_url, an http(s) address with {code} (UMBRAL_POSTAL_HTTP_URL)".to_string());
            }
            if p.http_countries.is_empty() {
                problems.push("postal.http_provider = custom needs postal.http_countries, e.g. [\"BR\"] (UMBRAL_POSTAL_HTTP_COUNTRIES)".to_string());
            }
        }
        if self.company.segments.is_empty() {
            problems.push("company.segments needs at least one segment".to_string());
        }
        let sms = &self.sms;
        match sms.gateway {
            SmsGatewayChoice::Unset if sms.enabled && !self.dev => problems.push(
                "the SMS factor needs a gateway: set sms.gateway (UMBRAL_SMS_GATEWAY) to webhook or twilio with its settings, or turn SMS off with sms.enabled = false (UMBRAL_SMS_ENABLED)"
                    .to_string(),
            ),
            SmsGatewayChoice::Unset => {}
            SmsGatewayChoice::Webhook => {
                if !(sms.webhook_url.starts_with("http://") || sms.webhook_url.starts_with("https://")) {
                    problems.push("sms.gateway = webhook needs sms.webhook_url (UMBRAL_SMS_WEBHOOK_URL), an http(s) address".to_string());
                }
            }
            SmsGatewayChoice::Twilio => {
                if sms.twilio_account_sid.is_empty() || sms.twilio_auth_token.is_empty() || sms.from.is_empty() {
                    problems.push("sms.gateway = twilio needs sms.twilio_account_sid, sms.twilio_auth_token and sms.from (UMBRAL_SMS_TWILIO_ACCOUNT_SID, UMBRAL_SMS_TWILIO_AUTH_TOKEN, UMBRAL_SMS_FROM)".to_string());
                }
            }
        }
        for c in &sms.allowed_countries {
            if umbral_core::types::PhoneE164::dial_code(c).is_none() {
                problems.push(format!(
                    "sms.allowed_countries: {c:?} is not an ISO 3166 country code like AR"
                ));
            }
        }
        if sms.per_number_per_hour < 1 || sms.per_ip_per_hour < 1 || sms.per_country_per_hour < 1 {
            problems.push("sms: the per-hour limits must be at least 1".to_string());
        }
        if self.audit.retention_days < 0 {
            problems.push(
                "audit.retention_days must be 0 (for ever) or more (UMBRAL_AUDIT_RETENTION_DAYS)".to_string(),
            );
        }
        let o = &self.oidc;
        if !(1..=1440).contains(&o.access_token_minutes) || !(1..=1440).contains(&o.id_token_minutes) {
            problems.push("oidc: access_token_minutes and id_token_minutes must be 1 to 1440 (UMBRAL_OIDC_ACCESS_TOKEN_MINUTES, UMBRAL_OIDC_ID_TOKEN_MINUTES)".to_string());
        }
        if o.key_rotation_days < 0 || !(1..=10_080).contains(&o.jwks_max_age_minutes) {
            problems.push("oidc: key_rotation_days must be 0 (by hand) or more, jwks_max_age_minutes 1 to 10080 (UMBRAL_OIDC_KEY_ROTATION_DAYS, UMBRAL_OIDC_JWKS_MAX_AGE_MINUTES)".to_string());
        }
        let mut ids = std::collections::HashSet::new();
        for idp in &self.identity_providers {
            if let Err(e) = idp.provider() {
                problems.push(e);
            }
            if !ids.insert(idp.id.as_str()) {
                problems.push(format!("identity provider id {:?} is used twice", idp.id));
            }
        }
        if !self.dns.resolver.is_empty() && self.dns.resolver.parse::<std::net::SocketAddr>().is_err() {
            problems.push(format!(
                "dns.resolver {:?} is not an address like 127.0.0.1:53 (UMBRAL_DNS_RESOLVER); leave it empty for the system's",
                self.dns.resolver
            ));
        }
        if self.identity_providers.len() > umbral_core::upstream::MAX_PROVIDERS {
            problems.push(format!(
                "at most {} identity providers",
                umbral_core::upstream::MAX_PROVIDERS
            ));
        }
        if self.sessions.max_age_hours < 1 || self.sessions.idle_timeout_minutes < 1 {
            problems.push("sessions: max_age_hours and idle_timeout_minutes must be at least 1".to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The address people use; unset, the listening address, with `localhost` for a loopback
    /// one (browsers accept passkeys only for a name, never for an IP address).
    pub fn public_url(&self) -> String {
        if self.public_url.is_empty() {
            match self.listen.parse::<std::net::SocketAddr>() {
                Ok(a) if a.ip().is_loopback() => format!("http://localhost:{}", a.port()),
                _ => format!("http://{}", self.listen),
            }
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    /// The settings as TOML with secrets hidden, for `umbral check-config`.
    pub fn redacted_toml(&self) -> String {
        // Secret settings serialize as `********` by themselves (`Secret`).
        let mut s = self.clone();
        if let Some((scheme, rest)) = s.database_url.split_once("://")
            && let Some((creds, host)) = rest.split_once('@')
            && let Some((user, _)) = creds.split_once(':')
        {
            s.database_url = format!("{scheme}://{user}:********@{host}");
        }
        toml::to_string_pretty(&s).unwrap_or_default()
    }
}

impl Settings {
    /// The checkout's catalogue and taxes, checked: every amount, period and rate must parse.
    pub fn billing_config(&self) -> Result<umbral_core::billing::BillingConfig, String> {
        use umbral_core::billing::{BillingConfig, Period, Plan, Price, Tax, parse_amount};
        let b = &self.billing;
        let mut config = BillingConfig {
            currency_by_country: b.currency_by_country.clone(),
            ..BillingConfig::default()
        };
        if !b.plans.is_empty() {
            config.plans = Vec::new();
            for p in &b.plans {
                if p.id.is_empty() || p.id.len() > 64 || p.prices.is_empty() {
                    return Err(format!(
                        "billing.plans: plan {:?} needs an id (at most 64 characters) and prices",
                        p.id
                    ));
                }
                let mut prices = Vec::new();
                for price in &p.prices {
                    let currency = price.currency.to_ascii_uppercase();
                    let amount = parse_amount(&price.amount, &currency).ok_or_else(|| {
                        format!(
                            "billing.plans {:?}: amount {:?} is not a price in {currency}",
                            p.id, price.amount
                        )
                    })?;
                    let period = Period::parse(&price.period)
                        .ok_or_else(|| format!("billing.plans {:?}: period must be month or year", p.id))?;
                    prices.push(Price {
                        currency,
                        amount,
                        period,
                    });
                }
                config.plans.push(Plan {
                    id: p.id.clone(),
                    names: p.names.clone(),
                    features: p.features.clone(),
                    prices,
                });
            }
        }
        for t in &b.taxes {
            // Percent with up to two decimals, in hundredths of a percent.
            let rate_bp = parse_amount(&t.rate_percent, "USD")
                .filter(|r| *r <= 10_000)
                .ok_or_else(|| {
                    format!(
                        "billing.taxes: rate_percent {:?} must be 0 to 100",
                        t.rate_percent
                    )
                })?;
            config.taxes.push(Tax {
                country: t.country.to_ascii_uppercase(),
                name: t.name.clone(),
                rate_bp,
            });
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
