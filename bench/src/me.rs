//! Server CPU per authenticated request.

use std::time::Instant;

use anyhow::{Result, bail};
use serde_json::json;

use crate::Cli;
use crate::common::{cpu_seconds, enrolled_session, machine, start, write_result};

pub async fn bench_me(cli: &Cli, requests: usize, clients: usize, path: &str) -> Result<()> {
    let server = start(cli, &[]).await?;
    let c = reqwest::Client::new();
    let (token, _) = enrolled_session(&c, &server.base, "me@example.com").await?;
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
    write_result(cli, &name, &result)?;
    drop(server);
    Ok(())
}
