//! Two builds of the server, one benchmark, runs interleaved (A, B, B, A, A, B, ...: each goes
//! first as often as the other, since the run after another measures differently on a shared
//! machine) so that the machine's drift falls on both alike; prints each figure's medians, the
//! ratio B / A and the spread of each side. Each run is this program again, on a fresh SQLite
//! file.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::Cli;

/// The figures of a result: its top-level numbers, but the settings of the run.
fn figures(result: &Value) -> Vec<(String, f64)> {
    const SETTINGS: &[&str] = &[
        "clients",
        "users",
        "requests",
        "sign_ins",
        "checks",
        "seconds",
        "target_us",
    ];
    let Some(map) = result.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| !SETTINGS.contains(&k.as_str()) && !k.starts_with("target"))
        .filter_map(|(k, v)| v.as_f64().map(|n| (k.clone(), n)))
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One run of `bench` with `bin`; its JSON result.
fn run_once(bin: &Path, bench: &[String], out: &Path) -> Result<Value> {
    let me = std::env::current_exe()?;
    let status = Command::new(me)
        .arg("--bin")
        .arg(bin)
        .arg("--out")
        .arg(out)
        .args(bench)
        .status()
        .context("running the benchmark")?;
    if !status.success() {
        bail!("{} {}: {status}", bin.display(), bench.join(" "));
    }
    let file = std::fs::read_dir(out)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .context("the benchmark wrote no result")?;
    Ok(serde_json::from_str(&std::fs::read_to_string(file)?)?)
}

pub fn compare(cli: &Cli, a: &Path, b: &Path, runs: usize, bench: &[String]) -> Result<()> {
    if cli.database_url.is_some() {
        bail!("compare runs each benchmark on a fresh SQLite file; --database-url is not used here");
    }
    if bench.is_empty() {
        bail!("name the benchmark to compare, e.g. `compare --a OLD --b NEW me --requests 5000`");
    }
    let scratch: PathBuf = std::env::temp_dir().join(format!("umbral-compare-{}", std::process::id()));
    let mut results: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
    for i in 0..runs {
        let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let bin = [a, b][side];
            let out = scratch.join(format!("{i}-{side}"));
            std::fs::create_dir_all(&out)?;
            eprintln!("compare: run {} of {runs}, {}", i + 1, ["A", "B"][side]);
            results[side].push(run_once(bin, bench, &out)?);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "{} interleaved runs of `{}`: A = {}, B = {}",
        runs,
        bench.join(" "),
        a.display(),
        b.display()
    );
    println!(
        "{:<36} {:>12} {:>12} {:>8}   spread A / spread B",
        "figure", "A (median)", "B (median)", "B / A"
    );
    for (name, _) in figures(&results[0][0]) {
        let mut side: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for (s, list) in results.iter().enumerate() {
            side[s] = list
                .iter()
                .filter_map(|r| figures(r).into_iter().find(|(k, _)| *k == name).map(|(_, v)| v))
                .collect();
        }
        if side[0].is_empty() || side[1].is_empty() {
            continue;
        }
        let spread = |v: &[f64]| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{lo:.1}-{hi:.1}")
        };
        let (sa, sb) = (spread(&side[0]), spread(&side[1]));
        let (ma, mb) = (median(&mut side[0]), median(&mut side[1]));
        let ratio = if ma != 0.0 { mb / ma } else { f64::NAN };
        println!("{name:<36} {ma:>12.1} {mb:>12.1} {ratio:>8.3}   {sa} / {sb}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_leave_the_settings_and_texts_out() {
        let r = serde_json::json!({
            "benchmark": "me", "clients": 8, "requests": 100, "target_us": 60.0,
            "server_cpu_us_per_request": 17.5, "requests_per_second": 900.0, "machine": {"cores": 2},
        });
        let mut f = figures(&r);
        f.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            f,
            vec![
                ("requests_per_second".to_string(), 900.0),
                ("server_cpu_us_per_request".to_string(), 17.5)
            ]
        );
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
