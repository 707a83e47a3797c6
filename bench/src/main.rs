//! Umbral's benchmarks. Each starts a release `umbral serve --dev` on a fresh SQLite file (or the
//! given database), drives it over loopback HTTP, reads the server's CPU time from
//! `/proc/<pid>/stat`, and writes one JSON file under `bench/results/` plus a line of text.
//!
//!   umbral-bench signin   sign-ins per second against the hash ceiling (efficiency)
//!   umbral-bench me       server CPU per authenticated `GET /api/v1/me`
//!   umbral-bench overload sign-ins far beyond capacity: 503s, latency of others, memory, start
//!   umbral-bench burst    a crowd within capacity signing in at once: share of 503, rate, p99
//!   umbral-bench totp     server CPU per TOTP code check at sign-in, persistence included
//!   umbral-bench passkeys server CPU per sign-in with a passkey alone, persistence included
//!   umbral-bench postal   `umbral postal import` of a generated CSV: time, rows/s, peak memory
//!   umbral-bench oidc     server CPU per code exchange, refresh, userinfo, introspection, JWKS
//!   umbral-bench console  the staff console's user search and audit pages on a seeded database
//!   umbral-bench seed     a million users (or --users N) in bulk, for the growth benchmarks
//!   umbral-bench tokens   the token endpoint under sustained load: code exchange, then refresh
//!   umbral-bench compare  two builds, one benchmark, runs interleaved: each figure's ratio

mod burst;
mod common;
mod compare;
mod console;
mod me;
mod oidc;
mod overload;
mod passkeys;
mod postal;
mod raw;
mod seed;
mod signin;
mod tokens;
mod totp;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    /// The umbral binary (build it with `cargo build --release -p umbral`).
    #[arg(long, default_value = "target/release/umbral")]
    bin: PathBuf,
    /// Database URL; default: a fresh SQLite file in a temporary folder.
    #[arg(long)]
    database_url: Option<String>,
    /// Where to write the JSON result.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Password sign-in throughput with many users and concurrent clients.
    Signin {
        #[arg(long, default_value_t = 200)]
        users: usize,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Server CPU per `GET /api/v1/me`.
    Me {
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Another path to measure the same way (e.g. /healthz, for the cost without a session).
        #[arg(long, default_value = "/api/v1/me")]
        path: String,
    },
    /// Server CPU per second-factor check (TOTP), the write that uses the step up included.
    Totp {
        #[arg(long, default_value_t = 400)]
        users: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
    },
    /// Server CPU per sign-in with a passkey alone, the counter's write and the session included.
    Passkeys {
        #[arg(long, default_value_t = 100)]
        users: usize,
        #[arg(long, default_value_t = 4)]
        rounds: usize,
        #[arg(long, default_value_t = 4)]
        clients: usize,
    },
    /// Two builds against each other: the benchmark after `--` (or the rest of the line) run
    /// alternately with each, on fresh SQLite files; medians, ratio B / A, spreads.
    Compare {
        /// The build to compare against (e.g. `main`'s).
        #[arg(long)]
        a: PathBuf,
        /// The build under test.
        #[arg(long)]
        b: PathBuf,
        /// Runs of each.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The benchmark and its options, e.g. `me --requests 5000`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        bench: Vec<String>,
    },
    /// The token endpoint under sustained load: code exchanges, then refreshes, each phase
    /// `--seconds` long: rate, p50/p99, server CPU per request, errors.
    Tokens {
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// The staff console's user search and audit log pages on a seeded `--database-url`.
    Console,
    /// Fills `--database-url` in bulk: users, organizations, factors, sessions, audit events
    /// and refresh tokens in realistic proportions, with progress.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        users: u64,
    },
    /// Server CPU per request of the single sign-on endpoints applications call.
    Oidc {
        #[arg(long, default_value_t = 4_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
    },
    /// `umbral postal import` of a generated street-level CSV.
    Postal {
        #[arg(long, default_value_t = 1_000_000)]
        lines: u64,
    },
    /// A crowd of clients signing in at once, each in a loop, within the machine's capacity.
    Burst {
        #[arg(long, default_value_t = 8)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Admit by a count of queued hashes instead (the earlier admission: 2 x workers).
        #[arg(long)]
        queue: Option<usize>,
    },
    /// Sign-ins offered well beyond capacity while another endpoint is probed; start time and
    /// memory.
    Overload {
        /// Sign-ins offered, as a multiple of the machine's hash ceiling.
        #[arg(long, default_value_t = 3.0)]
        times: f64,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match &cli.what {
        What::Signin {
            users,
            clients,
            seconds,
        } => signin::bench_signin(&cli, *users, *clients, *seconds).await,
        What::Me {
            requests,
            clients,
            path,
        } => me::bench_me(&cli, *requests, *clients, path).await,
        What::Overload { times, seconds } => overload::bench_overload(&cli, *times, *seconds).await,
        What::Totp { users, clients } => totp::bench_totp(&cli, *users, *clients).await,
        What::Passkeys {
            users,
            rounds,
            clients,
        } => passkeys::bench_passkeys(&cli, *users, *rounds, *clients).await,
        What::Burst {
            clients,
            seconds,
            queue,
        } => burst::bench_burst(&cli, *clients, *seconds, *queue).await,
        What::Postal { lines } => postal::bench_postal(&cli, *lines).await,
        What::Oidc { requests, clients } => oidc::bench_oidc(&cli, *requests, *clients).await,
        What::Tokens { clients, seconds } => tokens::bench_tokens(&cli, *clients, *seconds).await,
        What::Console => console::bench_console(&cli).await,
        What::Seed { users } => seed::seed(&cli, *users).await,
        What::Compare { a, b, runs, bench } => compare::compare(&cli, a, b, *runs, bench),
    }
}
