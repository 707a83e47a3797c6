//! A crowd signing in at once, within the machine's capacity: with admission by expected wait
//! (`passwords.max_wait_ms`) none of it should get `503`. Closed loop: each client sends its next
//! sign-in when the last one is answered. `--queue N` reproduces the earlier admission by a count
//! of queued hashes (2 x workers was the default) on the same binary, for a before/after.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;
use tokio::sync::Mutex;

use crate::common::{PASSWORD, machine, signup, start, write_result};
use crate::{Cli, raw};

pub async fn bench_burst(cli: &Cli, clients: usize, seconds: u64, queue: Option<usize>) -> Result<()> {
    let mut env = Vec::new();
    if let Some(q) = queue {
        env.push(("UMBRAL_PASSWORDS_HASH_QUEUE", q.to_string()));
        // Admission by count only: no wait is too long.
        env.push(("UMBRAL_PASSWORDS_MAX_WAIT_MS", "600000".to_string()));
    }
    let server = start(cli, &env).await?;
    let c = reqwest::Client::new();
    let emails: Vec<String> = (0..clients).map(|i| format!("crowd{i}@example.com")).collect();
    for e in &emails {
        signup(&c, &server.base, e).await?;
    }
    // Each client signs in as its own user: the account limit counts attempts, not the load.
    let answers: Arc<Mutex<Vec<(u16, Duration)>>> = Arc::default();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for e in &emails {
        let request = raw::post_json(
            &server.base,
            "/api/v1/login",
            &json!({"email": e, "password": PASSWORD}),
        );
        let mut conn = raw::RawConn::new(&server.base);
        let answers = answers.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let t = Instant::now();
                let status = conn.send(&request).await.unwrap_or(0);
                answers.lock().await.push((status, t.elapsed()));
                if status == 503 {
                    // A client told to retry soon, as a browser's script would.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    drop(server);
    let answers = answers.lock().await.clone();
    let total = answers.len() as f64;
    let ok = answers.iter().filter(|a| a.0 == 200).count() as f64;
    let busy = answers.iter().filter(|a| a.0 == 503).count() as f64;
    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.1).collect();
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    let result = json!({
        "benchmark": "burst",
        "machine": machine(),
        "clients": clients, "seconds": seconds,
        "admission": match queue { Some(q) => format!("count (hash_queue = {q})"), None => "expected wait (max_wait_ms = 1000)".to_string() },
        "answers": total, "signins_per_second": ok / seconds as f64,
        "share_503": busy / total, "p50_ms": p(0.5), "p99_ms": p(0.99),
    });
    println!(
        "burst: {clients} clients, {}: {:.1} sign-ins/s, {:.1}% 503, p50 {:.0} ms, p99 {:.0} ms",
        result["admission"].as_str().unwrap_or_default(),
        ok / seconds as f64,
        busy / total * 100.0,
        p(0.5),
        p(0.99)
    );
    let admission = if queue.is_some() { "count" } else { "wait" };
    write_result(cli, &format!("burst-{clients}-{admission}"), &result)
}
