//! Sign-in under overload: sign-ins are offered at several times the hash ceiling. Other endpoints must
//! keep their latency; sign-ins beyond capacity must be turned away with `503` quickly; memory
//! must stay bounded. Also records how fast the server starts and its idle memory.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;

use crate::Cli;
use umbral_core::policy::HashParams;

use crate::common::{
    PASSWORD, cores, enrolled_session, hash_seconds, machine, percentile, rss_mib, signup, start,
    write_result,
};

pub async fn bench_overload(cli: &Cli, times: f64, seconds: u64) -> Result<()> {
    let started = Instant::now();
    let server = start(cli, &[]).await?;
    let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss, _) = rss_mib(server.pid)?;
    let c = reqwest::Client::new();
    let (token, _) = enrolled_session(&c, &server.base, "probe@example.com").await?;
    let users: Vec<String> = (0..50).map(|i| format!("load{i}@example.com")).collect();
    for u in &users {
        signup(&c, &server.base, u).await?;
    }

    // Offer `times` the hash ceiling of this machine, open loop: one sign-in every 1/rate s.
    let ceiling = cores() as f64 / hash_seconds(HashParams::default())?;
    let rate = ceiling * times;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let outcomes: Arc<Mutex<(Vec<f64>, Vec<f64>)>> = Arc::default();
    let generator = {
        let (c, base, users, outcomes) = (c.clone(), server.base.clone(), users.clone(), outcomes.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
            let mut inflight = Vec::new();
            let mut i = 0usize;
            while Instant::now() < deadline {
                tick.tick().await;
                let (c, base, email, outcomes) = (
                    c.clone(),
                    base.clone(),
                    users[i % users.len()].clone(),
                    outcomes.clone(),
                );
                i += 1;
                inflight.push(tokio::spawn(async move {
                    let t = Instant::now();
                    let r = c
                        .post(format!("{base}/api/v1/login"))
                        .json(&json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    if let Ok(r) = r {
                        let mut o = outcomes.lock().unwrap_or_else(|e| e.into_inner());
                        if r.status() == 503 {
                            o.1.push(ms)
                        } else {
                            o.0.push(ms)
                        }
                    }
                }));
            }
            for t in inflight {
                let _ = t.await;
            }
        })
    };
    // A steady probe of an authenticated endpoint, 50 times a second.
    let mut probe = Vec::new();
    let mut peak_rss: f64 = 0.0;
    let me = format!("{}/api/v1/me", server.base);
    while Instant::now() < deadline {
        let t = Instant::now();
        let r = c.get(&me).bearer_auth(&token).send().await?;
        r.bytes().await?;
        probe.push(t.elapsed().as_secs_f64() * 1000.0);
        peak_rss = peak_rss.max(rss_mib(server.pid)?.0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    generator.await?;
    let (_, hwm) = rss_mib(server.pid)?;
    let (mut ok, mut busy) = std::mem::take(&mut *outcomes.lock().unwrap_or_else(|e| e.into_inner()));
    for v in [&mut ok, &mut busy, &mut probe] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let offered = (ok.len() + busy.len()) as f64 / seconds as f64;
    let served = ok.len() as f64 / seconds as f64;
    let result = json!({
        "benchmark": "overload",
        "machine": machine(),
        "offered_times_ceiling": times, "ceiling_per_second": ceiling, "seconds": seconds,
        "start_ready_ms": ready_ms, "target_start_ms": 300,
        "idle_rss_mib": idle_rss, "target_idle_rss_mib": 40,
        "signin_offered_per_second": offered, "signin_served_per_second": served,
        "signin_p50_ms": percentile(&ok, 0.5), "signin_p99_ms": percentile(&ok, 0.99),
        "busy_503": busy.len(), "busy_503_p99_ms": percentile(&busy, 0.99), "target_503_ms": 100,
        "me_probe_p50_ms": percentile(&probe, 0.5), "me_probe_p99_ms": percentile(&probe, 0.99), "target_p99_ms": 25,
        "rss_peak_mib": peak_rss.max(hwm),
    });
    println!(
        "overload: offered {offered:.0}/s, served {served:.0}/s; /me p99 {:.1} ms (target <= 25); 503 p99 {:.1} ms (target <= 100); ready in {ready_ms:.0} ms; idle RSS {idle_rss:.1} MiB, peak {:.1} MiB",
        percentile(&probe, 0.99),
        percentile(&busy, 0.99),
        peak_rss.max(hwm)
    );
    write_result(cli, "overload", &result)?;
    Ok(())
}
