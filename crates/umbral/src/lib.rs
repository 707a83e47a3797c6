//! The Umbral server: settings, wiring of the store, gateways and web layer, and serving.

pub mod config;
pub mod postal;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use umbral_core::auth::PasswordHasherPool;
use umbral_core::clock::{Clock, Span};
use umbral_core::policy::{FactorPolicy, SmsPolicy, TrustNetwork, TrustPolicy};
use umbral_core::policy::{HashParams, SessionPolicy};
use umbral_core::ports::{Mailer, SmsGateway, Store};
use umbral_core::secrets::SecretKey;
use umbral_core::{CoreConfig, Umbral};
use umbral_gateways::{DevOutboxMailer, SmtpMailer, SmtpTls, TwilioSms, WebhookSms};
use umbral_store::SqlStore;
use umbral_web::{AppState, TemplateRenderer, WebSettings};

pub use config::{Overrides, Settings};
use config::{PaymentGatewayChoice, PostalProvider, SmsGatewayChoice, TrustedNetwork};

/// Opens the database and applies pending migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<SqlStore> {
    let store = SqlStore::connect(&settings.database_url, settings.database.max_connections)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&settings.database_url)))?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store.seal_outbox_with(secret_key(settings)))
}

/// The key that seals secrets at rest (factor secrets, pending messages).
fn secret_key(s: &Settings) -> SecretKey {
    // `check()` refused a missing key outside --dev and a malformed one anywhere.
    SecretKey::from_base64(s.two_factor.encryption_key.expose())
        .unwrap_or_else(|_| SecretKey::insecure_dev_key())
}

