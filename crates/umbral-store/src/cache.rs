//! An in-process cache of session lookups.
//!
//! Every authenticated request reads its session; that read costs a hop to sqlx's connection
//! thread on SQLite, a round trip on PostgreSQL, several times the rest of the request. The store
//! sees every change to a session, its user and their organization, and drops the affected
//! entries. Entries also expire after a short time, which bounds how long a change made by
//! another process (an admin command on a SQLite file) can go unseen. See ADR 0004.
//!
//! On PostgreSQL the other nodes' changes arrive through `cluster.rs` (ADR 0015), and the cache
//! answers only while its lease holds: a node that lost touch with the others serves nothing
//! from memory, and starts empty when it gets the lease back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use umbral_core::clock::UnixMillis;
use umbral_core::ports::SessionContext;
use umbral_core::types::UserId;

/// Entries older than this (counted from the start of the read that filled them) are read again
/// from the database. A node that changes something and cannot hear every other node confirm it
/// waits this long before it answers (`cluster.rs`).
pub(crate) const TTL: Duration = Duration::from_secs(2);
/// Past this many entries the cache starts over (a cheap bound on memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (SessionContext, u64, Instant)>,
    /// Bumped when anything about a user's sessions, account or organization changes.
    user_gen: HashMap<String, u64>,
    /// Counts every invalidation, so that a read that overlapped one is not stored.
    changes: u64,
    /// `None`: always usable (one process). `Some(until)`: usable before `until` only.
    lease: Option<Option<Instant>>,
    /// Whether an application's grant was revoked (until when), read on every use of its
    /// access tokens (userinfo, introspection).
    grants: HashMap<String, (Option<i64>, Instant)>,
}

#[derive(Default)]
pub(crate) struct SessionCache {
    inner: Mutex<Inner>,
}

/// What [`SessionCache::begin`] saw; pass it to [`SessionCache::put`].
#[derive(Clone, Copy)]
pub(crate) struct Began {
    changes: u64,
    at: Instant,
}

impl Inner {
    fn gen_of(&self, user_id: Option<&str>) -> u64 {
        user_id.and_then(|u| self.user_gen.get(u)).copied().unwrap_or(0)
    }

    fn usable(&self, now: Instant) -> bool {
        match self.lease {
            None => true,
            Some(until) => until.is_some_and(|u| now < u),
        }
    }

    fn clear(&mut self) {
        self.changes += 1;
        self.entries.clear();
        self.grants.clear();
    }
}

impl SessionCache {
    /// A cache that answers only while [`SessionCache::renewed`] keeps its lease.
    pub(crate) fn leased() -> Self {
        let c = Self::default();
        c.lock().lease = Some(None);
        c
    }

    /// The lease holds until `until`. When it had lapsed, changes may have gone unheard: the
    /// cache starts empty.
    pub(crate) fn renewed(&self, until: Instant) {
        let mut inner = self.lock();
        if !inner.usable(Instant::now()) {
            inner.clear();
        }
        if inner.lease.is_some() {
            inner.lease = Some(Some(until));
        }
    }

    /// Until when the lease holds (a leased cache that was renewed).
    #[cfg(test)]
    pub(crate) fn lease_until(&self) -> Option<Instant> {
        self.lock().lease.flatten()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, id_hash: &str) -> Option<SessionContext> {
        let inner = self.lock();
        let now = Instant::now();
        if !inner.usable(now) {
            return None;
        }
        let (ctx, generation, at) = inner.entries.get(id_hash)?;
        let fresh = now.duration_since(*at) < TTL
            && *generation == inner.gen_of(ctx.session.user_id.as_ref().map(UserId::as_str));
        fresh.then(|| ctx.clone())
    }

    /// Call before reading from the database; pass the result to [`SessionCache::put`].
    pub(crate) fn begin(&self) -> Began {
        Began {
            changes: self.lock().changes,
            at: Instant::now(),
        }
    }

