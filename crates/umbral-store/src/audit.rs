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
                "(a.org_id = {p} OR a.subject_user_id IN (SELECT user_id FROM memberships WHERE org_id = {p}))"
            ));
        }
        if let Some(user) = &f.user_id {
            let p = next(user.into(), &mut args);
            conds.push(format!("(a.subject_user_id = {p} OR a.actor_user_id = {p})"));
        }
        if let Some(ev) = &f.event {
            // A prefix, its own `%` and `_` taken literally (`mfa.challenge_passed`).
            let literal = ev.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            let p = next(Arg::Text(Some(format!("{literal}%"))), &mut args);
            conds.push(format!("a.event LIKE {p} ESCAPE '\\'"));
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
            conds.push(format!("(a.at < {p1} OR (a.at = {p1} AND a.id < {p2}))"));
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
