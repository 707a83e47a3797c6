//! `umbral-bench console`: how long the staff console's searches take on a grown database
//! (`umbral-bench seed` first): the user search and the audit log's pages and filters, through
//! the store the server uses, each the median and the slowest of 15 runs.

use std::time::Instant;

use anyhow::{Result, bail};
use serde_json::json;
use umbral_core::audit::AuditFilter;
use umbral_core::ports::{AuditStore, DirectoryStore};
use umbral_testkit::umbral_store::SqlStore;

use crate::Cli;
use crate::common::{machine, percentile, write_result};

const RUNS: usize = 15;
/// The seeded audit events' times (`seed.rs`): user i's at BASE + i seconds.
const BASE_MS: i64 = 1_764_547_200_000;

async fn timed<F, Fut, T>(f: F) -> Result<(f64, f64, usize)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>>>,
{
    let mut ms = Vec::new();
    let mut n = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        n = f().await?.len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), ms[ms.len() - 1], n))
}

pub async fn bench_console(cli: &Cli) -> Result<()> {
    let Some(url) = cli.database_url.as_deref() else {
        bail!("console needs --database-url of a seeded database");
    };
    let store = SqlStore::connect(url, 4).await?;
    let mut figures = serde_json::Map::new();
    let mut slowest: f64 = 0.0;
    let users = [
        ("the newest users", ""),
        ("a full email", "seed123456@example.com"),
        ("part of a name", "person 98765"),
        ("what most users have", "example"),
        ("nobody", "nobody-at-all"),
        ("two letters", "zz"),
    ];
    for (what, q) in users {
        let (median, max, n) = timed(|| async { Ok(store.search_users(q, None, 50).await?) }).await?;
        println!("user search, {what} ({q:?}): median {median:.1} ms, slowest {max:.1} ms, {n} users");
        slowest = slowest.max(max);
        figures.insert(
            format!("users: {what}"),
            json!({"median_ms": median, "max_ms": max, "found": n}),
        );
    }
    let middle = BASE_MS + 500_000 * 1000;
    let audits: [(&str, AuditFilter); 6] = [
        ("first page", AuditFilter::default()),
        (
            "a page deep in the log",
            AuditFilter {
                before: Some((middle, "seed-a500000-1".into())),
                ..Default::default()
            },
        ),
        (
            "one user's",
            AuditFilter {
                user_id: Some("seed-u500000".into()),
                ..Default::default()
            },
        ),
        (
            "one organization's",
            AuditFilter {
                org_id: Some("seed-o100000".into()),
                ..Default::default()
            },
        ),
        (
            "a common event",
            AuditFilter {
                event: Some("session.".into()),
                ..Default::default()
            },
        ),
        (
            "an event nobody had",
            AuditFilter {
                event: Some("staff.".into()),
                ..Default::default()
            },
        ),
    ];
    for (what, filter) in &audits {
        let (median, max, n) = timed(|| async { Ok(store.list_audit(filter, 50).await?) }).await?;
        println!("audit log, {what}: median {median:.1} ms, slowest {max:.1} ms, {n} events");
        slowest = slowest.max(max);
        figures.insert(
            format!("audit: {what}"),
            json!({"median_ms": median, "max_ms": max, "found": n}),
        );
    }
    println!("console: slowest of all {slowest:.1} ms (target <= 50 ms)");
    let result = json!({
        "benchmark": "console", "machine": machine(), "runs": RUNS,
        "figures": figures, "slowest_ms": slowest, "target_ms": 50.0,
    });
    write_result(cli, "console", &result)?;
    store.close().await;
    Ok(())
}
