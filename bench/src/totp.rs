//! Server CPU per TOTP code check at sign-in: the session lookup, the key's decryption, the code
//! comparison and the transaction that uses the step up and marks the session.

use std::time::Instant;

use anyhow::{Result, bail};
use serde_json::{Value, json};
use umbral_core::factors::totp;

use crate::Cli;
use crate::common::{PASSWORD, cpu_seconds, enrolled_session, machine, start, totp_step, write_result};

pub async fn bench_totp(cli: &Cli, users: usize, clients: usize) -> Result<()> {
    // Cheap password hashing: only the second factor is measured here.
    let server = start(
        cli,
        &[
            ("UMBRAL_PASSWORDS_M_COST_KIB", "1024".to_string()),
            ("UMBRAL_PASSWORDS_T_COST", "1".to_string()),
            ("UMBRAL_PASSWORDS_HASH_QUEUE", "4096".to_string()),
        ],
    )
    .await?;
    let c = reqwest::Client::new();
    let base = server.base.clone();
    println!("totp: enrolling {users} users ...");
    let mut keys = Vec::new();
    for i in 0..users {
        let email = format!("totp{i}@example.com");
        let (_, key) = enrolled_session(&c, &base, &email).await?;
        keys.push((email, key));
    }
    // Every user signs in with the password; the sessions wait for their second factor.
    let mut pending = Vec::new();
    for (email, key) in &keys {
        let r: Value = c
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"email": email, "password": PASSWORD, "token": true}))
            .send()
            .await?
            .json()
            .await?;
        if r["next"] != "second_factor" {
            bail!("login: {r}");
        }
        pending.push((
            r["session_token"].as_str().unwrap_or_default().to_string(),
            key.clone(),
        ));
    }
    // One step later than enrollment: within the step of drift allowed, never used before.
    let step = totp_step() + 1;
    println!("totp: checking {} codes ...", pending.len());
    let per_client = pending.len().div_ceil(clients);
    let cpu0 = cpu_seconds(server.pid)?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for chunk in pending.chunks(per_client) {
        let (c, base, chunk) = (c.clone(), base.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for (token, key) in chunk {
                let code = totp::code_at_step(&key, step)?;
                let r = c
                    .post(format!("{base}/api/v1/login/second-factor"))
                    .bearer_auth(&token)
                    .json(&json!({"method": "totp", "code": code}))
                    .send()
                    .await?;
                if r.status() != 200 {
                    bail!(
                        "second factor: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    );
                }
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.pid)? - cpu0;
    let n = pending.len() as f64;
    let us = cpu * 1e6 / n;
    println!(
        "totp: {us:.1} us server CPU per code check, persistence included ({:.0} checks/s, {clients} clients; target <= 100 us)",
        n / elapsed
    );
    let result = json!({
        "benchmark": "totp",
        "machine": machine(),
        "database": if cli.database_url.is_some() { "given" } else { "sqlite" },
        "checks": n, "clients": clients, "seconds": elapsed,
        "checks_per_second": n / elapsed,
        "server_cpu_us_per_check": us, "target_us": 100.0,
    });
    write_result(cli, "totp", &result)?;
    drop(server);
    Ok(())
}
