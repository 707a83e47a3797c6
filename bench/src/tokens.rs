//! `umbral-bench tokens`: the token endpoint under sustained load. Clients exchange codes, then
//! refresh, each phase for a fixed time: requests per second, latency percentiles, server CPU
//! per request, and every answer that was not a success. The authorization requests that make
//! the codes run in the same loop; their CPU, measured alone first, is taken out of the
//! exchange's figure. The refresh-token table's size is reported at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::Cli;
use crate::common::{
    REDIRECT, authorized_code, cpu_seconds, enrolled_session, exchange_form, machine, percentile, register,
    start, token_request, write_result,
};

struct Phase {
    ok: usize,
    errors: Vec<String>,
    latencies_ms: Vec<f64>,
    cpu_s: f64,
    secs: f64,
}

impl Phase {
    fn report(&self, name: &str, cpu_less_us: f64) -> Value {
        let mut l = self.latencies_ms.clone();
        l.sort_by(f64::total_cmp);
        let us = self.cpu_s * 1e6 / self.ok.max(1) as f64 - cpu_less_us;
        println!(
            "{name}: {:.0}/s for {:.0} s, p50 {:.1} ms, p99 {:.1} ms, {us:.0} us server CPU each, {} errors",
            self.ok as f64 / self.secs,
            self.secs,
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            self.errors.len()
        );
        json!({"requests": self.ok, "per_second": self.ok as f64 / self.secs,
               "p50_ms": percentile(&l, 0.5), "p99_ms": percentile(&l, 0.99),
               "server_cpu_us": us, "errors": self.errors.len(),
               "first_errors": self.errors.iter().take(5).collect::<Vec<_>>()})
    }
}

/// Runs `step` on `clients` tasks for `secs` seconds; `step(task)` returns the latency of the
/// request that counts (or an error's text).
async fn run<F, Fut>(pid: u32, clients: usize, secs: u64, step: F) -> Result<Phase>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<Duration, String>> + Send,
{
    let results = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    let cpu0 = cpu_seconds(pid)?;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for task in 0..clients {
        let (step, results) = (step.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                match step(task).await {
                    Ok(d) => results.lock().await.0.push(d.as_secs_f64() * 1000.0),
                    Err(e) => results.lock().await.1.push(e),
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds(pid)? - cpu0;
    let (latencies_ms, errors) = std::mem::take(&mut *results.lock().await);
    Ok(Phase {
        ok: latencies_ms.len(),
        errors,
        latencies_ms,
        cpu_s,
        secs,
    })
}

pub async fn bench_tokens(cli: &Cli, clients: usize, secs: u64) -> Result<()> {
    let server = start(cli, &[]).await?;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (session, _) = enrolled_session(&c, &server.base, "tokens@example.com").await?;
    let (id, secret) = register(cli, &server.database_url, "Load", None)?;
    let base = server.base.clone();
    let authorize = format!(
        "{base}/oauth2/authorize?response_type=code&client_id={id}&redirect_uri={REDIRECT}\
         &scope=openid%20profile%20email&state=s&nonce=n"
    );
    // The authorization requests alone, to take their CPU out of the exchange's.
    let auth_only = {
        let (c, authorize, session) = (c.clone(), authorize.clone(), session.clone());
        run(server.pid, clients, secs.min(10), move |_| {
            let (c, authorize, session) = (c.clone(), authorize.clone(), session.clone());
            async move {
                let t = Instant::now();
                authorized_code(&c, &authorize, &session)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(t.elapsed())
            }
        })
        .await?
    };
    let authorize_us = auth_only.cpu_s * 1e6 / auth_only.ok.max(1) as f64;
    println!("authorize alone: {authorize_us:.0} us server CPU each");
    let refresh = Arc::new(Mutex::new(vec![String::new(); clients]));
    let token_url = format!("{base}/oauth2/token");
    let exchange = {
        let (c, authorize, session, refresh) =
            (c.clone(), authorize.clone(), session.clone(), refresh.clone());
        let (id, secret, url) = (id.clone(), secret.clone(), token_url.clone());
        run(server.pid, clients, secs, move |task| {
            let (c, authorize, session, refresh) =
                (c.clone(), authorize.clone(), session.clone(), refresh.clone());
            let (id, secret, url) = (id.clone(), secret.clone(), url.clone());
            async move {
                let code = authorized_code(&c, &authorize, &session)
                    .await
                    .map_err(|e| e.to_string())?;
                let t = Instant::now();
                let r = token_request(&c, &url, (&id, &secret), &exchange_form(&code))
                    .await
                    .map_err(|e| e.to_string())?;
                let took = t.elapsed();
                if r.status() != 200 {
                    return Err(format!("exchange {}", r.status()));
                }
                let body: Value = r.json().await.map_err(|e| e.to_string())?;
                refresh.lock().await[task] = body["refresh_token"].as_str().unwrap_or("").to_string();
                Ok(took)
            }
        })
        .await?
    };
    let refreshed = {
        let (c, refresh, id, secret, url) = (
            c.clone(),
            refresh.clone(),
            id.clone(),
            secret.clone(),
            token_url.clone(),
        );
        run(server.pid, clients, secs, move |task| {
            let (c, refresh, id, secret, url) = (
                c.clone(),
                refresh.clone(),
                id.clone(),
                secret.clone(),
                url.clone(),
            );
            async move {
                let token = refresh.lock().await[task].clone();
                let t = Instant::now();
                let r = token_request(
                    &c,
                    &url,
                    (&id, &secret),
                    &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                )
                .await
                .map_err(|e| e.to_string())?;
                let took = t.elapsed();
                if r.status() != 200 {
                    return Err(format!("refresh {}", r.status()));
                }
                let body: Value = r.json().await.map_err(|e| e.to_string())?;
                refresh.lock().await[task] = body["refresh_token"].as_str().unwrap_or("").to_string();
                Ok(took)
            }
        })
        .await?
    };
    // Bounded: each family keeps what it spent within the grace window, and its live token.
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&server.database_url).await?;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oidc_refresh_tokens")
        .fetch_one(&mut db)
        .await?;
    println!(
        "refresh tokens: {} spent in all, {rows} rows left in the table",
        exchange.ok + refreshed.ok
    );
    let result = json!({
        "benchmark": "tokens",
        "refresh_token_rows_left": rows, "machine": machine(), "clients": clients, "seconds": secs,
        "database": if cli.database_url.is_some() { "given" } else { "sqlite" },
        "authorize_alone_us": authorize_us,
        "code_exchange": exchange.report("code exchange", authorize_us),
        "refresh": refreshed.report("refresh", 0.0),
        "refresh_tokens_spent": exchange.ok + refreshed.ok,
    });
    write_result(cli, "tokens", &result)?;
    drop(server);
    Ok(())
}
