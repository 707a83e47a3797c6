//! `umbral postal import` of a generated street-level CSV: wall time, rows per second and the
//! importer's peak memory (VmHWM from `/proc/<pid>/status`, read while it runs).

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::Cli;
use crate::common::write_result;

fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub async fn bench_postal(cli: &Cli, lines: u64) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("umbral-bench-postal-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("ceps.csv");
    {
        let mut w = BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "postal_code,street,neighbourhood,city,state")?;
        for i in 0..lines {
            // Distinct eight-digit CEPs, written the usual way (NNNNN-NNN).
            let cep = 10_000_000 + i * 7 % 89_999_999;
            writeln!(
                w,
                "{:05}-{:03},Rua {i} de Exemplo,Bairro {},Cidade {},SP",
                cep / 1000,
                cep % 1000,
                i % 5000,
                i % 700
            )?;
        }
    }
    let size = std::fs::metadata(&csv)?.len();
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("postal.db").display()));
    let bin = std::fs::canonicalize(&cli.bin).with_context(|| format!("{}", cli.bin.display()))?;
    let mut runs = Vec::new();
    for run in 0..2 {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&bin)
            .args([
                "postal",
                "import",
                "--format",
                "csv",
                "--country",
                "BR",
                "--database-url",
                &url,
            ])
            .arg(&csv)
            .env("UMBRAL_LOG_LEVEL", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let pid = child.id().context("no pid")?;
        let mut peak = 0;
        let status = loop {
            if let Some(p) = peak_kib(pid) {
                peak = peak.max(p);
            }
            match tokio::time::timeout(Duration::from_millis(20), child.wait()).await {
                Ok(s) => break s?,
                Err(_) => continue,
            }
        };
        let secs = started.elapsed().as_secs_f64();
        if !status.success() {
            bail!("import failed");
        }
        println!(
            "postal import run {}: {lines} lines ({:.0} MiB) in {secs:.1} s, {:.0} rows/s, peak {:.1} MiB",
            run + 1,
            size as f64 / 1_048_576.0,
            lines as f64 / secs,
            peak as f64 / 1024.0
        );
        runs.push(json!({"seconds": secs, "rows_per_second": lines as f64 / secs, "peak_rss_mib": peak as f64 / 1024.0}));
    }
    let _ = std::fs::remove_dir_all(&dir);
    write_result(
        cli,
        "postal-import",
        &json!({
            "benchmark": "postal-import",
            "lines": lines,
            "file_mib": size as f64 / 1_048_576.0,
            "note": "run 1 fills an empty table; run 2 replaces the same rows (re-import)",
            "runs": runs,
            "machine": crate::common::machine(),
        }),
    )
}
