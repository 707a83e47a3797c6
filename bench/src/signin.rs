//! Password sign-in throughput against the hash ceiling.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;
use umbral_core::policy::HashParams;

use crate::common::{
    PASSWORD, cores, cpu_seconds, hash_seconds_of, machine, signup, start, thread_cpu_split, write_result,
};
use crate::{Cli, raw};

pub async fn bench_signin(cli: &Cli, users: usize, clients: usize, seconds: u64) -> Result<()> {
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
    // The machine is shared and its speed drifts by a third within seconds (memory bandwidth taken
    // by neighbours). So the load runs in short windows, each between two short measurements of
    // the hash ceiling, and each window is set against the mean of the two around it.
    const WARM: Duration = Duration::from_millis(250);
    let window = Duration::from_secs(2);
    let rounds = (seconds / 2).max(3) as usize;
    eprintln!("{clients} clients, {rounds} windows of {window:?}, hash measured before and after each");
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        emails
            .iter()
            .map(|e| {
                raw::post_json(
                    &server.base,
                    "/api/v1/login",
                    &json!({"email": e, "password": PASSWORD}),
                )
            })
            .collect(),
    );
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let (mut cpu, mut client_cpu, mut hashes) = (0.0, 0.0, vec![hash_seconds_of(params, 10)?]);
    let (mut hashing_cpu, mut other_cpu) = (0.0, 0.0);
    let mut windows = Vec::new(); // (seconds, sign-ins)
    for _ in 0..rounds {
        // Only the steady state counts: sign-ins completed from WARM after the clients start
        // until the window ends, and the CPU spent in the same span. The start, with the hashing
        // pool still empty, and the drain after the clients stop, with one core idle, are
        // left out.
        let served0 = counts[0].load(Ordering::Relaxed);
        let t0 = Instant::now();
        let (from, to) = (t0 + WARM, t0 + WARM + window);
        let mut tasks = Vec::new();
        for k in 0..clients {
            let (requests, counts) = (requests.clone(), counts.clone());
            let mut conn = raw::RawConn::new(&server.base);
            tasks.push(tokio::spawn(async move {
                let mut i = k;
                while Instant::now() < to {
                    let request = &requests[i % requests.len()];
                    i += clients;
                    let slot = match conn.send(request).await {
                        Ok(200) => 0,
                        Ok(503) => {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            1
                        }
                        _ => 2,
                    };
                    let done = Instant::now();
                    if slot != 0 || (from..to).contains(&done) {
                        counts[slot].fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        // (when, server CPU, (hashing threads, other threads), load generator CPU)
        let sample = || -> Result<(Instant, f64, (f64, f64), f64)> {
            Ok((
                Instant::now(),
                cpu_seconds(server.pid)?,
                thread_cpu_split(server.pid)?,
                cpu_seconds(std::process::id())?,
            ))
        };
        tokio::time::sleep_until(from.into()).await;
        let (a, cpu0, split0, client0) = sample()?;
        tokio::time::sleep_until(to.into()).await;
        let (b, cpu1, split1, client1) = sample()?;
        for t in tasks {
            t.await?;
        }
        let served = (counts[0].load(Ordering::Relaxed) - served0) as f64;
        windows.push((b.duration_since(a).as_secs_f64(), served));
        cpu += cpu1 - cpu0;
        hashing_cpu += split1.0 - split0.0;
        other_cpu += split1.1 - split0.1;
        client_cpu += client1 - client0;
        hashes.push(hash_seconds_of(params, 10)?);
    }
    drop(server);
    let n = counts[0].load(Ordering::Relaxed) as f64;
    let elapsed: f64 = windows.iter().map(|w| w.0).sum();
    // Each window's ceiling: cores over the mean hash time measured just before and just after it.
    let ceilings: Vec<f64> = hashes
        .windows(2)
        .map(|h| cores() as f64 / ((h[0] + h[1]) / 2.0))
        .collect();
    let possible: f64 = windows.iter().zip(&ceilings).map(|(w, c)| w.0 * c).sum();
    let rate = n / elapsed;
    let ceiling = possible / elapsed;
    let efficiency = n / possible;
    let mut per_window: Vec<f64> = windows
        .iter()
        .zip(&ceilings)
        .map(|(w, c)| w.1 / (w.0 * c))
        .collect();
    per_window.sort_by(|a, b| a.total_cmp(b));
    // The hash time that matches the time-weighted ceiling.
    let hash_s = cores() as f64 / ceiling;
    let result = json!({
        "benchmark": "signin",
        "machine": machine(),
        "params": {"m_cost_kib": params.m_cost_kib, "t_cost": params.t_cost, "p_cost": params.p_cost},
        "users": users, "clients": clients, "seconds": elapsed,
        "hash_ms": hash_s * 1000.0,
        "hash_ms_measured": hashes.iter().map(|h| h * 1000.0).collect::<Vec<_>>(),
        "signins": n, "signins_per_second": rate, "ceiling_per_second": ceiling,
        "efficiency": efficiency, "target_efficiency": 0.95,
        "efficiency_per_window_sorted": per_window,
        // The server alone: the hash against all the server's CPU per sign-in (the load generator,
        // other processes and idle time left out).
        "server_cpu_efficiency": hash_s * 1000.0 / (cpu * 1000.0 / n.max(1.0)),
        "busy_503": counts[1].load(Ordering::Relaxed), "errors": counts[2].load(Ordering::Relaxed),
        "server_cpu_ms_per_signin": cpu * 1000.0 / n.max(1.0),
        "load_generator_cpu_ms_per_signin": client_cpu * 1000.0 / n.max(1.0),
        "hashing_threads_cpu_ms_per_signin": hashing_cpu * 1000.0 / n.max(1.0),
        "other_threads_cpu_ms_per_signin": other_cpu * 1000.0 / n.max(1.0),
    });
    println!(
        "signin: {rate:.1}/s, ceiling {ceiling:.1}/s (hash {:.1} ms x {} cores), efficiency {efficiency:.3} (target >= 0.95)",
        hash_s * 1000.0,
        cores()
    );
    println!(
        "  per sign-in: hashing threads {:.2} ms, every other server thread {:.2} ms, load generator {:.2} ms",
        hashing_cpu * 1000.0 / n.max(1.0),
        other_cpu * 1000.0 / n.max(1.0),
        client_cpu * 1000.0 / n.max(1.0)
    );
    write_result(cli, "signin", &result)?;
    Ok(())
}
