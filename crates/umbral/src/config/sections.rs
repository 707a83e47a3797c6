//! The sections of the settings file, each with its defaults.

use serde::{Deserialize, Serialize};

pub use super::choices::*;
pub use super::secret::Secret;
use umbral_core::CoreConfig;
use umbral_core::policy::{SessionPolicy, TrustPolicy};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    /// Audit events older than this many days are deleted; 0 keeps them for ever.
    pub retention_days: i64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        let core = CoreConfig::default();
        Self {
            retention_days: core.audit_retention.map_or(0, |r| r.as_days()),
        }
    }
}

/// DNS lookups (organizations prove their email domain with a TXT record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DnsSettings {
    /// `IP:port` of the DNS server to ask; empty: the system's (`/etc/resolv.conf`).
    pub resolver: String,
}

/// An upstream identity provider people may sign in with (`[[identity_providers]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderSettings {
    /// In the callback address `<public_url>/login/idp/<id>/callback`.
    pub id: String,
    /// `google` (the issuer defaults to Google's) or `oidc`.
    pub kind: String,
    /// On the button; defaults to "Google" for kind `google`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Asked for besides `openid`.
    #[serde(default = "default_idp_scopes")]
    pub scopes: Vec<String>,
}

fn default_idp_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

impl IdentityProviderSettings {
    /// The provider as the core takes it; the problem in words.
    pub fn provider(&self) -> Result<umbral_core::upstream::Provider, String> {
        use umbral_core::upstream::{GOOGLE_ISSUER, Provider, ProviderKind};
        let kind = ProviderKind::parse(&self.kind)
            .ok_or_else(|| format!("identity provider {}: kind must be google or oidc", self.id))?;
        let (name, issuer) = match kind {
            ProviderKind::Google => (
                if self.name.is_empty() {
                    "Google".to_string()
                } else {
                    self.name.clone()
                },
                if self.issuer.is_empty() {
                    GOOGLE_ISSUER.to_string()
                } else {
                    self.issuer.clone()
                },
            ),
            ProviderKind::Oidc => (self.name.clone(), self.issuer.clone()),
        };
        let p = Provider {
            id: self.id.clone(),
            kind,
            name,
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.expose().to_string(),
            scopes: self.scopes.clone(),
        };
        p.check()?;
        Ok(p)
    }
}

/// The OpenID Connect provider (single sign-on for the vendor's applications).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSettings {
    /// How long access tokens live.
    pub access_token_minutes: i64,
    /// How long ID tokens live.
    pub id_token_minutes: i64,
    /// A new signing key is made this many days after the last one; 0 leaves rotation to
    /// `umbral keys rotate`.
    pub key_rotation_days: i64,
    /// How long applications may keep the JWKS; a new key is published this long before it signs.
    pub jwks_max_age_minutes: i64,
}

