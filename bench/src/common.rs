//! What every benchmark needs: a release server on a fresh database, CPU accounting from
//! `/proc`, accounts, and the result file.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use umbral_core::auth::password::{Hasher, hash_now};
use umbral_core::factors::totp;
use umbral_core::policy::HashParams;
use umbral_testkit::journey;

use crate::Cli;

pub use umbral_testkit::journey::PASSWORD;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub pid: u32,
    /// The database it runs on, for the command line.
    pub database_url: String,
    /// The temporary folder of the SQLite file, removed with the server.
    dir: PathBuf,
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).context("stat")?;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
    Ok(ticks / 100.0) // USER_HZ is 100 on Linux
}

/// CPU seconds of a process's threads, split: the password hashing threads (`umbral-hash-*`)
/// and all the others. Far steadier than an efficiency on a noisy machine: the others' share
/// is the cost a sign-in adds to its hash.
pub fn thread_cpu_split(pid: u32) -> Result<(f64, f64)> {
    let (mut hashing, mut other) = (0.0, 0.0);
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let dir = entry?.path();
        let (Ok(comm), Ok(stat)) = (
            std::fs::read_to_string(dir.join("comm")),
            std::fs::read_to_string(dir.join("stat")),
        ) else {
            continue; // a thread that ended meanwhile
        };
        let after = stat.rsplit_once(')').map(|(_, r)| r).context("stat")?;
        let f: Vec<&str> = after.split_whitespace().collect();
        let secs = (f[11].parse::<f64>()? + f[12].parse::<f64>()?) / 100.0;
        if comm.starts_with("umbral-hash") {
            hashing += secs;
        } else {
            other += secs;
        }
    }
    Ok((hashing, other))
}

pub async fn start(cli: &Cli, env: &[(&str, String)]) -> Result<Server> {
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
    // Every user is signed up from this one address.
    .env("UMBRAL_SIGNUP_PER_IP", "1000000")
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
        database_url: url,
        dir,
    })
}

/// Signs `email` up as an API client; returns the session token.
pub async fn signup(c: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    journey::signup_token(c, base, email).await
}

/// Signs up `email`, confirms it, sets an authenticator app up (two-factor is required by
/// default), gives the company data and pays in the sandbox (the journey the HTTP tests take);
/// returns the fully signed-in session token and the app's key.
pub async fn enrolled_session(c: &reqwest::Client, base: &str, email: &str) -> Result<(String, Vec<u8>)> {
    let token = confirmed_session(c, base, email).await?;
    let (key, rotated) = journey::enroll_totp(c, base, Some(&token), |key| {
        totp::code_at_step(key, totp_step()).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?;
    let token = rotated.unwrap_or(token);
    journey::onboard(c, base, Some(&token)).await?;
    Ok((token, key))
}

/// The current TOTP step by the system clock.
pub fn totp_step() -> i64 {
    use umbral_core::clock::Clock;
    umbral_core::clock::SystemClock.now_ms() / 30_000
}

/// Signs up `email`, confirms it with the code from the dev outbox, returns the session token.
pub async fn confirmed_session(c: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let token = signup(c, base, email).await?;
    journey::confirm_email(c, base, Some(&token), email).await?;
    Ok(token)
}

/// Resident memory of a process now and at its peak, in MiB.
pub fn rss_mib(pid: u32) -> Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Seconds per hash when every core hashes at once, with the server's own hashing code: the most
/// sign-ins per second this machine could do is cores / this.
pub fn hash_seconds(params: HashParams) -> Result<f64> {
    hash_seconds_of(params, 30)
}

/// As [`hash_seconds`], with `per_thread` hashes on each thread.
pub fn hash_seconds_of(params: HashParams, per_thread: u32) -> Result<f64> {
    let stored = hash_now(params, PASSWORD)?;
    let n = cores();
    // Every thread first hashes once (its memory is allocated at its first hash, as in the
    // server), then all start together.
    let start = Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (stored, start) = (stored.clone(), start.clone());
            std::thread::spawn(move || -> Result<f64> {
                let mut h = Hasher::new(params)?;
                h.verify(PASSWORD, &stored)?;
                start.wait();
                let t = Instant::now();
                for _ in 0..per_thread {
                    h.verify(PASSWORD, &stored)?;
                }
                Ok(t.elapsed().as_secs_f64() / per_thread as f64)
            })
        })
        .collect();
    let mut total = 0.0;
    for th in threads {
        total += th.join().map_err(|_| anyhow::anyhow!("hash thread"))??;
    }
    Ok(total / n as f64)
}

/// Writes `<name>-<database>.json` (database: sqlite or postgres).
pub fn write_result(cli: &Cli, name: &str, result: &Value) -> Result<()> {
    let out = &cli.out;
    std::fs::create_dir_all(out)?;
    let db = match &cli.database_url {
        Some(u) if u.starts_with("postgres") => "postgres",
        Some(u) if u.starts_with("sqlite") => "sqlite",
        Some(_) => "other",
        None => "sqlite",
    };
    let path = out.join(format!("{name}-{db}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(result)?)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

pub fn machine() -> Value {
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

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The redirect URI of the applications the benchmarks register (nothing listens there).
pub const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// A confidential client's call to the token endpoint with `form` (a code exchange or a
/// refresh).
pub async fn token_request(
    c: &reqwest::Client,
    url: &str,
    (id, secret): (&str, &str),
    form: &[(&str, &str)],
) -> reqwest::Result<reqwest::Response> {
    c.post(url).basic_auth(id, Some(secret)).form(form).send().await
}

/// The form of a code exchange.
pub fn exchange_form(code: &str) -> [(&'static str, &str); 3] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ]
}

/// Registers an application with the command line, as staff would; (id, secret).
pub fn register(
    cli: &Cli,
    database_url: &str,
    name: &str,
    id_token_alg: Option<&str>,
) -> Result<(String, String)> {
    let mut cmd = std::process::Command::new(&cli.bin);
    cmd.args(["client", "create", "--database-url", database_url])
        .args(["--name", name, "--redirect-uri", REDIRECT, "--json"]);
    if let Some(alg) = id_token_alg {
        cmd.args(["--id-token-alg", alg]);
    }
    let out = cmd.output()?;
    if !out.status.success() {
        bail!("client create: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    Ok((
        v["client_id"].as_str().context("client_id")?.to_string(),
        v["client_secret"].as_str().context("client_secret")?.to_string(),
    ))
}

/// One authorization request of the signed-in browser (`session`): a fresh code.
pub async fn authorized_code(c: &reqwest::Client, authorize: &str, session: &str) -> Result<String> {
    let r = c
        .get(authorize)
        .header("cookie", format!("umbral_session={session}"))
        .send()
        .await?;
    let location = r.headers().get("location").context("no redirect")?.to_str()?;
    Ok(location
        .split("code=")
        .nth(1)
        .context("no code")?
        .split('&')
        .next()
        .unwrap_or("")
        .to_string())
}