    /// Stores what was read, unless something changed while it was being read (it may be stale)
    /// or the lease does not hold.
    pub(crate) fn put(&self, ctx: &SessionContext, began: Began) {
        let mut inner = self.lock();
        if inner.changes != began.changes || !inner.usable(Instant::now()) {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        let generation = inner.gen_of(ctx.session.user_id.as_ref().map(UserId::as_str));
        inner
            .entries
            .insert(ctx.session.id_hash.0.clone(), (ctx.clone(), generation, began.at));
    }

    pub(crate) fn user_changed(&self, user_id: &str) {
        let mut inner = self.lock();
        inner.changes += 1;
        *inner.user_gen.entry(user_id.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn everything_changed(&self) {
        self.lock().clear();
    }

    pub(crate) fn session_ended(&self, id_hash: &str) {
        let mut inner = self.lock();
        inner.changes += 1;
        inner.entries.remove(id_hash);
    }

    /// What is known of a grant's revocation: `Some(None)` not revoked, `Some(Some(until))`.
    pub(crate) fn grant(&self, grant_id: &str) -> Option<Option<i64>> {
        let inner = self.lock();
        let now = Instant::now();
        if !inner.usable(now) {
            return None;
        }
        let (until, at) = inner.grants.get(grant_id)?;
        (now.duration_since(*at) < TTL).then_some(*until)
    }

    pub(crate) fn put_grant(&self, grant_id: &str, until: Option<i64>, began: Began) {
        let mut inner = self.lock();
        if inner.changes != began.changes || !inner.usable(Instant::now()) {
            return;
        }
        if inner.grants.len() >= MAX_ENTRIES {
            inner.grants.clear();
        }
        inner.grants.insert(grant_id.to_string(), (until, began.at));
    }

    pub(crate) fn grant_changed(&self, grant_id: &str) {
        let mut inner = self.lock();
        inner.changes += 1;
        inner.grants.remove(grant_id);
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
    fn a_leased_cache_answers_only_while_its_lease_holds_and_starts_empty_after_a_lapse() {
        let c = SessionCache::leased();
        c.put(&ctx("a", "u1"), c.begin());
        assert!(c.get("a").is_none(), "no lease yet: nothing stored");
        c.renewed(Instant::now() + Duration::from_secs(5));
        c.put(&ctx("a", "u1"), c.begin());
        assert!(c.get("a").is_some());
        c.renewed(Instant::now() + Duration::from_secs(5));
        assert!(c.get("a").is_some(), "a renewal in time keeps the entries");
        c.renewed(Instant::now() - Duration::from_millis(1));
        assert!(c.get("a").is_none(), "a lapsed lease answers nothing");
        let began = c.begin();
        c.renewed(Instant::now() + Duration::from_secs(5));
        assert!(c.get("a").is_none(), "after a lapse the cache starts empty");
        c.put(&ctx("a", "u1"), began);
        assert!(
            c.get("a").is_none(),
            "a read begun before the lapse ended is not stored"
        );
    }

    #[test]
    fn an_entry_ages_from_the_start_of_its_read() {
        let c = SessionCache::default();
        let mut began = c.begin();
        began.at -= TTL;
        c.put(&ctx("a", "u1"), began);
        assert!(c.get("a").is_none());
    }

    #[test]
    fn a_grant_is_remembered_until_it_changes() {
        let c = SessionCache::default();
        let began = c.begin();
        c.put_grant("g", None, began);
        assert_eq!(c.grant("g"), Some(None));
        c.grant_changed("g");
        assert_eq!(c.grant("g"), None);
        let began = c.begin();
        c.grant_changed("other");
        c.put_grant("g", None, began);
        assert_eq!(
            c.grant("g"),
            None,
            "a read that overlapped a revocation is not kept"
        );
        c.put_grant("g", Some(5), c.begin());
        assert_eq!(c.grant("g"), Some(Some(5)));
        c.everything_changed();
        assert_eq!(c.grant("g"), None);
    }

    #[test]
    fn a_read_that_overlapped_any_kind_of_change_is_not_stored() {
        let c = SessionCache::default();
        let began = c.begin();
        c.user_changed("u1");
        c.put(&ctx("a", "u1"), began);
        assert!(c.get("a").is_none(), "a change to the user");
        let began = c.begin();
        c.everything_changed();
        c.put(&ctx("a", "u1"), began);
        assert!(c.get("a").is_none(), "a change to everyone");
        let began = c.begin();
        c.grant_changed("g");
        c.put(&ctx("a", "u1"), began);
        assert!(c.get("a").is_none(), "a grant revoked");
    }

    #[test]
    fn grants_are_kept_side_by_side() {
        let c = SessionCache::default();
        c.put_grant("g1", None, c.begin());
        c.put_grant("g2", Some(7), c.begin());
        assert_eq!((c.grant("g1"), c.grant("g2")), (Some(None), Some(Some(7))));
    }

    #[test]
    fn touch_updates_in_place() {
        let c = SessionCache::default();
        c.put(&ctx("a", "u1"), c.begin());
        c.touched("a", 42);
        assert_eq!(c.get("a").unwrap().session.last_seen_at, 42);
    }
}
