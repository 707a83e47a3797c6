//! `umbral`: serve, migrate, check-config, api-key, factor-reset.

mod clients;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use umbral::{Overrides, Settings};
use umbral_core::CoreError;
use umbral_core::accounts::Role;
use umbral_core::audit::RequestMeta;
use umbral_core::clock::SystemClock;
use umbral_core::flows::invitations::NewUserInput;
use umbral_core::policy::TwoFactorPolicy;
use umbral_core::staff::{ApiActor, ApiScope, ResetStatus};
use umbral_core::types::{Locale, OrgId};
use umbral_web::error::{field_message, message_of};

#[derive(Parser, Debug)]
#[command(
    name = "umbral",
    version,
    about = "Customer identity and accounts: sign-up, sign-in, sessions."
)]
struct Cli {
    /// TOML settings file (see config/umbral.example.toml).
    #[arg(long, global = true, env = "UMBRAL_CONFIG")]
    config: Option<PathBuf>,
    /// The database: sqlite://FILE or postgres://... [default: sqlite://umbral.db].
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve {
        /// Development mode: email goes to /dev/outbox instead of SMTP.
        #[arg(long)]
        dev: bool,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
        /// How log lines are written [default: text].
        #[arg(long, value_enum)]
        log_format: Option<LogFormat>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Check the settings, print them (secrets hidden) and exit.
    CheckConfig {
        /// Check as for `serve --dev`.
        #[arg(long)]
        dev: bool,
    },
    /// Keys of the admin API (`Authorization: Bearer uak_...`).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Lost-factor reset requests: list, approve, reject.
    #[command(subcommand)]
    FactorReset(FactorResetCommand),
    /// Organizations' policies.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Users created by staff.
    #[command(subcommand)]
    User(UserCommand),
    /// Staff accounts (the console at /staff; always two-factor, one session).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The postal code table behind the company form's address lookup.
    #[command(subcommand)]
    Postal(PostalCommand),
    /// Applications that sign people in through Umbral (OpenID Connect clients).
    #[command(subcommand)]
    Client(clients::ClientCommand),
    /// The keys that sign tokens: rotate them, list them.
    #[command(subcommand)]
    Keys(clients::KeysCommand),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The languages of Umbral's pages and messages.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Language {
    En,
    Es,
    #[value(name = "pt-BR")]
    PtBr,
}

impl From<Language> for Locale {
    fn from(l: Language) -> Self {
        match l {
            Language::En => Locale::En,
            Language::Es => Locale::Es,
            Language::PtBr => Locale::PtBr,
        }
    }
}

/// A member's role in an organization they are created into.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum MemberRole {
    Member,
    Admin,
}

/// An organization's two-factor policy; `default` follows the platform's.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum PolicyChoice {
    Required,
    Optional,
    Default,
}

/// Where a lost-factor reset request stands.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ResetState {
    Unconfirmed,
    Pending,
    Approved,
    Rejected,
}

#[derive(Subcommand, Debug)]
enum PostalCommand {
    /// Import a GeoNames postal-code dump (`--format geonames`, city level, any countries) or a
    /// street-level CSV `postal_code,street,neighbourhood,city,state` (`--format csv --country BR`).
    /// One transaction: a malformed line imports nothing. Importing again replaces those rows.
    Import {
        /// The file to read.
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "geonames")]
        format: umbral::postal::Format,
        /// The country of a CSV file's codes (ISO 3166, e.g. BR).
        #[arg(long)]
        country: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Create a staff account; its invitation sets the first password, then two-factor set-up.
    Create {
        /// Their email address: the invitation goes there.
        #[arg(long)]
        email: String,
        /// Their name, as pages and emails address them.
        #[arg(long)]
        name: String,
        /// The language of the invitation and the pages.
        #[arg(long, value_enum, default_value = "en")]
        locale: Language,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user who sets the first password through an emailed invitation (7 days).
    Create {
        /// Their email address: the invitation goes there.
        #[arg(long)]
        email: String,
        /// Their name, as pages and emails address them.
        #[arg(long)]
        name: String,
        /// The language of the invitation and the pages.
        #[arg(long, value_enum, default_value = "en")]
        locale: Language,
        /// Join this organization (its id); without it the user owns a new one.
        #[arg(long)]
        org: Option<String>,
        /// The role in --org.
        #[arg(long, value_enum, default_value = "member")]
        role: MemberRole,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Set an organization's two-factor policy (`default`: the platform's).
    TwoFactorPolicy {
        id: String,
        #[arg(value_enum)]
        policy: PolicyChoice,
    },
}

