//! argon2id on a bounded pool of threads sized to the cores, never on the async workers.
//!
//! When the queue is full the pool answers `Overloaded` at once, so that sign-ins beyond capacity
//! get `503` with `Retry-After` instead of waiting in an unbounded queue, and the rest of the
//! server stays fast.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::oneshot;

use crate::error::CoreError;
use crate::policy::HashParams;
use crate::secrets;
use crate::types::Password;

/// The result of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Right password; `rehash` when it was hashed with other parameters than today's.
    Yes {
        rehash: bool,
    },
    No,
}

enum Job {
    Hash(String, oneshot::Sender<Result<String, CoreError>>),
    Verify(String, String, oneshot::Sender<Result<Verified, CoreError>>),
}

pub struct PasswordHasherPool {
    tx: SyncSender<Job>,
    params: HashParams,
    workers: usize,
    /// Verified for unknown users so that they cost the same time as known ones.
    dummy_hash: String,
}

fn argon(params: HashParams) -> Result<Argon2<'static>, CoreError> {
    let p = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, None)
        .map_err(|e| CoreError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// Hashes one password on the calling thread (used by the pool and by benchmarks).
pub fn hash_now(params: HashParams, password: &str) -> Result<String, CoreError> {
    let mut salt = [0u8; 16];
    secrets::fill_random(&mut salt)?;
    argon(params)?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("argon2: {e}")))
}

/// Verifies one password on the calling thread.
pub fn verify_now(params: HashParams, password: &str, stored: &str) -> Result<Verified, CoreError> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(Verified::No);
    };
    let a = argon(params)?;
    if a.verify_password(password.as_bytes(), &parsed).is_err() {
        return Ok(Verified::No);
    }
    let same = Params::try_from(&parsed).is_ok_and(|p| {
        p.m_cost() == params.m_cost_kib && p.t_cost() == params.t_cost && p.p_cost() == params.p_cost
    }) && parsed.algorithm.as_str() == "argon2id";
    Ok(Verified::Yes { rehash: !same })
}

fn worker(rx: Arc<Mutex<Receiver<Job>>>, params: HashParams) {
    loop {
        let job = {
            let Ok(guard) = rx.lock() else { return };
            match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        match job {
            Job::Hash(pw, reply) => {
                let _ = reply.send(hash_now(params, &pw));
            }
            Job::Verify(pw, stored, reply) => {
                let _ = reply.send(verify_now(params, &pw, &stored));
            }
        }
    }
}

impl PasswordHasherPool {
    /// `workers` threads and room for `queue` waiting jobs.
    pub fn new(params: HashParams, workers: usize, queue: usize) -> Result<Self, CoreError> {
        let workers = workers.max(1);
        let (tx, rx) = sync_channel(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("umbral-hash-{i}"))
                .spawn(move || worker(rx, params))
                .map_err(|e| CoreError::Internal(format!("hash worker: {e}")))?;
        }
        let dummy_hash = hash_now(params, &secrets::new_token()?)?;
        Ok(Self {
            tx,
            params,
            workers,
            dummy_hash,
        })
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    fn submit(&self, job: Job) -> Result<(), CoreError> {
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                metrics_overloaded();
                Err(CoreError::Overloaded { retry_after_secs: 1 })
            }
            Err(TrySendError::Disconnected(_)) => Err(CoreError::Internal("hash pool stopped".into())),
        }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, CoreError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Job::Hash(password.expose().to_string(), tx))?;
        rx.await
            .map_err(|_| CoreError::Internal("hash worker vanished".into()))?
    }

    /// Verifies against `stored`, or against a dummy hash when there is none, so that the answer
    /// takes the same time either way.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> Result<Verified, CoreError> {
        let (tx, rx) = oneshot::channel();
        let target = stored.unwrap_or(&self.dummy_hash).to_string();
        self.submit(Job::Verify(password.expose().to_string(), target, tx))?;
        let v = rx
            .await
            .map_err(|_| CoreError::Internal("hash worker vanished".into()))??;
        Ok(if stored.is_some() { v } else { Verified::No })
    }
}

fn metrics_overloaded() {
    tracing::warn!(target: "umbral::hash", "password hashing queue full; answering 503");
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: HashParams = HashParams {
        m_cost_kib: 256,
        t_cost: 1,
        p_cost: 1,
    };

    #[tokio::test]
    async fn hash_and_verify() {
        let pool = PasswordHasherPool::new(FAST, 1, 4).unwrap();
        let pw = Password::for_sign_in("correct horse battery staple").unwrap();
        let h = pool.hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=256,t=1,p=1$"));
        assert_eq!(
            pool.verify(&pw, Some(&h)).await.unwrap(),
            Verified::Yes { rehash: false }
        );
        let wrong = Password::for_sign_in("wrong horse battery staple").unwrap();
        assert_eq!(pool.verify(&wrong, Some(&h)).await.unwrap(), Verified::No);
        assert_eq!(pool.verify(&pw, None).await.unwrap(), Verified::No);
        assert_eq!(pool.verify(&pw, Some("not a hash")).await.unwrap(), Verified::No);
    }

    #[tokio::test]
    async fn old_parameters_ask_for_rehash() {
        let old = hash_now(FAST, "correct horse battery staple").unwrap();
        let pool = PasswordHasherPool::new(
            HashParams {
                m_cost_kib: 512,
                ..FAST
            },
            1,
            4,
        )
        .unwrap();
        let pw = Password::for_sign_in("correct horse battery staple").unwrap();
        assert_eq!(
            pool.verify(&pw, Some(&old)).await.unwrap(),
            Verified::Yes { rehash: true }
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_queue_answers_overloaded_at_once() {
        let slow = HashParams {
            m_cost_kib: 19_456,
            t_cost: 4,
            p_cost: 1,
        };
        let pool = Arc::new(PasswordHasherPool::new(slow, 1, 1).unwrap());
        let pw = Password::for_sign_in("correct horse battery staple").unwrap();
        let mut handles = Vec::new();
        for _ in 0..6 {
            let pool = pool.clone();
            let pw = pw.clone();
            handles.push(tokio::spawn(async move { pool.hash(&pw).await }));
        }
        let mut overloaded = 0;
        for h in handles {
            if let Err(CoreError::Overloaded { .. }) = h.await.unwrap() {
                overloaded += 1;
            }
        }
        assert!(overloaded >= 3, "only {overloaded} refused");
    }
}
