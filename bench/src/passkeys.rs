//! Server CPU per passkey assertion at sign-in (a sign-in without a password): the ceremony
//! taken, the credential read, the WebAuthn checks (signature, origin, flags, counter), the
//! counter written and the session started. The options and the authenticator's signatures are
//! made before the measured part.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

use crate::Cli;
use crate::common::{confirmed_session, cpu_seconds, machine, start, write_result};

/// Any 32 characters: the form's token must equal the cookie's.
const CSRF: &str = "benchbenchbenchbenchbenchbench00";

async fn options(c: &reqwest::Client, url: String, cookie: &str) -> Result<Value> {
    let r = c
        .post(url)
        .header(COOKIE, cookie)
        .form(&[("csrf_token", CSRF)])
        .send()
        .await?;
    if r.status() != 200 {
        bail!("options: {} {}", r.status(), r.text().await.unwrap_or_default());
    }
    Ok(r.json().await?)
}

fn answer(ceremony: &Value, credential: Value) -> String {
    json!({"ceremony": ceremony, "credential": credential}).to_string()
}

/// What the WebAuthn checks of one assertion cost alone, in this process (medians of `n`, us):
/// Umbral's (the credential read from its JSON, then `assertion::check`, ADR 0017), the
/// library's it replaced (its state and the credential read, `finish_discoverable_authentication_v2`)
/// and, for comparison, aws-lc's check of the same P-256 signature alone.
fn checks_alone(n: usize) -> Result<(f64, f64, f64)> {
    let origin = Url::parse("http://localhost:8080")?;
    let rp = webauthn_rs::prelude::WebauthnBuilder::new("localhost", &origin)?.build()?;
    let mut key = SoftPasskey::new(true);
    let user = webauthn_rs::prelude::Uuid::from_bytes([7; 16]);
    let (ccr, reg_state) = rp.start_passkey_registration(user, "a@example.com", "A", None)?;
    let reg = key
        .do_registration(origin.clone(), ccr)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let passkey = rp.finish_passkey_registration(&reg, &reg_state)?;
    let stored = serde_json::to_string(&passkey)?;
    let point = match &passkey.get_public_key().key {
        webauthn_rs::prelude::COSEKeyType::EC_EC2(k) => [&[4u8][..], &k.x, &k.y].concat(),
        _ => bail!("not a P-256 key"),
    };
    let verifier =
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1, point);
    let expected = umbral_core::factors::passkey::relying_party(origin.as_str(), "Bench")
        .map_err(|e| anyhow::anyhow!(e))?
        .expected;
    let mut ours = Vec::with_capacity(n);
    let mut times = Vec::with_capacity(n);
    let mut aws = Vec::with_capacity(n);
    for _ in 0..n {
        let (rcr, state) = rp.start_discoverable_authentication()?;
        let challenge = rcr.public_key.challenge.clone();
        let mut o = serde_json::to_value(&rcr)?;
        o["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": reg.id}]);
        let rcr: RequestChallengeResponse = serde_json::from_value(o)?;
        let state_json = serde_json::to_string(&state)?;
        let answer = key
            .do_authentication(origin.clone(), rcr)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t = Instant::now();
        let cred = webauthn_rs::prelude::Credential::from(serde_json::from_str::<
            webauthn_rs::prelude::Passkey,
        >(&stored)?);
        let registered = umbral_core::factors::assertion::Registered {
            credential: &cred,
            backup_eligible: cred.backup_eligible,
        };
        umbral_core::factors::assertion::check(&expected, &challenge, registered, &answer)
            .map_err(|e| anyhow::anyhow!("Umbral refused the assertion: {e:?}"))?;
        ours.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let state: webauthn_rs::prelude::DiscoverableAuthentication = serde_json::from_str(&state_json)?;
        let cred: webauthn_rs::prelude::Passkey = serde_json::from_str(&stored)?;
        rp.finish_discoverable_authentication_v2(&answer, state, &cred)?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
        let r = &answer.response;
        let t = Instant::now();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &r.client_data_json);
        let signed = [&r.authenticator_data[..], digest.as_ref()].concat();
        verifier
            .verify(&signed, &r.signature)
            .map_err(|_| anyhow::anyhow!("aws-lc refused the signature"))?;
        aws.push(t.elapsed().as_secs_f64() * 1e6);
    }
    for v in [&mut ours, &mut times, &mut aws] {
        v.sort_by(f64::total_cmp);
    }
    Ok((ours[n / 2], times[n / 2], aws[n / 2]))
}

