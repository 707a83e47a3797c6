//! argon2id on a bounded pool of threads sized to the cores, never on the async workers.
//!
//! Admission is by expected wait, not by a count: a job is refused (`Overloaded`, so `503` with
//! `Retry-After`) only when the jobs ahead of it would keep it waiting longer than `max_wait`,
//! estimated from the measured time of a hash. A burst the cores can serve within that time is
//! served; a real overload is refused at once instead of waiting in a queue, and the rest of the
//! server stays fast. A hard bound on queued jobs caps memory whatever the estimate says.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, Version};
use subtle::ConstantTimeEq;
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
    /// The password, its form as typed when that differs (hashes from before NFKC), the hash.
    Verify(
        String,
        Option<String>,
        String,
        oneshot::Sender<Result<Verified, CoreError>>,
    ),
    /// Other CPU-heavy work on a password (the strength estimate), kept off the async workers.
    Run(Box<dyn FnOnce() + Send>),
}

pub struct PasswordHasherPool {
    tx: SyncSender<Job>,
    /// Verified for unknown users so that they cost the same time as known ones.
    dummy_hash: String,
    load: Arc<Load>,
    workers: usize,
    /// Jobs that may wait in the channel (the memory bound).
    queue: usize,
    max_wait: Duration,
}

/// What admission by expected wait knows: the jobs submitted and not finished, and the recent
/// time of one job.
#[derive(Debug)]
struct Load {
    pending: AtomicUsize,
    /// Moving average (1/8 weight per job) of a job's time, in microseconds.
    job_micros: AtomicU64,
}

impl Load {
    fn finished(&self, took: Duration) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
        let sample = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        // Concurrent updates may lose one sample; an average need not be exact.
        let old = self.job_micros.load(Ordering::Relaxed);
        self.job_micros
            .store(old - old / 8 + sample / 8, Ordering::Relaxed);
    }
}

fn argon(params: HashParams, version: Version) -> Result<Argon2<'static>, CoreError> {
    let p = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, None)
        .map_err(|e| CoreError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, version, p))
}

fn internal(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("argon2: {e}"))
}

/// One thread's argon2id with its memory allocated once, at its first hash: a hash fills all of
/// it anyway, so there is nothing to gain from allocating and zeroing 19 MiB for every sign-in,
/// and an idle server holds none of it.
pub struct Hasher {
    params: HashParams,
    argon: Argon2<'static>,
    blocks: usize,
    memory: Vec<Block>,
}

impl Hasher {
    pub fn new(params: HashParams) -> Result<Self, CoreError> {
        let argon = argon(params, Version::V0x13)?;
        let blocks = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, None)
            .map_err(internal)?
            .block_count();
        Ok(Self {
            params,
            argon,
            blocks,
            memory: Vec::new(),
        })
    }

    fn ensure_memory(&mut self) {
        if self.memory.len() != self.blocks {
            self.memory = vec![Block::default(); self.blocks];
        }
    }

    /// A PHC string: `$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>`.
    pub fn hash(&mut self, password: &str) -> Result<String, CoreError> {
        let mut salt = [0u8; 16];
        secrets::fill_random(&mut salt)?;
        let mut out = [0u8; OUTPUT_LEN];
        self.ensure_memory();
        self.argon
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut self.memory)
            .map_err(internal)?;
        let p = Params::new(
            self.params.m_cost_kib,
            self.params.t_cost,
            self.params.p_cost,
            None,
        )
        .map_err(internal)?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&p).map_err(internal)?,
            salt: Some(Salt::new(&salt).map_err(internal)?),
            hash: Some(Output::new(&out).map_err(internal)?),
        };
        Ok(phc.to_string())
    }

    /// Checks `password` against a stored PHC string; anything unreadable is a mismatch.
    pub fn verify(&mut self, password: &str, stored: &str) -> Result<Verified, CoreError> {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Ok(Verified::No);
        };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return Ok(Verified::No);
        };
        if parsed.algorithm != ARGON2ID_IDENT {
            return Ok(Verified::No);
        }
        let Ok(p) = Params::try_from(&parsed) else {
            return Ok(Verified::No);
        };
        let version = parsed
            .version
            .and_then(|v| Version::try_from(v).ok())
            .unwrap_or(Version::V0x13);
        let expected = expected.as_bytes();
        let mut out = vec![0u8; expected.len()];
        let current = p.m_cost() == self.params.m_cost_kib
            && p.t_cost() == self.params.t_cost
            && p.p_cost() == self.params.p_cost
            && version == Version::V0x13
            && expected.len() == OUTPUT_LEN;
        let done = if current {
            self.ensure_memory();
            // Our own parameters and memory: a failure here is ours, not a wrong password.
            self.argon
                .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut self.memory)
                .map_err(internal)?;
            Ok(())
        } else {
            // An old hash: its own parameters, its own memory.
            let old = Argon2::new(Algorithm::Argon2id, version, p.clone());
            old.hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                vec![Block::default(); p.block_count()],
            )
        };
        if done.is_err() || !bool::from(out.as_slice().ct_eq(expected)) {
            return Ok(Verified::No);
        }
        Ok(Verified::Yes { rehash: !current })
    }
}

