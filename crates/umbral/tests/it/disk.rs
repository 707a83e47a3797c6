//! A full disk under the SQLite file: writes fail while it is full, `/readyz` says so, and once
//! space returns every acknowledged write is stored and sign-ups and sign-ins work again without
//! a restart (quality.md, Reliability).
//!
//! The test mounts a small tmpfs of its own, which needs root. Where it cannot, it says so and
//! stops; under `CI=true` that is a failure, never a silent skip.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use serde_json::json;
use sqlx::{AnyPool, Row};

use crate::support::{PASSWORD, serve, signup_body, temp_dir};

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let ok = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var("CI").is_err(),
                "could not mount a tmpfs for the full-disk test (it needs root); CI must run it"
            );
            eprintln!("skipped: could not mount a tmpfs (the full-disk test needs root)");
            return None;
        }
        Some(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes a file until the disk refuses more; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 4096];
        loop {
            if f.write_all(&block).and_then(|_| f.sync_all()).is_err() {
                break;
            }
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount").arg("-l").arg(&self.dir).status();
    }
}

#[tokio::test]
async fn a_full_disk_loses_nothing_acknowledged_and_writes_work_again_once_space_returns() {
    let dir = temp_dir("disk");
    let Some(disk) = SmallDisk::mount(&dir, "6m") else {
        std::fs::remove_dir_all(dir).unwrap();
        return;
    };
    let url = format!("sqlite://{}", dir.join("umbral.db").display());
    // Every failed write logs an error; they are expected here.
    let mut server = serve(&dir, &url, &[("UMBRAL_LOG_LEVEL", "off")], true).await;
    let c = reqwest::Client::new();
    let base = server.base.clone();
    let signup = |email: String| {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.post(format!("{base}/api/v1/signup"))
                .json(&signup_body(&email))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let signin = |email: String| {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.post(format!("{base}/api/v1/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let ready = || {
        let c = c.clone();
        let base = base.clone();
        async move {
            c.get(format!("{base}/readyz"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    let mut acked = Vec::new();
    for i in 0..5 {
        let email = format!("before-{i}@example.com");
        assert_eq!(signup(email.clone()).await, 201);
        acked.push(email);
    }

    // Fill the disk, then keep writing: some writes fail, and none of them may be acknowledged
    // without being stored.
    let filler = disk.fill();
    let mut refused = 0;
    for i in 0..40 {
        let email = format!("full-{i}@example.com");
        match signup(email.clone()).await {
            201 => acked.push(email),
            s => {
                assert!(s >= 500, "a sign-up on a full disk answered {s}");
                refused += 1;
            }
        }
        let _ = signin(acked[0].clone()).await;
    }
    assert!(refused > 0, "the disk never filled up");
    // The readiness check takes a real write, at most once a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ready().await, 503, "/readyz said ready on a full disk");

    // Space returns: writes work again, without a restart.
    std::fs::remove_file(filler).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ready().await, 200, "/readyz stayed unready once space returned");
    for i in 0..10 {
        let email = format!("after-{i}@example.com");
        assert_eq!(
            signup(email.clone()).await,
            201,
            "sign-up after the disk was freed"
        );
        acked.push(email);
    }
    for email in &acked {
        assert_eq!(
            signin(email.clone()).await,
            200,
            "{email} was acknowledged but cannot sign in"
        );
    }

    // A clean stop, then another reader sees every acknowledged sign-up.
    let pid = server.child.id().unwrap().to_string();
    assert!(
        StdCommand::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(server.child.wait().await.unwrap().success(), "no clean stop");
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    for email in &acked {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(n, 1, "{email} was acknowledged and is not stored");
    }
    pool.close().await;
    drop(disk);
    std::fs::remove_dir_all(dir).unwrap();
}