pub async fn bench_passkeys(cli: &Cli, users: usize, rounds: usize, clients: usize) -> Result<()> {
    let (alone, library, aws) = checks_alone(200)?;
    println!(
        "passkeys: the WebAuthn checks alone: {alone:.1} us (webauthn-rs's: {library:.1} us); aws-lc's P-256 check of the same signature: {aws:.1} us (medians of 200, one thread)"
    );
    let server = start(
        cli,
        &[
            ("UMBRAL_PASSWORDS_M_COST_KIB", "1024".to_string()),
            ("UMBRAL_PASSWORDS_T_COST", "1".to_string()),
        ],
    )
    .await?;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = server.base.clone();
    // The relying party is the default public_url: localhost and the port.
    let origin = Url::parse(&base.replace("127.0.0.1", "localhost"))?;
    let mut key = SoftPasskey::new(true);
    println!("passkeys: {users} users add a passkey ...");
    let mut per_user = Vec::new();
    for i in 0..users {
        let token = confirmed_session(&c, &base, &format!("passkey{i}@example.com")).await?;
        let cookie = format!("umbral_session={token}; umbral_csrf={CSRF}");
        let o = options(&c, format!("{base}/passkeys/register/options"), &cookie).await?;
        let ccr: CreationChallengeResponse = serde_json::from_value(o["options"].clone())?;
        let reg = key
            .do_registration(origin.clone(), ccr)
            .map_err(|e| anyhow::anyhow!("registration: {e:?}"))?;
        let id = reg.id.clone();
        let r = c
            .post(format!("{base}/two-factor/passkey"))
            .header(COOKIE, &cookie)
            .form(&[
                ("csrf_token", CSRF),
                ("name", "Bench"),
                ("passkey", &answer(&o["ceremony"], json!(reg))),
            ])
            .send()
            .await?;
        if r.status() != 303 {
            bail!("add: {} {}", r.status(), r.text().await.unwrap_or_default());
        }
        per_user.push(id);
    }
    // Every sign-in's options and signature, in each user's counter order.
    println!("passkeys: preparing {} sign-ins ...", users * rounds);
    let cookie = format!("umbral_csrf={CSRF}");
    let mut prepared: Vec<Vec<String>> = vec![Vec::new(); users];
    for _ in 0..rounds {
        for (i, id) in per_user.iter().enumerate() {
            let mut o = options(&c, format!("{base}/login/passkey/options"), &cookie).await?;
            o["options"]["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": id}]);
            let rcr: RequestChallengeResponse = serde_json::from_value(o["options"].clone())?;
            let cred = key
                .do_authentication(origin.clone(), rcr)
                .map_err(|e| anyhow::anyhow!("assertion: {e:?}"))?;
            prepared[i].push(answer(&o["ceremony"], json!(cred)));
        }
    }
    let n = users * rounds;
    println!("passkeys: {n} sign-ins with a passkey alone ...");
    let per_client = users.div_ceil(clients);
    let cpu0 = cpu_seconds(server.pid)?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for chunk in prepared.chunks(per_client) {
        let (c, base, chunk) = (c.clone(), base.clone(), chunk.to_vec());
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            for answers in chunk {
                for a in answers {
                    let r = c
                        .post(format!("{base}/login/passkey"))
                        .header(COOKIE, &cookie)
                        .form(&[("csrf_token", CSRF), ("passkey", a.as_str())])
                        .send()
                        .await
                        .context("sign-in")?;
                    if r.status() != 303 {
                        bail!("sign-in: {} {}", r.status(), r.text().await.unwrap_or_default());
                    }
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
    let us = cpu * 1e6 / n as f64;
    println!(
        "passkeys: {us:.1} us server CPU per passkey sign-in, persistence included ({:.0} sign-ins/s, {clients} clients; target <= 150 us)",
        n as f64 / elapsed
    );
    let result = json!({
        "benchmark": "passkeys",
        "machine": machine(),
        "database": if cli.database_url.is_some() { "given" } else { "sqlite" },
        "sign_ins": n, "clients": clients, "seconds": elapsed,
        "sign_ins_per_second": n as f64 / elapsed,
        "server_cpu_us_per_sign_in": us, "target_us": 150.0,
        "webauthn_checks_alone_us": alone,
        "webauthn_rs_checks_alone_us": library,
        "aws_lc_p256_verify_us": aws,
    });
    write_result(cli, "passkeys", &result)?;
    drop(server);
    Ok(())
}