const OUTPUT_LEN: usize = 32;

/// Hashes one password on the calling thread (tests, benchmarks, tools).
pub fn hash_now(params: HashParams, password: &str) -> Result<String, CoreError> {
    Hasher::new(params)?.hash(password)
}

/// Verifies one password on the calling thread.
pub fn verify_now(params: HashParams, password: &str, stored: &str) -> Result<Verified, CoreError> {
    Hasher::new(params)?.verify(password, stored)
}

fn worker(rx: Arc<Mutex<Receiver<Job>>>, params: HashParams, load: Arc<Load>) {
    let mut hasher = match Hasher::new(params) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "hash worker cannot start");
            return;
        }
    };
    loop {
        let job = {
            let Ok(guard) = rx.lock() else { return };
            match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // Counted finished before the answer goes, so that whoever reads it sees the load without it.
        let started = Instant::now();
        match job {
            Job::Hash(pw, reply) => {
                let result = hasher.hash(&pw);
                load.finished(started.elapsed());
                let _ = reply.send(result);
            }
            Job::Verify(pw, typed, stored, reply) => {
                let result = match (hasher.verify(&pw, &stored), typed) {
                    // Hashed as typed before passwords were normalised: right, and rehashed
                    // in the normalised form.
                    (Ok(Verified::No), Some(typed)) => hasher.verify(&typed, &stored).map(|v| match v {
                        Verified::Yes { .. } => Verified::Yes { rehash: true },
                        Verified::No => Verified::No,
                    }),
                    (result, _) => result,
                };
                load.finished(started.elapsed());
                let _ = reply.send(result);
            }
            // Short next to a hash: counted finished, but not in the hash time's average.
            Job::Run(f) => {
                f();
                load.pending.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }
}

impl PasswordHasherPool {
    /// `workers` threads; a job waits at most about `max_wait` for them, and at most `queue` jobs
    /// wait at once.
    pub fn new(
        params: HashParams,
        workers: usize,
        queue: usize,
        max_wait: Duration,
    ) -> Result<Self, CoreError> {
        let workers = workers.max(1);
        let (tx, rx) = sync_channel(queue);
        let rx = Arc::new(Mutex::new(rx));
        // The first estimate: the dummy hash, timed here.
        let started = Instant::now();
        let dummy_hash = hash_now(params, &secrets::new_token()?)?;
        let load = Arc::new(Load {
            pending: AtomicUsize::new(0),
            job_micros: AtomicU64::new(u64::try_from(started.elapsed().as_micros()).unwrap_or(1).max(1)),
        });
        for i in 0..workers {
            let (rx, load) = (rx.clone(), load.clone());
            std::thread::Builder::new()
                .name(format!("umbral-hash-{i}"))
                .spawn(move || worker(rx, params, load))
                .map_err(|e| CoreError::Internal(format!("hash worker: {e}")))?;
        }
        Ok(Self {
            tx,
            dummy_hash,
            load,
            workers,
            queue,
            max_wait,
        })
    }

    /// How long a job submitted now would wait before a worker takes it.
    pub fn expected_wait(&self) -> Duration {
        let pending = self.load.pending.load(Ordering::Acquire);
        let ahead = (pending + 1).saturating_sub(self.workers) as u64;
        let micros = self.load.job_micros.load(Ordering::Relaxed);
        Duration::from_micros(ahead.saturating_mul(micros) / self.workers as u64)
    }

    /// Refuses at once when a job submitted now would wait too long: for callers that must not
    /// count an attempt (a sign-in's limit) for work that would then be refused.
    pub fn admits(&self) -> Result<(), CoreError> {
        if self.load.pending.load(Ordering::Acquire) >= self.queue + self.workers {
            tracing::warn!(target: "umbral::hash", "password hashing queue full; answering 503");
            return Err(CoreError::Overloaded { retry_after_secs: 1 });
        }
        let wait = self.expected_wait();
        if wait > self.max_wait {
            tracing::warn!(target: "umbral::hash", wait_ms = wait.as_millis() as u64, "password hashing would wait too long; answering 503");
            return Err(CoreError::Overloaded {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        Ok(())
    }

    fn submit(&self, job: Job) -> Result<(), CoreError> {
        self.admits()?;
        self.load.pending.fetch_add(1, Ordering::AcqRel);
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.load.pending.fetch_sub(1, Ordering::AcqRel);
                match e {
                    TrySendError::Full(_) => {
                        tracing::warn!(target: "umbral::hash", "password hashing queue full; answering 503");
                        Err(CoreError::Overloaded { retry_after_secs: 1 })
                    }
                    TrySendError::Disconnected(_) => Err(CoreError::Internal("hash pool stopped".into())),
                }
            }
        }
    }

    /// Runs `f` on a hashing thread, admitted like a hash: CPU work on passwords that must not
    /// hold an async worker (the strength estimate of a long input takes milliseconds).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let (tx, rx) = oneshot::channel();
        self.submit(Job::Run(Box::new(move || {
            let _ = tx.send(f());
        })))?;
        rx.await
            .map_err(|_| CoreError::Internal("hash worker vanished".into()))
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
        let typed = password.typed_form().map(str::to_string);
        self.submit(Job::Verify(password.expose().to_string(), typed, target, tx))?;
        let v = rx
            .await
            .map_err(|_| CoreError::Internal("hash worker vanished".into()))??;
        Ok(if stored.is_some() { v } else { Verified::No })
    }
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
        let pool = PasswordHasherPool::new(FAST, 1, 4, Duration::from_secs(1)).unwrap();
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

    #[test]
    fn a_new_hasher_verifies_before_it_ever_hashed() {
        let stored = hash_now(FAST, "correct horse").unwrap();
        let mut fresh = Hasher::new(FAST).unwrap();
        assert_eq!(
            fresh.verify("correct horse", &stored).unwrap(),
            Verified::Yes { rehash: false }
        );
        assert_eq!(fresh.verify("wrong horse", &stored).unwrap(), Verified::No);
    }

    #[test]
    fn hashes_interoperate_with_the_reference_implementation() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash_now(FAST, "correct horse").unwrap();
        let reference = argon(FAST, Version::V0x13).unwrap();
        reference
            .verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap())
            .unwrap();
        let theirs = reference
            .hash_password_with_salt(b"correct horse", b"saltsaltsaltsalt")
            .unwrap()
            .to_string();
        assert_eq!(
            verify_now(FAST, "correct horse", &theirs).unwrap(),
            Verified::Yes { rehash: false }
        );
        assert_eq!(verify_now(FAST, "wrong horse", &theirs).unwrap(), Verified::No);
        // Another algorithm or a damaged string never verifies.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(256, 1, 1, None).unwrap(),
        );
        let other = argon2i
            .hash_password_with_salt(b"correct horse", b"saltsaltsaltsalt")
            .unwrap()
            .to_string();
        assert_eq!(verify_now(FAST, "correct horse", &other).unwrap(), Verified::No);
        assert_eq!(
            verify_now(FAST, "correct horse", &ours[..ours.len() - 4]).unwrap(),
            Verified::No
        );
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
            Duration::from_secs(1),
        )
        .unwrap();
        let pw = Password::for_sign_in("correct horse battery staple").unwrap();
        assert_eq!(
            pool.verify(&pw, Some(&old)).await.unwrap(),
            Verified::Yes { rehash: true }
        );
    }

    /// Passwords were not Unicode-normalised: the same password typed decomposed or full-width
    /// failed. Today's hashes are of the NFKC form; one made of the form as typed still works,
    /// and asks for a rehash.
    #[tokio::test]
    async fn a_password_typed_another_way_verifies_and_old_hashes_still_work() {
        let pool = PasswordHasherPool::new(FAST, 1, 4, Duration::from_secs(1)).unwrap();
        let composed = "contraseña segura de Ñandú";
        let decomposed = "contrasen\u{303}a segura de N\u{303}andu\u{301}";
        let full_width = "ｃｏｎｔｒａｓｅñａ ｓｅｇｕｒａ ｄｅ Ñａｎｄú";
        let today = pool
            .hash(&Password::for_sign_in(composed).unwrap())
            .await
            .unwrap();
        for typed in [composed, decomposed, full_width] {
            let pw = Password::for_sign_in(typed).unwrap();
            assert_eq!(
                pool.verify(&pw, Some(&today)).await.unwrap(),
                Verified::Yes { rehash: false },
                "{typed}"
            );
        }
        // A hash from before: of the decomposed form as it was typed.
        let before = hash_now(FAST, decomposed).unwrap();
        let pw = Password::for_sign_in(decomposed).unwrap();
        assert_eq!(
            pool.verify(&pw, Some(&before)).await.unwrap(),
            Verified::Yes { rehash: true }
        );
        let wrong = Password::for_sign_in("contrasen\u{303}a mala").unwrap();
        assert_eq!(pool.verify(&wrong, Some(&before)).await.unwrap(), Verified::No);
    }

    const SLOW: HashParams = HashParams {
        m_cost_kib: 19_456,
        t_cost: 4,
        p_cost: 1,
    };

    /// Submits `n` hashes at once; answers how many were refused as overloaded.
    async fn burst(pool: Arc<PasswordHasherPool>, n: usize) -> usize {
        let pw = Password::for_sign_in("correct horse battery staple").unwrap();
        let mut handles = Vec::new();
        for _ in 0..n {
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
        overloaded
    }

    /// Other CPU work on passwords (the strength estimate) runs on a hashing thread, never on
    /// the async workers.
    #[tokio::test]
    async fn run_uses_a_hashing_thread() {
        let pool = PasswordHasherPool::new(FAST, 1, 4, Duration::from_secs(1)).unwrap();
        let name = pool
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("umbral-hash-0"));
    }

    #[test]
    fn a_finished_job_moves_the_average_an_eighth_of_the_way() {
        let load = Load {
            pending: AtomicUsize::new(2),
            job_micros: AtomicU64::new(8_000),
        };
        load.finished(Duration::from_micros(16_000));
        assert_eq!(load.pending.load(Ordering::Acquire), 1);
        assert_eq!(load.job_micros.load(Ordering::Relaxed), 9_000);
    }

    /// The wait of a job submitted now: the jobs ahead of it beyond the free workers, each the
    /// average job time, shared by the workers; refused only beyond `max_wait`, or when the
    /// queue and the workers are all taken.
    #[test]
    fn admission_counts_the_jobs_ahead_and_the_queue() {
        let pool = PasswordHasherPool::new(FAST, 2, 16, Duration::from_micros(1_000)).unwrap();
        pool.load.job_micros.store(1_000, Ordering::Relaxed);
        pool.load.pending.store(3, Ordering::Release);
        // 3 pending + this one on 2 workers: 2 ahead, 1 ms each, shared by 2.
        assert_eq!(pool.expected_wait(), Duration::from_micros(1_000));
        assert!(pool.admits().is_ok(), "a wait of exactly max_wait is admitted");
        pool.load.pending.store(4, Ordering::Release);
        assert!(pool.admits().is_err());
        pool.load.job_micros.store(1, Ordering::Relaxed);
        pool.load.pending.store(17, Ordering::Release);
        assert!(pool.admits().is_ok(), "room left in the queue");
        pool.load.pending.store(18, Ordering::Release);
        assert!(matches!(
            pool.admits(),
            Err(CoreError::Overloaded { retry_after_secs: 1 })
        ));
        pool.load.pending.store(0, Ordering::Release);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_queue_answers_overloaded_at_once() {
        let pool = Arc::new(PasswordHasherPool::new(SLOW, 1, 1, Duration::from_secs(60)).unwrap());
        let overloaded = burst(pool, 6).await;
        assert!(overloaded >= 3, "only {overloaded} refused");
    }

    /// Admission is by expected wait: a burst that fits in `max_wait` is served whole, however
    /// many it is; beyond, the rest is refused at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_within_the_wait_is_served_and_beyond_it_refused() {
        let pool = Arc::new(PasswordHasherPool::new(FAST, 1, 1024, Duration::from_secs(5)).unwrap());
        assert_eq!(
            burst(pool, 40).await,
            0,
            "a burst of fast hashes within 5 s was refused"
        );
        let pool = Arc::new(PasswordHasherPool::new(SLOW, 1, 1024, Duration::from_millis(1)).unwrap());
        let refused = burst(pool.clone(), 8).await;
        assert!(
            refused >= 6,
            "only {refused} of 8 refused with a 1 ms wait on one worker"
        );
        assert!(
            pool.expected_wait() < Duration::from_millis(1),
            "the pool did not drain"
        );
    }
}