#[derive(Subcommand, Debug)]
enum ApiKeyCommand {
    /// Make a key and print it once.
    Create {
        /// What the key is for, e.g. "support assistant".
        #[arg(long)]
        name: String,
        /// Limit the key to one organization (its id); without it the key is staff-wide.
        #[arg(long)]
        org: Option<String>,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key by its id.
    Revoke { id: String },
}

#[derive(Subcommand, Debug)]
enum FactorResetCommand {
    /// List requests, newest first.
    List {
        /// Only the requests in this state.
        #[arg(long, value_enum)]
        status: Option<ResetState>,
    },
    /// Approve a confirmed request: the user's factors, sessions and trusted devices go.
    Approve { id: String },
    /// Reject a confirmed request.
    Reject { id: String },
}

/// Who acts from the command line, as the audit log records it.
fn cli_meta() -> RequestMeta {
    RequestMeta {
        ip: "127.0.0.1".into(),
        user_agent: "umbral command line".into(),
    }
}

/// An error as a sentence for the person at the terminal (English), naming the field of each
/// rule that was broken.
fn words(e: &CoreError) -> String {
    match e {
        CoreError::Validation(errs) if !errs.is_empty() => errs
            .iter()
            .map(|f| format!("{}: {}", f.field, field_message(f, Locale::En)))
            .collect::<Vec<_>>()
            .join("; "),
        other => message_of(other, Locale::En),
    }
}

/// Runs an administrative command against the configured database.
async fn admin(
    cli: &Cli,
    work: impl AsyncFnOnce(&umbral_core::Umbral) -> Result<(), String>,
) -> Result<(), String> {
    // Administrative commands need no SMTP or SMS settings: they only queue messages.
    let s = load(cli, true)?;
    let (umbral, store) = umbral::offline(&s).await.map_err(|e| format!("{e:#}"))?;
    let result = work(&umbral).await;
    store.close().await;
    result
}

fn print_reset(r: &umbral_core::ports::FactorResetRow) {
    println!(
        "{}\t{}\t{}\t{}\t{}",
        r.reset.id,
        r.reset.status.as_str(),
        r.user.email,
        r.user.name,
        r.membership.as_ref().map(|m| m.org_name.as_str()).unwrap_or("-")
    );
}

fn init_logs(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == umbral::config::LogFormat::Json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The settings, from the file, the environment and the flags (`serve` gives the server's).
fn load(cli: &Cli, dev: bool) -> Result<Settings, String> {
    load_with(cli, dev, None, None)
}

fn load_with(
    cli: &Cli,
    dev: bool,
    listen: Option<&str>,
    log_format: Option<LogFormat>,
) -> Result<Settings, String> {
    let flags = Overrides {
        listen: listen.map(str::to_string),
        database_url: cli.database_url.clone(),
        dev,
        log_format: log_format.map(|f| match f {
            LogFormat::Text => "text".to_string(),
            LogFormat::Json => "json".to_string(),
        }),
    };
    Settings::load(cli.config.as_deref(), &|k| std::env::var(k).ok(), &flags)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::CheckConfig { dev } => {
            let s = load(&cli, dev)?;
            println!("{}", s.redacted_toml());
            eprintln!("configuration is valid");
            Ok(())
        }
        Command::Postal(PostalCommand::Import {
            ref file,
            format: f,
            ref country,
        }) => {
            let s = load(&cli, true)?;
            init_logs(&s);
            let store = umbral::open_store(&s).await.map_err(|e| format!("{e:#}"))?;
            let started = std::time::Instant::now();
            let report = umbral::postal::import(&store, file, f, country.as_deref()).await?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "imported {} postal codes of {} countries from {} lines in {:.1} s ({:.0} lines/s)",
                report.rows,
                report.countries,
                report.lines,
                secs,
                report.lines as f64 / secs.max(0.001)
            );
            Ok(())
        }
        Command::Migrate => {
            // Migrating needs no SMTP settings.
            let s = load(&cli, true)?;
            init_logs(&s);
            umbral::open_store(&s).await.map_err(|e| format!("{e:#}"))?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Client(ref cmd) => clients::run(&cli, cmd).await,
        Command::Keys(ref cmd) => clients::run_keys(&cli, cmd).await,
        Command::ApiKey(ref cmd) => {
            admin(&cli, async |u| match cmd {
                ApiKeyCommand::Create { name, org } => {
                    let scope = match org {
                        Some(id) => ApiScope::Organization(OrgId(id.clone())),
                        None => ApiScope::Staff,
                    };
                    let (key, secret) = u.create_api_key(name, scope).await.map_err(|e| words(&e))?;
                    eprintln!(
                        "API key {} ({}), scope {}. Keep it now: it is not shown again.",
                        key.id,
                        key.name,
                        key.scope.as_string()
                    );
                    println!("{secret}");
                    Ok(())
                }
                ApiKeyCommand::List => {
                    for k in u.api_keys().await.map_err(|e| words(&e))? {
                        let state = if k.revoked_at.is_some() { "revoked" } else { "live" };
                        println!("{}\t{}\t{}\t{}", k.id, k.scope.as_string(), state, k.name);
                    }
                    Ok(())
                }
                ApiKeyCommand::Revoke { id } => u
                    .revoke_api_key(id)
                    .await
                    .map_err(|e| format!("{id}: {}", words(&e))),
            })
            .await
        }
        Command::FactorReset(ref cmd) => {
            admin(&cli, async |u| {
                let actor = ApiActor::command_line();
                match cmd {
                    FactorResetCommand::List { status } => {
                        let status = status.map(|s| match s {
                            ResetState::Unconfirmed => ResetStatus::Unconfirmed,
                            ResetState::Pending => ResetStatus::Pending,
                            ResetState::Approved => ResetStatus::Approved,
                            ResetState::Rejected => ResetStatus::Rejected,
                        });
                        for r in u.factor_resets(&actor, status).await.map_err(|e| words(&e))? {
                            print_reset(&r);
                        }
                        Ok(())
                    }
                    FactorResetCommand::Approve { id } | FactorResetCommand::Reject { id } => {
                        let approve = matches!(cmd, FactorResetCommand::Approve { .. });
                        let r = u
                            .decide_factor_reset(&actor, id, approve, &cli_meta())
                            .await
                            .map_err(|e| format!("{id}: {}", words(&e)))?;
                        print_reset(&r);
                        Ok(())
                    }
                }
            })
            .await
        }
        Command::User(UserCommand::Create {
            ref email,
            ref name,
            locale,
            ref org,
            role,
        }) => {
            let input = NewUserInput {
                email: email.clone(),
                name: name.clone(),
                locale: locale.into(),
                org_id: org.clone(),
                role: match role {
                    MemberRole::Member => Role::Member,
                    MemberRole::Admin => Role::Admin,
                },
                staff: false,
            };
            admin(&cli, async |u| {
                let (user, org) = u
                    .create_user(&ApiActor::command_line(), &input, &cli_meta())
                    .await
                    .map_err(|e| format!("{email}: {}", words(&e)))?;
                println!("{user}\t{org}");
                eprintln!("Invitation queued for {email}; a running server sends it.");
                Ok(())
            })
            .await
        }
        Command::Staff(StaffCommand::Create {
            ref email,
            ref name,
            locale,
        }) => {
            let input = NewUserInput {
                email: email.clone(),
                name: name.clone(),
                locale: locale.into(),
                org_id: None,
                role: Role::Member,
                staff: true,
            };
            admin(&cli, async |u| {
                let (user, _) = u
                    .create_user(&ApiActor::command_line(), &input, &cli_meta())
                    .await
                    .map_err(|e| format!("{email}: {}", words(&e)))?;
                println!("{user}");
                eprintln!("Staff invitation queued for {email}; a running server sends it.");
                Ok(())
            })
            .await
        }
        Command::Org(OrgCommand::TwoFactorPolicy { ref id, policy }) => {
            let parsed = match policy {
                PolicyChoice::Default => None,
                PolicyChoice::Required => Some(TwoFactorPolicy::Required),
                PolicyChoice::Optional => Some(TwoFactorPolicy::Optional),
            };
            admin(&cli, async |u| {
                u.set_org_two_factor_policy(
                    &ApiActor::command_line(),
                    &OrgId::from(id.as_str()),
                    parsed,
                    &cli_meta(),
                )
                .await
                .map_err(|e| format!("{id}: {}", words(&e)))
            })
            .await
        }
        Command::Serve {
            dev,
            ref listen,
            log_format,
        } => {
            let s = load_with(&cli, dev, listen.as_deref(), log_format)?;
            init_logs(&s);
            let listener = TcpListener::bind(&s.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", s.listen))?;
            let running = umbral::start(&s, Arc::new(SystemClock), listener)
                .await
                .map_err(|e| format!("{e:#}"))?;
            tracing::info!(address = %running.addr, public_url = %s.public_url(), dev = s.dev, "Umbral is ready");
            if let Some(why) = running.umbral.passkeys_off() {
                tracing::warn!(reason = %why, "passkeys are off");
            }
            if s.dev {
                eprintln!(
                    "Umbral is running at {} (dev mode: messages at {}/dev/outbox)",
                    s.public_url(),
                    s.public_url()
                );
            }
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            running.stop().await;
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
