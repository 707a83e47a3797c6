//! Server CPU per request of the single sign-on endpoints an application calls: the code
//! exchange and the refresh (ID token in RS256 and in ES256; access tokens are ES256), userinfo,
//! introspection and the JWKS, against one RSA-2048 signature measured in the same run.

use std::time::Instant;

use anyhow::{Result, bail};
use serde_json::{Value, json};

use crate::Cli;
use crate::common::{
    REDIRECT, authorized_code, cpu_seconds, enrolled_session, exchange_form, machine, register, start,
    token_request, write_result,
};

/// Runs `per_client` requests on each of `clients` tasks; `make(task, i)` sends one and checks
/// it. Returns the server's CPU microseconds per request.
async fn measure<F, Fut>(pid: u32, clients: usize, per_client: usize, make: F) -> Result<(f64, f64)>
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let cpu0 = cpu_seconds(pid)?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..clients {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                make(task, i).await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let n = (clients * per_client) as f64;
    let secs = t0.elapsed().as_secs_f64();
    Ok(((cpu_seconds(pid)? - cpu0) * 1e6 / n, n / secs))
}

/// One RSA-2048 (PKCS#1 v1.5, SHA-256) signature with aws-lc, the key parsed once: the median
/// of 5 runs of 200.
fn rsa_signature_us() -> Result<f64> {
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    let key = KeyPair::generate(KeySize::Rsa2048).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut sig = vec![0u8; key.public_modulus_len()];
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for i in 0..200u32 {
            key.sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                &i.to_le_bytes(),
                &mut sig,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        runs.push(t.elapsed().as_secs_f64() * 1e6 / 200.0);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[2])
}

