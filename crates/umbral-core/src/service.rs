//! `Umbral`: the one facade the web layer calls, a method per use case. The methods live in
//! `flows/`, one file per journey.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::PasswordHasherPool;
use crate::billing::sandbox::SandboxGateway;
use crate::clock::{Clock, Span};
use crate::policy::{
    CodePolicy, FactorPolicy, OidcPolicy, PasswordPolicy, RecoveryPolicy, SessionPolicy, ThrottlePolicy,
    TwoFactorPolicy,
};
use crate::ports::{AddressLookup, NoAddressLookup, PaymentGateway, Store};
use crate::secrets::SecretKey;

/// The rules' settings, with the specification's defaults.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub password: PasswordPolicy,
    pub session: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub codes: CodePolicy,
    pub factors: FactorPolicy,
    pub recovery: RecoveryPolicy,
    pub oidc: OidcPolicy,
    /// Encrypts TOTP keys at rest.
    pub secret_key: SecretKey,
    /// The version of the General Terms of Service a sign-up accepts.
    pub terms_version: String,
    /// Accounts whose email is not confirmed this long are deleted.
    pub unconfirmed_ttl: Span,
    /// Audit events older than this are deleted (`None`: kept for ever).
    pub audit_retention: Option<Span>,
    /// Plans, prices and taxes of the checkout.
    pub billing: crate::billing::BillingConfig,
    /// The choices of the company form's "Segment".
    pub segments: Vec<String>,
    /// The address people use (`https://id.example.com`), for links a gateway sends users back to.
    pub public_url: String,
    /// The providers a person may sign in with instead of a password (`crate::upstream`).
    pub identity_providers: Vec<crate::upstream::Provider>,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            password: PasswordPolicy::default(),
            session: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            codes: CodePolicy::default(),
            factors: FactorPolicy::default(),
            recovery: RecoveryPolicy::default(),
            oidc: OidcPolicy::default(),
            secret_key: SecretKey::insecure_dev_key(),
            terms_version: "2026-01".to_string(),
            unconfirmed_ttl: Span::days(7),
            audit_retention: Some(Span::days(365)),
            billing: crate::billing::BillingConfig::default(),
            segments: crate::company::DEFAULT_SEGMENTS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            public_url: "http://127.0.0.1:8080".to_string(),
            identity_providers: Vec::new(),
        }
    }
}

/// `S` is the storage it keeps things in: every store in production (`dyn Store`); a test may
/// give a double that keeps only what the flows under test touch.
pub struct Umbral<S: ?Sized = dyn Store> {
    pub(crate) store: Arc<S>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hasher: Arc<PasswordHasherPool>,
    pub(crate) config: CoreConfig,
    /// Woken whenever a message is queued, so the outbox worker sends it at once.
    pub(crate) outbox_wakeup: Arc<Notify>,
    /// The platform defaults in force: the configuration's, unless staff changed them.
    pub(crate) defaults: std::sync::RwLock<PlatformDefaults>,
    /// Finds addresses by postal code.
    pub(crate) address_lookup: Arc<dyn AddressLookup>,
    /// Takes payments at the checkout.
    pub(crate) payments: Arc<dyn PaymentGateway>,
    /// The OpenID Connect provider's keys, opened once (`flows/oidc.rs`).
    pub(crate) oidc_keys: tokio::sync::RwLock<Option<crate::flows::oidc::OpenKeys>>,
    /// Access tokens checked already, by their hash: their claims and session (`flows/oidc`).
    pub(crate) oidc_seen: std::sync::Mutex<crate::flows::oidc::SeenTokens>,
    /// Reads the keys of `private_key_jwt` clients that give an address.
    pub(crate) jwks_reader: Arc<dyn crate::ports::JwksReader>,
    /// Talks to upstream identity providers (`flows/upstream.rs`).
    pub(crate) upstream: Arc<dyn crate::ports::UpstreamGateway>,
    /// The providers staff added (`flows/providers.rs`), opened; read again every few seconds.
    pub(crate) stored_providers: std::sync::RwLock<Vec<crate::upstream::Provider>>,
    /// Reads the TXT records that prove organizations' domains (`flows/enterprise.rs`).
    pub(crate) dns: Arc<dyn crate::ports::TxtResolver>,
    /// Clients and their keys as this node read them (`flows/oidc/client_auth.rs`).
    pub(crate) client_cache: std::sync::Mutex<crate::flows::oidc::ClientCache>,
    /// The WebAuthn relying party of `public_url`, or why passkeys are off (`flows/passkeys.rs`).
    pub(crate) relying_party: Result<crate::factors::passkey::RelyingParty, String>,
    /// The last readiness check and when it ran (`ready`).
    readiness: tokio::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>,
}

