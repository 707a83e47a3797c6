//! `umbral`: serve, migrate, check-config, api-key, factor-reset.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use umbral::{Overrides, Settings};
use umbral_core::accounts::Role;
use umbral_core::admin::{ApiActor, ApiScope};
use umbral_core::clock::SystemClock;
use umbral_core::flows::invitations::NewUserInput;
use umbral_core::policy::TwoFactorPolicy;
use umbral_core::types::{Locale, OrgId};

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
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true)]
    listen: Option<String>,
    /// sqlite://FILE or postgres://... [default: sqlite://umbral.db].
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// text or json.
    #[arg(long, global = true)]
    log_format: Option<String>,
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
}

#[derive(Subcommand, Debug)]
enum PostalCommand {
    /// Import a GeoNames postal-code dump (`--format geonames`, city level, any countries) or a
    /// street-level CSV `postal_code,street,neighbourhood,city,state` (`--format csv --country BR`).
    /// One transaction: a malformed line imports nothing. Importing again replaces those rows.
    Import {
        /// The file to read.
        file: std::path::PathBuf,
        /// `geonames` or `csv`.
        #[arg(long, default_value = "geonames")]
        format: String,
        /// The country of a CSV file's codes (ISO 3166, e.g. BR).
        #[arg(long)]
        country: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Create a staff account; its invitation sets the first password, then two-factor set-up.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// en, es or pt-BR [default: en].
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user who sets the first password through an emailed invitation (7 days).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// en, es or pt-BR [default: en].
        #[arg(long, default_value = "en")]
        locale: String,
        /// Join this organization (its id); without it the user owns a new one.
        #[arg(long)]
        org: Option<String>,
        /// member or admin, in --org [default: member].
        #[arg(long, default_value = "member")]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrgCommand {
    /// Set an organization's two-factor policy: required, optional, or default (the platform's).
    TwoFactorPolicy { id: String, policy: String },
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
        /// unconfirmed, pending, approved or rejected.
        #[arg(long)]
        status: Option<String>,
    },
    /// Approve a confirmed request: the user's factors, sessions and trusted devices go.
    Approve { id: String },
    /// Reject a confirmed request.
    Reject { id: String },
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
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn load(cli: &Cli, dev: bool) -> Result<Settings, String> {
    let flags = Overrides {
        listen: cli.listen.clone(),
        database_url: cli.database_url.clone(),
        dev,
        log_format: cli.log_format.clone(),
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
            ref format,
            ref country,
        }) => {
            let f = umbral::postal::Format::parse(format)
                .ok_or_else(|| format!("--format {format:?}: use geonames or csv"))?;
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
        Command::ApiKey(ref cmd) => {
            admin(&cli, async |u| match cmd {
                ApiKeyCommand::Create { name, org } => {
                    let scope = match org {
                        Some(id) => ApiScope::Organization(OrgId(id.clone())),
                        None => ApiScope::Staff,
                    };
                    let (key, secret) = u.create_api_key(name, scope).await.map_err(|e| e.to_string())?;
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
                    for k in u.api_keys().await.map_err(|e| e.to_string())? {
                        let state = if k.revoked_at.is_some() { "revoked" } else { "live" };
                        println!("{}\t{}\t{}\t{}", k.id, k.scope.as_string(), state, k.name);
                    }
                    Ok(())
                }
                ApiKeyCommand::Revoke { id } => u.revoke_api_key(id).await.map_err(|e| e.to_string()),
            })
            .await
        }
        Command::FactorReset(ref cmd) => {
            admin(&cli, async |u| {
                let actor = ApiActor::command_line();
                let meta = umbral_core::audit::RequestMeta {
                    ip: "127.0.0.1".into(),
                    user_agent: "umbral command line".into(),
                };
                match cmd {
                    FactorResetCommand::List { status } => {
                        for r in u
                            .factor_resets(&actor, status.as_deref())
                            .await
                            .map_err(|e| e.to_string())?
                        {
                            print_reset(&r);
                        }
                        Ok(())
                    }
                    FactorResetCommand::Approve { id } | FactorResetCommand::Reject { id } => {
                        let approve = matches!(cmd, FactorResetCommand::Approve { .. });
                        let r = u
                            .decide_factor_reset(&actor, id, approve, &meta)
                            .await
                            .map_err(|e| format!("{id}: {e}"))?;
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
            ref locale,
            ref org,
            ref role,
        }) => {
            let role = match role.as_str() {
                "member" => Role::Member,
                "admin" => Role::Admin,
                other => return Err(format!("--role {other:?}: use member or admin")),
            };
            let locale = Locale::from_tag(locale)
                .ok_or_else(|| format!("--locale {locale:?}: use en, es or pt-BR"))?;
            let input = NewUserInput {
                email: email.clone(),
                name: name.clone(),
                locale,
                org_id: org.clone(),
                role,
                staff: false,
            };
            admin(&cli, async |u| {
                let meta = umbral_core::audit::RequestMeta {
                    ip: "127.0.0.1".into(),
                    user_agent: "umbral command line".into(),
                };
                let (user, org) = u
                    .create_user(&ApiActor::command_line(), &input, &meta)
                    .await
                    .map_err(|e| format!("{email}: {e}"))?;
                println!("{user}\t{org}");
                eprintln!("Invitation queued for {email}; a running server sends it.");
                Ok(())
            })
            .await
        }
        Command::Staff(StaffCommand::Create {
            ref email,
            ref name,
            ref locale,
        }) => {
            let locale = Locale::from_tag(locale)
                .ok_or_else(|| format!("--locale {locale:?}: use en, es or pt-BR"))?;
            let input = NewUserInput {
                email: email.clone(),
                name: name.clone(),
                locale,
                org_id: None,
                role: Role::Member,
                staff: true,
            };
            admin(&cli, async |u| {
                let meta = umbral_core::audit::RequestMeta {
                    ip: "127.0.0.1".into(),
                    user_agent: "umbral command line".into(),
                };
                let (user, _) = u
                    .create_user(&ApiActor::command_line(), &input, &meta)
                    .await
                    .map_err(|e| format!("{email}: {e}"))?;
                println!("{user}");
                eprintln!("Staff invitation queued for {email}; a running server sends it.");
                Ok(())
            })
            .await
        }
        Command::Org(OrgCommand::TwoFactorPolicy { ref id, ref policy }) => {
            let parsed = match policy.as_str() {
                "default" => None,
                p => Some(
                    TwoFactorPolicy::parse(p)
                        .ok_or_else(|| format!("{p:?}: use required, optional or default"))?,
                ),
            };
            admin(&cli, async |u| {
                let meta = umbral_core::audit::RequestMeta {
                    ip: "127.0.0.1".into(),
                    user_agent: "umbral command line".into(),
                };
                u.set_org_two_factor_policy(&ApiActor::command_line(), id, parsed, &meta)
                    .await
                    .map_err(|e| format!("{id}: {e}"))
            })
            .await
        }
        Command::Serve { dev } => {
            let s = load(&cli, dev)?;
            init_logs(&s);
            let listener = TcpListener::bind(&s.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", s.listen))?;
            let running = umbral::start(&s, Arc::new(SystemClock), listener)
                .await
                .map_err(|e| format!("{e:#}"))?;
            tracing::info!(address = %running.addr, public_url = %s.public_url(), dev = s.dev, "Umbral is ready");
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