pub async fn bench_oidc(cli: &Cli, requests: usize, clients: usize) -> Result<()> {
    let server = start(cli, &[]).await?;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (session, _) = enrolled_session(&c, &server.base, "sso@example.com").await?;
    let base = server.base.clone();
    let per_client = requests / clients;
    let mut figures = serde_json::Map::new();
    let mut last_access = String::new();
    let mut confidential = (String::new(), String::new());
    for alg in ["ES256", "RS256"] {
        let (id, secret) = register(cli, &server.database_url, &format!("Bench {alg}"), Some(alg))?;
        confidential = (id.clone(), secret.clone());
        // Codes first (a signed-in browser's authorize, not measured), in batches a code's
        // 60 s life allows.
        let authorize = format!(
            "{base}/oauth2/authorize?response_type=code&client_id={id}&redirect_uri={REDIRECT}\
             &scope=openid%20profile%20email%20organization&state=s&nonce=n"
        );
        let mut codes = Vec::new();
        for _ in 0..per_client * clients {
            codes.push(authorized_code(&c, &authorize, &session).await?);
        }
        let codes = std::sync::Arc::new(codes);
        let refresh = std::sync::Arc::new(tokio::sync::Mutex::new(vec![String::new(); clients]));
        let access = std::sync::Arc::new(tokio::sync::Mutex::new(String::new()));
        let (cc, url) = (c.clone(), format!("{base}/oauth2/token"));
        let (idc, sc, codes_c, refresh_c, access_c) = (
            id.clone(),
            secret.clone(),
            codes.clone(),
            refresh.clone(),
            access.clone(),
        );
        let (exchange_us, exchange_rate) = measure(server.pid, clients, per_client, move |task, i| {
            let (c, url, id, secret) = (cc.clone(), url.clone(), idc.clone(), sc.clone());
            let code = codes_c[task * per_client + i].clone();
            let (refresh, access) = (refresh_c.clone(), access_c.clone());
            async move {
                let r = token_request(&c, &url, (&id, &secret), &exchange_form(&code)).await?;
                if r.status() != 200 {
                    bail!("exchange: {} {}", r.status(), r.text().await?);
                }
                let t: Value = r.json().await?;
                refresh.lock().await[task] = t["refresh_token"].as_str().unwrap_or("").to_string();
                *access.lock().await = t["access_token"].as_str().unwrap_or("").to_string();
                Ok(())
            }
        })
        .await?;
        let (cc, url, idc, sc, refresh_c) = (
            c.clone(),
            format!("{base}/oauth2/token"),
            id.clone(),
            secret.clone(),
            refresh.clone(),
        );
        let (refresh_us, refresh_rate) = measure(server.pid, clients, per_client, move |task, _| {
            let (c, url, id, secret, refresh) = (
                cc.clone(),
                url.clone(),
                idc.clone(),
                sc.clone(),
                refresh_c.clone(),
            );
            async move {
                let token = refresh.lock().await[task].clone();
                let r = token_request(
                    &c,
                    &url,
                    (&id, &secret),
                    &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                )
                .await?;
                if r.status() != 200 {
                    bail!("refresh: {} {}", r.status(), r.text().await?);
                }
                let t: Value = r.json().await?;
                refresh.lock().await[task] = t["refresh_token"].as_str().unwrap_or("").to_string();
                Ok(())
            }
        })
        .await?;
        println!(
            "oidc {alg}: code exchange {exchange_us:.0} us ({exchange_rate:.0}/s), refresh {refresh_us:.0} us ({refresh_rate:.0}/s) server CPU per request"
        );
        figures.insert(
            alg.to_string(),
            json!({"code_exchange_us": exchange_us, "code_exchanges_per_second": exchange_rate,
                   "refresh_us": refresh_us, "refreshes_per_second": refresh_rate}),
        );
        last_access = access.lock().await.clone();
    }
    let mut simple = serde_json::Map::new();
    for name in ["userinfo", "introspection", "jwks"] {
        let (cc, access, (id, secret)) = (c.clone(), last_access.clone(), confidential.clone());
        let base = base.clone();
        let (us, rate) = measure(server.pid, clients, per_client, move |_, _| {
            let (c, access, id, secret, base) = (
                cc.clone(),
                access.clone(),
                id.clone(),
                secret.clone(),
                base.clone(),
            );
            async move {
                let r = match name {
                    "userinfo" => {
                        c.get(format!("{base}/oauth2/userinfo"))
                            .bearer_auth(&access)
                            .send()
                            .await?
                    }
                    "introspection" => {
                        c.post(format!("{base}/oauth2/introspect"))
                            .basic_auth(&id, Some(&secret))
                            .form(&[("token", access.as_str())])
                            .send()
                            .await?
                    }
                    _ => c.get(format!("{base}/oauth2/jwks")).send().await?,
                };
                if r.status() != 200 {
                    bail!("{name}: {}", r.status());
                }
                let body = r.bytes().await?;
                if name == "introspection" && !String::from_utf8_lossy(&body).contains("\"active\":true") {
                    bail!("introspection: {}", String::from_utf8_lossy(&body));
                }
                Ok(())
            }
        })
        .await?;
        println!("oidc {name}: {us:.1} us server CPU per request ({rate:.0}/s)");
        simple.insert(format!("{name}_us"), json!(us));
    }
    let rsa = rsa_signature_us()?;
    println!(
        "one RSA-2048 signature: {rsa:.0} us (RS256 target: <= {:.0} us)",
        rsa + 250.0
    );
    let result = json!({
        "benchmark": "oidc",
        "machine": machine(),
        "database": if cli.database_url.is_some() { "given" } else { "sqlite" },
        "requests": per_client * clients, "clients": clients,
        "by_id_token_alg": figures,
        "read": simple,
        "rsa2048_signature_us": rsa,
        "targets_us": {"ES256": 250.0, "RS256": rsa + 250.0, "userinfo": 60.0, "introspection": 60.0, "jwks": 30.0},
    });
    write_result(cli, "oidc", &result)?;
    drop(server);
    Ok(())
}