/// A readiness check writes to the database at most this often; answers between reuse it.
const READINESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Platform defaults staff may change in the console (each organization may override them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformDefaults {
    pub two_factor: TwoFactorPolicy,
    pub single_session: bool,
}

impl<S: ?Sized> Umbral<S> {
    pub fn new(
        store: Arc<S>,
        clock: Arc<dyn Clock>,
        hasher: Arc<PasswordHasherPool>,
        config: CoreConfig,
    ) -> Self {
        let defaults = PlatformDefaults {
            two_factor: config.factors.default_policy,
            single_session: config.session.single_session,
        };
        let relying_party =
            crate::factors::passkey::relying_party(&config.public_url, &config.factors.issuer);
        Self {
            store,
            clock,
            hasher,
            config,
            defaults: std::sync::RwLock::new(defaults),
            outbox_wakeup: Arc::new(Notify::new()),
            address_lookup: Arc::new(NoAddressLookup),
            payments: Arc::new(SandboxGateway::default()),
            oidc_keys: tokio::sync::RwLock::new(None),
            oidc_seen: std::sync::Mutex::new(Default::default()),
            jwks_reader: Arc::new(crate::ports::NoJwksReader),
            upstream: Arc::new(crate::ports::NoUpstream),
            dns: Arc::new(crate::ports::NoTxtResolver),
            stored_providers: std::sync::RwLock::new(Vec::new()),
            client_cache: std::sync::Mutex::new(Default::default()),
            relying_party,
            readiness: tokio::sync::Mutex::new(None),
        }
    }

    /// Where postal codes are looked up (default: nowhere; the user types the address).
    pub fn with_address_lookup(mut self, lookup: Arc<dyn AddressLookup>) -> Self {
        self.address_lookup = lookup;
        self
    }

    /// Which gateway takes payments (default: the built-in sandbox).
    pub fn with_payment_gateway(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.payments = gateway;
        self
    }

    /// How the keys of `private_key_jwt` clients are read from their `jwks_uri`.
    pub fn with_jwks_reader(mut self, reader: Arc<dyn crate::ports::JwksReader>) -> Self {
        self.jwks_reader = reader;
        self
    }

    /// How upstream identity providers are reached (default: not at all).
    pub fn with_upstream_gateway(mut self, gateway: Arc<dyn crate::ports::UpstreamGateway>) -> Self {
        self.upstream = gateway;
        self
    }

    /// How TXT records are read (default: not at all).
    pub fn with_txt_resolver(mut self, dns: Arc<dyn crate::ports::TxtResolver>) -> Self {
        self.dns = dns;
        self
    }

    pub fn payment_gateway(&self) -> &Arc<dyn PaymentGateway> {
        &self.payments
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn outbox_wakeup(&self) -> Arc<Notify> {
        self.outbox_wakeup.clone()
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The platform defaults in force.
    pub fn platform_defaults(&self) -> PlatformDefaults {
        match self.defaults.read() {
            Ok(d) => *d,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

impl<S: ?Sized + Store> Umbral<S> {
    /// Can this node serve: does the database take a write? A real write, made at most once a
    /// second however often a balancer asks; the reason of a failure is logged once per check.
    pub async fn ready(&self) -> Result<(), String> {
        let mut last = self.readiness.lock().await;
        if let Some((at, result)) = last.as_ref()
            && at.elapsed() < READINESS_EVERY
        {
            return result.clone();
        }
        let result = self.store.ping(self.now()).await.map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::warn!(error = %e, "not ready: the database does not take a write");
        }
        *last = Some((std::time::Instant::now(), result.clone()));
        result
    }
}

impl<S: ?Sized + crate::ports::OutboxStore> Umbral<S> {
    /// The messages waiting in the outbox (a gauge of `/metrics`).
    pub async fn outbox_pending(&self) -> Result<i64, crate::CoreError> {
        Ok(self.store.outbox_pending().await?)
    }

    /// The newest messages `--dev` kept instead of sending them (`/dev/outbox`).
    pub async fn dev_outbox(&self, limit: i64) -> Result<Vec<crate::ports::DevMessage>, crate::CoreError> {
        Ok(self.store.dev_outbox_list(limit).await?)
    }
}