fn redact_url(url: &str) -> String {
    match url.split_once('@') {
        Some((left, host)) => match left.rsplit_once(':') {
            Some((user, _)) if user.contains("://") => format!("{user}:***@{host}"),
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

pub fn core_config(s: &Settings) -> CoreConfig {
    CoreConfig {
        session: SessionPolicy {
            single_session: s.sessions.single_session,
            max_age: Span::hours(s.sessions.max_age_hours),
            idle_timeout: Span::minutes(s.sessions.idle_timeout_minutes),
        },
        terms_version: s.signup.terms_version.clone(),
        unconfirmed_ttl: Span::days(s.signup.unconfirmed_days),
        audit_retention: Some(Span::days(s.audit.retention_days)).filter(|r| *r > Span::ZERO),
        factors: factor_policy(s),
        secret_key: secret_key(s),
        // `check()` refused a catalogue that does not parse.
        billing: s.billing_config().unwrap_or_default(),
        segments: s.company.segments.clone(),
        public_url: s.public_url(),
        oidc: umbral_core::policy::OidcPolicy {
            access_token: Span::minutes(s.oidc.access_token_minutes),
            id_token: Span::minutes(s.oidc.id_token_minutes),
            key_rotation: Span::days(s.oidc.key_rotation_days),
            jwks_max_age: Span::minutes(s.oidc.jwks_max_age_minutes),
        },
        throttle: umbral_core::policy::ThrottlePolicy {
            signup_free_per_ip: s.signup.per_ip,
            ..Default::default()
        },
        // `check()` refused a provider that does not hold.
        identity_providers: s
            .identity_providers
            .iter()
            .filter_map(|p| p.provider().ok())
            .collect(),
        ..CoreConfig::default()
    }
}

fn factor_policy(s: &Settings) -> FactorPolicy {
    let tf = &s.two_factor;
    FactorPolicy {
        default_policy: tf.policy.into(),
        issuer: if tf.issuer.is_empty() {
            s.product_name.clone()
        } else {
            tf.issuer.clone()
        },
        trust: TrustPolicy {
            lifetime: Span::days(tf.trusted_device_days),
            network: match tf.trusted_network {
                TrustedNetwork::Exact => TrustNetwork::ExactIp,
                TrustedNetwork::Off => TrustNetwork::Off,
                TrustedNetwork::Prefix => TrustNetwork::Prefix {
                    ipv4: tf.trusted_ipv4_prefix,
                    ipv6: tf.trusted_ipv6_prefix,
                },
            },
        },
        sms: SmsPolicy {
            enabled: s.sms.enabled,
            allowed_countries: s
                .sms
                .allowed_countries
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect(),
            window: Span::hours(1),
            per_number: s.sms.per_number_per_hour,
            per_ip: s.sms.per_ip_per_hour,
            per_country: s.sms.per_country_per_hour,
        },
        ..FactorPolicy::default()
    }
}

fn sms_gateway(settings: &Settings, dev: &Arc<DevOutboxMailer>) -> anyhow::Result<Arc<dyn SmsGateway>> {
    let s = &settings.sms;
    let timeout = Duration::from_secs(s.timeout_seconds.max(1));
    Ok(match s.gateway {
        SmsGatewayChoice::Webhook => Arc::new(
            WebhookSms::new(&s.webhook_url, s.webhook_token.secret_string(), &s.from, timeout)
                .map_err(anyhow::Error::msg)?,
        ),
        SmsGatewayChoice::Twilio => Arc::new(
            TwilioSms::new(
                &s.twilio_base_url,
                &s.twilio_account_sid,
                s.twilio_auth_token.secret_string().unwrap_or_default(),
                &s.from,
                timeout,
            )
            .map_err(anyhow::Error::msg)?,
        ),
        // --dev without a gateway (check() refused it otherwise): text messages go to /dev/outbox.
        SmsGatewayChoice::Unset => dev.clone(),
    })
}

fn mailer(settings: &Settings, dev: &Arc<DevOutboxMailer>) -> anyhow::Result<Arc<dyn Mailer>> {
    if settings.dev {
        return Ok(dev.clone());
    }
    let s = &settings.smtp;
    let smtp = umbral_gateways::SmtpSettings {
        host: s.host.clone(),
        port: s.port,
        tls: match s.tls {
            config::SmtpTls::None => SmtpTls::None,
            config::SmtpTls::Tls => SmtpTls::Tls,
            config::SmtpTls::StartTls => SmtpTls::StartTls,
        },
        username: Some(s.username.clone()).filter(|u| !u.is_empty()),
        password: s.password.secret_string(),
        from: s.from.clone(),
        timeout: Duration::from_secs(s.timeout_seconds.max(1)),
    };
    Ok(Arc::new(SmtpMailer::new(&smtp).map_err(anyhow::Error::msg)?))
}

/// The hard bound on queued hashes when `passwords.hash_queue` is 0: admission is by expected
/// wait (`passwords.max_wait_ms`); this only caps memory (a queued job holds one password).
const DEFAULT_HASH_QUEUE: usize = 1024;

/// The core over the configured database, for the command line: no server, no background work.
/// Messages it queues are sent by a running server's outbox.
pub async fn offline(settings: &Settings) -> anyhow::Result<(Arc<Umbral>, SqlStore)> {
    let store = open_store(settings).await?;
    let params = HashParams {
        m_cost_kib: settings.passwords.m_cost_kib,
        t_cost: settings.passwords.t_cost,
        p_cost: settings.passwords.p_cost,
    };
    let hasher = Arc::new(PasswordHasherPool::new(
        params,
        1,
        4,
        std::time::Duration::from_millis(settings.passwords.max_wait_ms),
    )?);
    let store_dyn: Arc<dyn umbral_core::ports::Store> = Arc::new(store.clone());
    let umbral = Arc::new(Umbral::new(
        store_dyn,
        Arc::new(umbral_core::clock::SystemClock),
        hasher,
        core_config(settings),
    ));
    Ok((umbral, store))
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub umbral: Arc<Umbral>,
    pub store: SqlStore,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, drains requests in flight, stops the background work.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.store.close().await;
    }
}

/// The gateway that takes payments at the checkout.
fn payment_gateway(settings: &Settings) -> anyhow::Result<Arc<dyn umbral_core::ports::PaymentGateway>> {
    let b = &settings.billing;
    Ok(match b.gateway {
        PaymentGatewayChoice::Stripe => Arc::new(
            umbral_gateways::stripe::StripeGateway::new(
                &b.stripe_api_base,
                b.stripe_secret_key.expose(),
                b.stripe_webhook_secret.expose(),
                Duration::from_secs(b.stripe_timeout_seconds.max(1)),
            )
            .map_err(anyhow::Error::msg)?,
        ),
        PaymentGatewayChoice::Sandbox => Arc::new(umbral_core::billing::sandbox::SandboxGateway::default()),
    })
}

/// The imported postal code table, with the HTTP provider in front when one is set.
fn address_lookup(
    settings: &Settings,
    store: &SqlStore,
) -> anyhow::Result<Arc<dyn umbral_core::ports::AddressLookup>> {
    use umbral_gateways::postal::{FieldMap, HttpAddressLookup};
    let table: Arc<dyn umbral_core::ports::AddressLookup> = Arc::new(store.clone());
    let p = &settings.postal;
    let (url, countries, fields) = match p.http_provider {
        PostalProvider::Viacep => (
            if p.http_url.is_empty() {
                "https://viacep.com.br/ws/{code}/json/".to_string()
            } else {
                p.http_url.clone()
            },
            if p.http_countries.is_empty() {
                vec!["BR".to_string()]
            } else {
                p.http_countries.clone()
            },
            FieldMap::viacep(),
        ),
        PostalProvider::Custom => (
            p.http_url.clone(),
            p.http_countries.clone(),
            FieldMap {
                street: p.http_field_street.clone(),
                neighbourhood: p.http_field_neighbourhood.clone(),
                city: p.http_field_city.clone(),
                state: p.http_field_state.clone(),
                not_found: p.http_field_not_found.clone(),
            },
        ),
        PostalProvider::Unset => return Ok(table),
    };
    let countries = countries.iter().map(|c| c.to_ascii_uppercase()).collect();
    let timeout = Duration::from_millis(p.http_timeout_ms.max(100));
    Ok(Arc::new(
        HttpAddressLookup::new(&url, countries, fields, timeout, table).map_err(anyhow::Error::msg)?,
    ))
}

/// Builds everything and serves on `listener` until `stop`.
pub async fn start(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    settings.check().map_err(anyhow::Error::msg)?;
    let warm = tokio::task::spawn_blocking(umbral_core::types::warm_up);
    let store = open_store(settings).await?;
    if settings.database.session_cache {
        store
            .serve_from_cache()
            .await
            .context("cannot join the other nodes' session caches")?;
    }
    let store_dyn: Arc<dyn Store> = Arc::new(store.clone());
    let params = HashParams {
        m_cost_kib: settings.passwords.m_cost_kib,
        t_cost: settings.passwords.t_cost,
        p_cost: settings.passwords.p_cost,
    };
    let workers = match settings.passwords.hash_workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        n => n,
    };
    let queue = match settings.passwords.hash_queue {
        0 => DEFAULT_HASH_QUEUE,
        n => n,
    };
    let hasher = Arc::new(PasswordHasherPool::new(
        params,
        workers,
        queue,
        std::time::Duration::from_millis(settings.passwords.max_wait_ms),
    )?);
    let umbral = Arc::new(
        Umbral::new(store_dyn.clone(), clock.clone(), hasher, core_config(settings))
            .with_address_lookup(address_lookup(settings, &store)?)
            .with_payment_gateway(payment_gateway(settings)?)
            .with_jwks_reader(Arc::new(
                umbral_gateways::backchannel::HttpJwksReader::new(Duration::from_secs(5))
                    .map_err(anyhow::Error::msg)?,
            ))
            .with_upstream_gateway(Arc::new(
                umbral_gateways::upstream::OidcUpstream::new(Duration::from_secs(10))
                    .map_err(anyhow::Error::msg)?,
            ))
            .with_txt_resolver(Arc::new(
                umbral_gateways::dns::DnsTxt::new(&settings.dns.resolver, Duration::from_secs(5))
                    .map_err(anyhow::Error::msg)?,
            )),
    );
    umbral
        .refresh_platform_defaults()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the platform settings: {e}"))?;
    umbral
        .reload_providers()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the identity providers: {e:?}"))?;
    let web = WebSettings {
        product_name: settings.product_name.clone(),
        public_url: settings.public_url(),
        dev: settings.dev,
        trusted_proxies: settings
            .trusted_proxies
            .iter()
            .filter_map(|p| p.parse::<IpAddr>().ok())
            .collect(),
        theme_dir: Some(PathBuf::from(&settings.theme_dir)).filter(|_| !settings.theme_dir.is_empty()),
    };
    umbral_web::ops::metrics_handle();
    let state = AppState::new(umbral.clone(), web).map_err(anyhow::Error::msg)?;
    let app = umbral_web::router(state);
    let addr = listener.local_addr()?;
    let _ = warm.await;
    let (tx, rx) = watch::channel(false);

    let mut tasks = Vec::new();
    let renderer = Arc::new(TemplateRenderer {
        product_name: settings.product_name.clone(),
        public_url: settings.public_url(),
    });
    let dev_outbox = Arc::new(DevOutboxMailer::new(store_dyn, clock));
    let mail = mailer(settings, &dev_outbox)?;
    let sms = sms_gateway(settings, &dev_outbox)?;
    tasks.push(tokio::spawn(umbral.clone().run_outbox_worker(
        renderer,
        mail,
        sms,
        Duration::from_secs(settings.outbox.poll_seconds.max(1)),
        i64::try_from(settings.outbox.retry_base_seconds).unwrap_or(2) * 1000,
        rx.clone(),
    )));
    tasks.push(tokio::spawn(
        umbral
            .clone()
            .run_maintenance(Duration::from_secs(3600), rx.clone()),
    ));
    let notifier = Arc::new(
        umbral_gateways::backchannel::HttpLogoutNotifier::new(Duration::from_secs(5))
            .map_err(anyhow::Error::msg)?,
    );
    tasks.push(tokio::spawn(umbral.clone().run_backchannel_worker(
        notifier,
        Duration::from_secs(settings.outbox.poll_seconds.max(1)),
        rx.clone(),
    )));
    tasks.push(tokio::spawn(
        umbral
            .clone()
            .run_key_rotation(Duration::from_secs(3600), rx.clone()),
    ));
    tasks.push(tokio::spawn(
        umbral
            .clone()
            .run_settings_refresh(Duration::from_secs(5), rx.clone()),
    ));
    let mut server_rx = rx;
    tasks.push(tokio::spawn(async move {
        let serve = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = server_rx.changed().await;
            });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server stopped");
        }
    }));
    Ok(Running {
        addr,
        umbral,
        store,
        shutdown: tx,
        tasks,
    })
}