impl Default for OidcSettings {
    fn default() -> Self {
        let p = umbral_core::policy::OidcPolicy::default();
        Self {
            access_token_minutes: p.access_token.as_minutes(),
            id_token_minutes: p.id_token.as_minutes(),
            key_rotation_days: p.key_rotation.as_days(),
            jwks_max_age_minutes: p.jwks_max_age.as_minutes(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsSettings {
    /// Offer phones (SMS) as a second factor. Outside `--dev` it needs a gateway.
    pub enabled: bool,
    /// `webhook` (a JSON POST to `webhook_url`) or `twilio`.
    pub gateway: SmsGatewayChoice,
    /// The sender: a number or name, as the gateway expects it.
    pub from: String,
    pub webhook_url: String,
    /// Sent as `Authorization: Bearer <token>` when not empty.
    pub webhook_token: Secret,
    pub twilio_account_sid: String,
    pub twilio_auth_token: Secret,
    pub twilio_base_url: String,
    pub timeout_seconds: u64,
    /// ISO 3166 codes numbers may belong to (e.g. `["AR", "BR"]`); empty: any country.
    pub allowed_countries: Vec<String>,
    /// SMS pumping protection: codes per hour to one number, from one IP, to one country.
    pub per_number_per_hour: i64,
    pub per_ip_per_hour: i64,
    pub per_country_per_hour: i64,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            gateway: SmsGatewayChoice::Unset,
            from: String::new(),
            webhook_url: String::new(),
            webhook_token: Secret::default(),
            twilio_account_sid: String::new(),
            twilio_auth_token: Secret::default(),
            twilio_base_url: "https://api.twilio.com".into(),
            timeout_seconds: 10,
            allowed_countries: Vec::new(),
            per_number_per_hour: 5,
            per_ip_per_hour: 10,
            per_country_per_hour: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwoFactorSettings {
    /// `required` (no user without a second factor) or `optional` (users turn it on).
    pub policy: TwoFactorChoice,
    /// The name authenticator apps show; empty: `product_name`.
    pub issuer: String,
    /// 32 random bytes in base64 that encrypt TOTP keys at rest (`openssl rand -base64 32`).
    /// Required outside `--dev`.
    pub encryption_key: Secret,
    /// How long "Remember this device" lasts.
    pub trusted_device_days: i64,
    /// Which network a remembered device must stay in: `prefix`, `exact` (the same IP) or `off`.
    pub trusted_network: TrustedNetwork,
    pub trusted_ipv4_prefix: u8,
    pub trusted_ipv6_prefix: u8,
}

impl Default for TwoFactorSettings {
    fn default() -> Self {
        Self {
            policy: TwoFactorChoice::Required,
            issuer: String::new(),
            encryption_key: Secret::default(),
            trusted_device_days: TrustPolicy::default().lifetime.as_days(),
            trusted_network: TrustedNetwork::Prefix,
            trusted_ipv4_prefix: 24,
            trusted_ipv6_prefix: 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    /// Session lookups answered from memory (ADR 0004, ADR 0015 for PostgreSQL).
    pub session_cache: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    /// Empty: no SMTP (allowed only with `--dev`).
    pub host: String,
    pub port: u16,
    /// `starttls`, `tls` or `none`.
    pub tls: SmtpTls,
    pub username: String,
    pub password: Secret,
    pub from: String,
    pub timeout_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordSettings {
    /// argon2id memory in KiB (OWASP: 19456).
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    /// Hashing threads; 0 = one per core.
    pub hash_workers: usize,
    /// At most this many hashes wait at once, whatever their expected wait (a memory bound).
    /// 0 = 1024.
    pub hash_queue: usize,
    /// A sign-in is refused with 503 + Retry-After when its hash would wait longer than this,
    /// estimated from the measured hash time and the jobs ahead.
    pub max_wait_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    /// A new sign-in ends the user's other sessions.
    pub single_session: bool,
    pub max_age_hours: i64,
    pub idle_timeout_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignupSettings {
    pub terms_version: String,
    /// Accounts whose email is not confirmed after this many days are deleted.
    pub unconfirmed_days: i64,
    /// Sign-ups one client address may make in 15 minutes before each further one waits.
    pub per_ip: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxSettings {
    pub poll_seconds: u64,
    /// First retry delay; doubles on each failure, up to 10 minutes.
    pub retry_base_seconds: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            session_cache: true,
        }
    }
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            tls: SmtpTls::StartTls,
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            timeout_seconds: 10,
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            m_cost_kib: 19_456,
            t_cost: 2,
            p_cost: 1,
            hash_workers: 0,
            hash_queue: 0,
            max_wait_ms: 1000,
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            single_session: true,
            max_age_hours: SessionPolicy::default().max_age.as_hours(),
            idle_timeout_minutes: SessionPolicy::default().idle_timeout.as_minutes(),
        }
    }
}

impl Default for SignupSettings {
    fn default() -> Self {
        Self {
            terms_version: "2026-01".into(),
            unconfirmed_days: CoreConfig::default().unconfirmed_ttl.as_days(),
            per_ip: 20,
        }
    }
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_seconds: 5,
            retry_base_seconds: 2,
        }
    }
}

/// A plan of the checkout's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSettings {
    /// What `/signup?plan=<id>` names.
    pub id: String,
    /// By language: `en`, `es`, `pt-BR` (`en` is the fallback).
    pub names: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub features: std::collections::BTreeMap<String, Vec<String>>,
    pub prices: Vec<PriceSettings>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSettings {
    /// ISO 4217, e.g. `USD`.
    pub currency: String,
    /// In the currency's units, as text: `"49.90"`.
    pub amount: String,
    /// `month` or `year`.
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxSettings {
    /// ISO 3166 code of the organizations' country the tax applies to.
    pub country: String,
    /// As the summary shows it, e.g. `IVA`.
    pub name: String,
    /// In percent, as text: `"21"`, `"10.5"`.
    pub rate_percent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BillingSettings {
    /// `sandbox` (built in: test cards, no money moves) or `stripe` (Checkout Sessions, completed
    /// by the signed webhook at `/api/v1/payments/stripe/webhook`).
    pub gateway: PaymentGatewayChoice,
    /// Stripe's secret API key (`sk_live_...` or `sk_test_...`).
    pub stripe_secret_key: Secret,
    /// The signing secret of the webhook endpoint (`whsec_...`).
    pub stripe_webhook_secret: Secret,
    pub stripe_api_base: String,
    pub stripe_timeout_seconds: u64,
    /// The catalogue; empty: the built-in example plans `starter` and `business`.
    pub plans: Vec<PlanSettings>,
    pub taxes: Vec<TaxSettings>,
    /// The currency organizations of a country pay in, when the plan has a price in it
    /// (e.g. `{ AR = "ARS", BR = "BRL" }`); otherwise the plan's first price of the period.
    pub currency_by_country: std::collections::BTreeMap<String, String>,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self {
            gateway: PaymentGatewayChoice::Sandbox,
            stripe_secret_key: Secret::default(),
            stripe_webhook_secret: Secret::default(),
            stripe_api_base: "https://api.stripe.com".into(),
            stripe_timeout_seconds: 20,
            plans: Vec::new(),
            taxes: Vec::new(),
            currency_by_country: umbral_core::billing::BillingConfig::default().currency_by_country,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompanySettings {
    /// The choices of "Segment" (ids; the form shows their translations when it has them).
    pub segments: Vec<String>,
}

impl Default for CompanySettings {
    fn default() -> Self {
        Self {
            segments: umbral_core::company::DEFAULT_SEGMENTS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostalSettings {
    /// A street-level HTTP provider asked when the imported table has no street for a code:
    /// `viacep` (Brazil's ViaCEP: URL and fields preset), `custom` (the settings below), or empty.
    pub http_provider: PostalProvider,
    /// With `{code}` (letters and digits, no separators) and optionally `{country}`.
    pub http_url: String,
    /// Countries the provider serves (ISO 3166 codes).
    pub http_countries: Vec<String>,
    pub http_timeout_ms: u64,
    /// Where the provider's JSON keeps each part (for `custom`).
    pub http_field_street: String,
    pub http_field_neighbourhood: String,
    pub http_field_city: String,
    pub http_field_state: String,
    /// A field that is true when the code is not known (empty: none).
    pub http_field_not_found: String,
}

impl Default for PostalSettings {
    fn default() -> Self {
        Self {
            http_provider: PostalProvider::Unset,
            http_url: String::new(),
            http_countries: Vec::new(),
            http_timeout_ms: 3000,
            http_field_street: "street".into(),
            http_field_neighbourhood: "neighbourhood".into(),
            http_field_city: "city".into(),
            http_field_state: "state".into(),
            http_field_not_found: String::new(),
        }
    }
}
