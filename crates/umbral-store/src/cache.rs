//! An in-process cache of session lookups, used on SQLite only.
//!
//! Every authenticated request reads its session; on SQLite that read costs a hop to sqlx's
//! connection thread and back, several times the rest of the request. An embedded SQLite database
//! has one server process, so the store sees every change to a session, its user and their
//! organization, and drops the affected entries. Entries also expire after a short time, which
//! bounds how long a change made by another process (an admin command) can go unseen.
//! PostgreSQL deployments may run several nodes and never use this cache. See ADR 0004.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use umbral_core::clock::UnixMillis;
use umbral_core::ports::SessionContext;
use umbral_core::types::UserId;

/// Entries older than this are read again from the database.
const TTL: Duration = Duration::from_secs(2);
/// Past this many entries the cache starts over (a cheap bound on memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (SessionContext, u64, Instant)>,
    /// Bumped when anything about a user's sessions, account or organization changes.
    user_gen: HashMap<String, u64>,
    /// Bumped for changes that reach many users at once.
    global_gen: u64,
    /// Counts every invalidation, so that a read that overlapped one is not stored.
    changes: u64,
}

#[derive(Default)]
pub(crate) struct SessionCache {
    inner: Mutex<Inner>,
}

impl Inner {
    fn gen_of(&self, user_id: Option<&str>) -> u64 {
        self.global_gen + user_id.and_then(|u| self.user_gen.get(u)).copied().unwrap_or(0)
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, id_hash: &str) -> Option<SessionContext> {
        let inner = self.lock();
        let (ctx, generation, at) = inner.entries.get(id_hash)?;
        let fresh = at.elapsed() < TTL
            && *generation == inner.gen_of(ctx.session.user_id.as_ref().map(UserId::as_str));
        fresh.then(|| ctx.clone())
    }

    /// Call before reading from the database; pass the result to [`SessionCache::put`].
    pub(crate) fn begin(&self) -> u64 {
        self.lock().changes
    }

    /// Stores what was read, unless something changed while it was being read (it may be stale).
    pub(crate) fn put(&self, ctx: &SessionContext, began: u64) {
        let mut inner = self.lock();
        if inner.changes != began {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        let generation = inner.gen_of(ctx.session.user_id.as_ref().map(UserId::as_str));
        inner.entries.insert(
            ctx.session.id_hash.0.clone(),
            (ctx.clone(), generation, Instant::now()),
        );
    }

    pub(crate) fn user_changed(&self, user_id: &str) {
        let mut inner = self.lock();
        inner.changes += 1;
        *inner.user_gen.entry(user_id.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn everything_changed(&self) {
        let mut inner = self.lock();
        inner.changes += 1;
        inner.global_gen += 1;
        inner.entries.clear();
    }

    pub(crate) fn session_ended(&self, id_hash: &str) {
        let mut inner = self.lock();
        inner.changes += 1;
        inner.entries.remove(id_hash);
    }

    pub(crate) fn touched(&self, id_hash: &str, now: UnixMillis) {
        if let Some((ctx, _, _)) = self.lock().entries.get_mut(id_hash) {
            ctx.session.last_seen_at = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use umbral_core::ports::SessionRecord;

    fn ctx(hash: &str, user: &str) -> SessionContext {
        SessionContext {
            session: SessionRecord {
                id_hash: hash.into(),
                user_id: Some(user.into()),
                created_at: 0,
                last_seen_at: 0,
                expires_at: 1,
                ended_at: None,
                end_reason: None,
                ip: String::new(),
                user_agent: String::new(),
                mfa_at: None,
                mfa_method: None,
                first_factor: Default::default(),
            },
            user: None,
            membership: None,
            factors: Vec::new(),
        }
    }

    #[test]
    fn a_change_to_the_user_drops_their_sessions() {
        let c = SessionCache::default();
        let began = c.begin();
        c.put(&ctx("a", "u1"), began);
        c.put(&ctx("b", "u2"), began);
        assert!(c.get("a").is_some());
        c.user_changed("u1");
        assert!(c.get("a").is_none());
        assert!(c.get("b").is_some(), "other users keep theirs");
        c.everything_changed();
        assert!(c.get("b").is_none());
    }

    #[test]
    fn a_read_that_overlapped_a_change_is_not_stored() {
        let c = SessionCache::default();
        let began = c.begin();
        c.session_ended("a"); // committed while the read was under way
        c.put(&ctx("a", "u1"), began);
        assert!(c.get("a").is_none());
    }

    #[test]
    fn touch_updates_in_place() {
        let c = SessionCache::default();
        c.put(&ctx("a", "u1"), c.begin());
        c.touched("a", 42);
        assert_eq!(c.get("a").unwrap().session.last_seen_at, 42);
    }
}
