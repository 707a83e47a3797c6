//! `umbral-bench seed`: a database the size of a grown installation, filled in bulk.
//!
//! The rows are made by the database itself (one `INSERT ... SELECT` per table over a range of
//! numbers), a chunk of users per transaction, so a million users take a minute or two rather
//! than the hours a million sign-ups through the API would. Proportions: every user confirmed,
//! one organization for every four users (the first its owner), six users in ten with an
//! authenticator app, one live session for every two users, three audit events per user, and a
//! refresh token of an application for every four users. Seeded accounts cannot sign in (their
//! password hash matches no password); benchmarks make their own users beside them.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

use crate::Cli;

/// A well-formed argon2id hash that matches no password anyone knows.
const NO_PASSWORD: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkLXVzZXJzLXNhbHQ$\
                           K1ZvbXhJbnRoZVNlZWRlZFVzZXJzSGFzaE5vUGFzc3c";
/// Users per transaction; a multiple of four, so that an organization's users share a chunk.
const CHUNK: u64 = 50_000;
/// Seeded rows' times: before now, one second apart per user.
const BASE_MS: i64 = 1_764_547_200_000;

/// The statements that fill one chunk of users `[lo, hi]`, each over the same range.
fn statements(lo: u64, hi: u64) -> Vec<String> {
    let n = format!("WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {hi})");
    let id = |prefix: &str, expr: &str| format!("'{prefix}' || CAST({expr} AS TEXT)");
    let at = format!("({BASE_MS} + i * 1000)");
    let user = id("seed-u", "i");
    // Users 1-4 share organization 0, whose owner is user 1; 5-8 organization 1; ...
    let org = id("seed-o", "((i - 1) / 4)");
    vec![
        format!(
            "{n} INSERT INTO users (id, email, email_key, name, phone, password_hash, locale, status, \
             email_confirmed_at, terms_version, terms_accepted_at, terms_ip, created_at, updated_at, \
             mfa_enabled, security_epoch, is_staff) \
             SELECT {user}, {email}, {email}, 'Seeded Person ' || CAST(i AS TEXT), '+5491100' || CAST(i AS TEXT), \
             '{NO_PASSWORD}', CASE i % 3 WHEN 0 THEN 'es' WHEN 1 THEN 'en' ELSE 'pt-BR' END, 'active', \
             {at}, '2026-01', {at}, '203.0.113.7', {at}, {at}, CASE WHEN i % 10 < 6 THEN 1 ELSE 0 END, 0, 0 FROM n",
            email = format!("'seed' || CAST(i AS TEXT) || '@example.com'"),
        ),
        format!(
            "{n} INSERT INTO organizations (id, name, single_session, created_at, mfa_policy, owner_epoch, setup, plan_choice) \
             SELECT {org}, 'Seeded Company ' || CAST(i AS TEXT), NULL, {at}, NULL, 0, 'ready', 'starter' \
             FROM n WHERE (i - 1) % 4 = 0"
        ),
        format!(
            "{n} INSERT INTO memberships (org_id, user_id, role, created_at) \
             SELECT {org}, {user}, CASE WHEN (i - 1) % 4 = 0 THEN 'owner' ELSE 'member' END, {at} FROM n"
        ),
        format!(
            "{n} INSERT INTO factors (id, user_id, kind, phone, secret_sealed, created_at, confirmed_at, last_used_at, last_step) \
             SELECT {fid}, {user}, 'totp', NULL, 'sealed-nothing', {at}, {at}, NULL, NULL FROM n WHERE i % 10 < 6",
            fid = id("seed-f", "i"),
        ),
        format!(
            "{n} INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ended_at, end_reason, \
             ip, user_agent, mfa_at, mfa_method, first_factor) \
             SELECT {sid}, {user}, {at}, {at}, {at} + 2592000000, NULL, NULL, '203.0.113.7', 'seed', NULL, NULL, 'password' \
             FROM n WHERE i % 2 = 0",
            sid = id("seed-s", "i"),
        ),
        format!(
            "{n} INSERT INTO audit_events (id, at, event, actor_user_id, subject_user_id, org_id, ip, user_agent, details) \
             SELECT {aid}, {at} + k, CASE k WHEN 1 THEN 'user.signed_up' WHEN 2 THEN 'session.started' \
             ELSE 'mfa.challenge_passed' END, {user}, {user}, {org}, '203.0.113.7', 'seed', '' \
             FROM n, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) ks",
            aid = format!("{} || '-' || CAST(k AS TEXT)", id("seed-a", "i")),
        ),
        format!(
            "{n} INSERT INTO oidc_refresh_tokens (token_hash, family_id, client_id, user_id, session_id, grant_json, \
             created_at, expires_at, used_at, successor_hash, successor_sealed, revoked_at) \
             SELECT {rid}, {rid}, 'seed-app', {user}, {sid}, '{{}}', {at}, {at} + 2592000000, NULL, NULL, NULL, NULL \
             FROM n WHERE i % 4 = 0",
            rid = id("seed-r", "i"),
            sid = id("seed-s", "i"),
        ),
    ]
}

/// Fills the database of `--database-url` (migrated first by `umbral migrate`) with `users`
/// seeded users and what goes with them, printing progress.
pub async fn seed(cli: &Cli, users: u64) -> Result<()> {
    let Some(url) = cli.database_url.as_deref() else {
        bail!("seed needs --database-url (sqlite:///path/file.db or postgres://...)");
    };
    let status = std::process::Command::new(&cli.bin)
        .args(["migrate", "--database-url", url])
        .status()
        .with_context(|| format!("cannot run {}", cli.bin.display()))?;
    if !status.success() {
        bail!("umbral migrate failed");
    }
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    let sqlite = url.starts_with("sqlite:");
    if sqlite {
        // A seed that a crash interrupts is made again; no need to wait for the disk.
        sqlx::raw_sql("PRAGMA synchronous = OFF")
            .execute(&mut conn)
            .await?;
    }
    let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id LIKE 'seed-u%'")
        .fetch_one(&mut conn)
        .await?;
    if already > 0 {
        bail!("this database holds {already} seeded users already; seed a fresh one");
    }
    let started = Instant::now();
    let mut lo = 1;
    while lo <= users {
        let hi = (lo + CHUNK - 1).min(users);
        let mut tx = conn.begin().await?;
        for sql in statements(lo, hi) {
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "seeded {hi} of {users} users ({:.0}%) in {secs:.1} s, {:.0} users/s",
            hi as f64 * 100.0 / users as f64,
            hi as f64 / secs.max(0.001)
        );
        lo = hi + 1;
    }
    if !sqlite {
        sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
    } else {
        sqlx::raw_sql("PRAGMA optimize").execute(&mut conn).await?;
    }
    println!(
        "seeded {users} users, {} organizations, {} authenticator apps, {} live sessions, {} audit events, {} refresh tokens in {:.1} s",
        users / 4,
        users * 6 / 10,
        users / 2,
        users * 3,
        users / 4,
        started.elapsed().as_secs_f64()
    );
    conn.close().await?;
    Ok(())
}
