//! Umbral's benchmarks. Each starts a release `umbral serve --dev` on a fresh SQLite file (or the
//! given database), drives it over loopback HTTP, reads the server's CPU time from
//! `/proc/<pid>/stat`, and writes one JSON file under `bench/results/` plus a line of text.
//!
//!   umbral-bench signin   sign-ins per second against the hash ceiling (efficiency)
//!   umbral-bench me       server CPU per authenticated `GET /api/v1/me`

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use umbral_core::auth::password::{Hasher, hash_now};
use umbral_core::policy::HashParams;

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
}

const PASSWORD: &str = "tigre-azul-lunes-47";

struct Server {
    child: Child,
    base: String,
    pid: u32,
    _dir: PathBuf,
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).context("stat")?;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
    Ok(ticks / 100.0) // USER_HZ is 100 on Linux
}

async fn start(cli: &Cli, env: &[(&str, String)]) -> Result<Server> {
    let dir = std::env::temp_dir().join(format!("umbral-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let bin = std::fs::canonicalize(&cli.bin)
        .with_context(|| format!("{} (cargo build --release -p umbral)", cli.bin.display()))?;
    let mut cmd = Command::new(bin);
    cmd.args([
        "serve",
        "--dev",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--database-url",
        &url,
    ])
    .env("UMBRAL_LOG_LEVEL", "warn")
    .current_dir(&dir)
    .stdout(Stdio::null())
    .stderr(Stdio::inherit())
    .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn()?;
    let pid = child.id().context("pid")?;
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            bail!("server did not start");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!("server ready in {} ms", started.elapsed().as_millis());
    Ok(Server {
        child,
        base,
        pid,
        _dir: dir,
    })
}

async fn signup(c: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let r = c
        .post(format!("{base}/api/v1/signup"))
        .json(&json!({"name": "Bench User", "email": email, "phone": "+5491123456789", "password": PASSWORD, "accept_terms": true, "token": true}))
        .send()
        .await?;
    if r.status() != 201 {
        bail!("sign-up: {}", r.status());
    }
    Ok(r.json::<Value>().await?["session_token"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// Seconds per hash when every core hashes at once, with the server's own hashing code: the most
/// sign-ins per second this machine could do is cores / this.
fn hash_seconds(params: HashParams) -> Result<f64> {
    let stored = hash_now(params, PASSWORD)?;
    let per_thread = 30;
    let t = Instant::now();
    let threads: Vec<_> = (0..cores())
        .map(|_| {
            let stored = stored.clone();
            std::thread::spawn(move || -> Result<()> {
                let mut h = Hasher::new(params)?;
                for _ in 0..per_thread {
                    h.verify(PASSWORD, &stored)?;
                }
                Ok(())
            })
        })
        .collect();
    for th in threads {
        th.join().map_err(|_| anyhow::anyhow!("hash thread"))??;
    }
    Ok(t.elapsed().as_secs_f64() / per_thread as f64)
}

fn write_result(out: &Path, name: &str, result: &Value) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let path = out.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(result)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn machine() -> Value {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    json!({"cores": cores(), "cpu": model, "note": "load generator and server share the machine; server CPU from /proc/<pid>/stat"})
}

async fn bench_signin(cli: &Cli, users: usize, clients: usize, seconds: u64) -> Result<()> {
    let params = HashParams::default();
    let server = start(cli, &[("UMBRAL_PASSWORDS_HASH_QUEUE", (clients * 2).to_string())]).await?;
    let c = reqwest::Client::new();
    eprintln!("creating {users} users");
    let emails: Vec<String> = (0..users).map(|i| format!("bench{i}@example.com")).collect();
    for chunk in emails.chunks(8) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|e| {
                let (c, base, e) = (c.clone(), server.base.clone(), e.clone());
                tokio::spawn(async move { signup(&c, &base, &e).await })
            })
            .collect();
        for t in tasks {
            t.await??;
        }
    }
    // The machine is shared and its speed drifts: measure the hash ceiling between load windows,
    // so that both are taken under the same conditions.
    let rounds = 5u32;
    let window = Duration::from_secs(seconds) / rounds;
    eprintln!("{clients} clients, {rounds} windows of {window:?}, hash measured before each");
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let (mut elapsed, mut cpu, mut client_cpu, mut hashes) = (0.0, 0.0, 0.0, Vec::new());
    for _ in 0..rounds {
        hashes.push(hash_seconds(params)?);
        let cpu0 = cpu_seconds(server.pid)?;
        let client0 = cpu_seconds(std::process::id())?;
        let t0 = Instant::now();
        let deadline = t0 + window;
        let mut tasks = Vec::new();
        for k in 0..clients {
            let (c, base, emails, counts) = (c.clone(), server.base.clone(), emails.clone(), counts.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = k;
                while Instant::now() < deadline {
                    let email = &emails[i % emails.len()];
                    i += clients;
                    let r = c
                        .post(format!("{base}/api/v1/login"))
                        .json(&json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    let slot = match r.map(|r| r.status().as_u16()) {
                        Ok(200) => 0,
                        Ok(503) => {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            1
                        }
                        _ => 2,
                    };
                    counts[slot].fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        elapsed += t0.elapsed().as_secs_f64();
        cpu += cpu_seconds(server.pid)? - cpu0;
        client_cpu += cpu_seconds(std::process::id())? - client0;
    }
    drop(server);
    let n = counts[0].load(Ordering::Relaxed) as f64;
    let hash_s = hashes.iter().sum::<f64>() / hashes.len() as f64;
    let rate = n / elapsed;
    let ceiling = cores() as f64 / hash_s;
    let efficiency = rate / ceiling;
    let result = json!({
        "benchmark": "signin",
        "machine": machine(),
        "params": {"m_cost_kib": params.m_cost_kib, "t_cost": params.t_cost, "p_cost": params.p_cost},
        "users": users, "clients": clients, "seconds": elapsed,
        "hash_ms": hash_s * 1000.0,
        "hash_ms_per_window": hashes.iter().map(|h| h * 1000.0).collect::<Vec<_>>(),
        "signins": n, "signins_per_second": rate, "ceiling_per_second": ceiling,
        "efficiency": efficiency, "target_efficiency": 0.95,
        "busy_503": counts[1].load(Ordering::Relaxed), "errors": counts[2].load(Ordering::Relaxed),
        "server_cpu_ms_per_signin": cpu * 1000.0 / n.max(1.0),
        "load_generator_cpu_ms_per_signin": client_cpu * 1000.0 / n.max(1.0),
    });
    println!(
        "signin: {rate:.1}/s, ceiling {ceiling:.1}/s (hash {:.1} ms x {} cores), efficiency {efficiency:.3} (target >= 0.95)",
        hash_s * 1000.0,
        cores()
    );
    write_result(&cli.out, "signin", &result)?;
    Ok(())
}

async fn bench_me(cli: &Cli, requests: usize, clients: usize, path: &str) -> Result<()> {
    let server = start(cli, &[]).await?;
    let c = reqwest::Client::new();
    let token = signup(&c, &server.base, "me@example.com").await?;
    // Confirm the email with the code from the dev outbox.
    let mut code = None;
    for _ in 0..100 {
        let list: Vec<Value> = reqwest::get(format!("{}/dev/outbox.json", server.base))
            .await?
            .json()
            .await?;
        code = list.iter().find_map(|m| {
            m["body"]
                .as_str()?
                .lines()
                .map(str::trim)
                .find(|l| l.len() == 6 && l.chars().all(|c| c.is_ascii_digit()))
                .map(str::to_string)
        });
        if code.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = c
        .post(format!("{}/api/v1/signup/confirm-email", server.base))
        .bearer_auth(&token)
        .json(&json!({"code": code.context("no code")?}))
        .send()
        .await?;
    if r.status() != 200 {
        bail!("confirm: {}", r.status());
    }
    let url = format!("{}{path}", server.base);
    // Warm up connections and caches.
    for _ in 0..200 {
        c.get(&url).bearer_auth(&token).send().await?.bytes().await?;
    }
    let per_client = requests / clients;
    let cpu0 = cpu_seconds(server.pid)?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (c, url, token) = (c.clone(), url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_client {
                let r = c.get(&url).bearer_auth(&token).send().await?;
                if r.status() != 200 {
                    bail!("me: {}", r.status());
                }
                r.bytes().await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.pid)? - cpu0;
    let n = (per_client * clients) as f64;
    let us = cpu * 1e6 / n;
    let result = json!({
        "benchmark": "me",
        "path": path,
        "machine": machine(),
        "database": if cli.database_url.is_some() { "given" } else { "sqlite" },
        "requests": n, "clients": clients, "seconds": elapsed,
        "requests_per_second": n / elapsed,
        "server_cpu_us_per_request": us, "target_us": 60.0,
    });
    println!(
        "me: {us:.1} us server CPU per request ({:.0} req/s, {clients} clients; target <= 60 us)",
        n / elapsed
    );
    let name = if path == "/api/v1/me" {
        "me".to_string()
    } else {
        format!("cpu{}", path.replace('/', "-"))
    };
    write_result(&cli.out, &name, &result)?;
    drop(server);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match &cli.what {
        What::Signin {
            users,
            clients,
            seconds,
        } => bench_signin(&cli, *users, *clients, *seconds).await,
        What::Me {
            requests,
            clients,
            path,
        } => bench_me(&cli, *requests, *clients, path).await,
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
