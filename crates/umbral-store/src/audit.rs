use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use umbral_core::audit::{AuditEvent, AuditFilter};
use umbral_core::clock::UnixMillis;
use umbral_core::ports::{AuditStore, StoreResult};
use umbral_core::types::UserId;

use crate::script::{Arg, Script, bind};
use crate::{SqlStore, db};

/// Audit events are written inside the transaction of the change they describe.
pub(crate) async fn insert_audit(tx: &mut Transaction<'_, Any>, e: &AuditEvent) -> StoreResult<()> {
    insert_audits(tx, &[e]).await
}

/// Several events in one statement (one round trip to the database).
pub(crate) async fn insert_audits(tx: &mut Transaction<'_, Any>, events: &[&AuditEvent]) -> StoreResult<()> {
    let mut script = Script::default();
    push_audits(&mut script, events);
    script.run_in(tx).await.map(|_| ())
}

/// Adds the statement that records `events` (none when there are none).
pub(crate) fn push_audits(script: &mut Script, events: &[&AuditEvent]) {
    if events.is_empty() {
        return;
    }
    let rows: Vec<String> = (0..events.len())
        .map(|i| {
            let p: Vec<String> = (1..=9).map(|k| format!("${}", i * 9 + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    script.sql(format!("INSERT INTO {AUDIT_INSERT} VALUES {}", rows.join(", ")));
    for e in events {
        audit_args(script, e);
    }
}

/// Binds an event's nine columns, in the order of [`AUDIT_INSERT`].
pub(crate) fn audit_args<'s>(script: &'s mut Script, e: &AuditEvent) -> &'s mut Script {
    script
        .arg(&e.id)
        .arg(e.at)
        .arg(&e.event)
        .arg(&e.actor_user_id)
        .arg(&e.subject_user_id)
        .arg(&e.org_id)
        .arg(&e.ip)
        .arg(&e.user_agent)
        .arg(&e.details)
}

/// The audit table and its columns, in the order `push_audits` binds them.
pub(crate) const AUDIT_INSERT: &str =
    "audit_events (id, at, event, actor_user_id, subject_user_id, org_id, ip, user_agent, details)";

#[async_trait]
impl AuditStore for SqlStore {
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        insert_audit(&mut tx, event).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_for_user(&self, user_id: &UserId, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, event, actor_user_id, subject_user_id, org_id, ip, user_agent, details FROM audit_events \
             WHERE subject_user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user_id.as_str())
        .bind(limit)
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        rows.iter()
            .map(event)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    async fn list_audit(&self, f: &AuditFilter, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        // Only the placeholders change with the filter; every value is bound.
        let mut conds: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let next = |a: Arg, args: &mut Vec<Arg>| {
            args.push(a);
            format!("${}", args.len())
        };
        if let Some(org) = &f.org_id {
            let p = next(org.into(), &mut args);
            conds.push(format!(
                "a.id IN (SELECT id FROM audit_events WHERE org_id = {p} UNION \
                 SELECT e.id FROM audit_events e JOIN memberships m ON m.user_id = e.subject_user_id \
                 WHERE m.org_id = {p})"
            ));
        }
        if let Some(user) = &f.user_id {
            let p = next(user.into(), &mut args);
            conds.push(format!("(a.subject_user_id = {p} OR a.actor_user_id = {p})"));
        }
        if let Some(ev) = &f.event
            && !ev.is_empty()
        {
            // A prefix, taken literally (`mfa.challenge_passed`): the names from it up to the
            // next string of its length, compared byte by byte so that the index on the event
            // name answers (on PostgreSQL whatever the database's collation).
            let end = prefix_end(ev);
            let column = match self.backend {
                crate::Backend::Postgres => "a.event COLLATE \"C\"",
                // SQLite's planner would read every matching event from that index and sort
                // them; when most events match, reading by time finds a page sooner (`+`
                // keeps the index on the name out of it).
                crate::Backend::Sqlite
                    if f.user_id.is_none()
                        && f.org_id.is_none()
                        && self.many_events_named(ev, end.as_deref()).await? =>
                {
                    "+a.event"
                }
                crate::Backend::Sqlite => "a.event",
            };
            let p1 = next(Arg::Text(Some(ev.clone())), &mut args);
            conds.push(format!("{column} >= {p1}"));
            if let Some(end) = end {
                let p2 = next(Arg::Text(Some(end)), &mut args);
                conds.push(format!("{column} < {p2}"));
            }
        }
        if let Some(from) = f.from {
            let p = next(from.into(), &mut args);
            conds.push(format!("a.at >= {p}"));
        }
        if let Some(to) = f.to {
            let p = next(to.into(), &mut args);
            conds.push(format!("a.at <= {p}"));
        }
        if let Some((at, id)) = &f.before {
            let p1 = next((*at).into(), &mut args);
            let p2 = next(id.into(), &mut args);
            // `a.at <= ...` first: the part the index on the time answers.
            conds.push(format!("a.at <= {p1} AND (a.at < {p1} OR a.id < {p2})"));
        }
        let p = next(limit.into(), &mut args);
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let sql = format!(
            "SELECT a.id, a.at, a.event, a.actor_user_id, a.subject_user_id, a.org_id, a.ip, a.user_agent, a.details \
             FROM audit_events a {filter} ORDER BY a.at DESC, a.id DESC LIMIT {p}"
        );
        let rows = bind(sqlx::query(AssertSqlSafe(sql)), &args)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter()
            .map(event)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    async fn purge_audit(&self, before: UnixMillis) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?
            .rows_affected())
    }
}

fn event(r: &sqlx::any::AnyRow) -> Result<AuditEvent, sqlx::Error> {
    Ok(AuditEvent {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        event: r.try_get("event")?,
        actor_user_id: r.try_get("actor_user_id")?,
        subject_user_id: r.try_get("subject_user_id")?,
        org_id: r.try_get("org_id")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        details: r.try_get("details")?,
    })
}

/// Past this many events of a name, reading the log by time finds a page sooner (SQLite).
const MANY_EVENTS: i64 = 1000;

impl SqlStore {
    async fn many_events_named(&self, from: &str, to: Option<&str>) -> StoreResult<bool> {
        // The upper bound written out (not `$2 IS NULL OR ...`), so the index stops there.
        let to = to.unwrap_or("\u{10FFFF}");
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM audit_events WHERE event >= $1 AND event < $2 LIMIT $3)",
        )
        .bind(from)
        .bind(to)
        .bind(MANY_EVENTS + 1)
        .fetch_one(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        Ok(n > MANY_EVENTS)
    }
}

/// The first string after every string that starts with `prefix` (byte order): its last
/// character that can be, moved to the next one. `None` when there is none (no upper bound).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_end_of_a_prefix() {
        assert_eq!(super::prefix_end("session.").as_deref(), Some("session/"));
        assert_eq!(
            super::prefix_end("mfa.challenge_passed").as_deref(),
            Some("mfa.challenge_passee")
        );
        assert_eq!(super::prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(super::prefix_end(""), None);
    }
}
