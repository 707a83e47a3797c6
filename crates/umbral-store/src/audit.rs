use async_trait::async_trait;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use umbral_core::audit::AuditEvent;
use umbral_core::ports::{AuditStore, StoreResult};

use crate::{SqlStore, db};

/// Audit events are written inside the transaction of the change they describe.
pub(crate) async fn insert_audit(tx: &mut Transaction<'_, Any>, e: &AuditEvent) -> StoreResult<()> {
    insert_audits(tx, &[e]).await
}

/// Several events in one statement (one round trip to the database).
pub(crate) async fn insert_audits(tx: &mut Transaction<'_, Any>, events: &[&AuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..events.len())
        .map(|i| {
            let p: Vec<String> = (1..=9).map(|k| format!("${}", i * 9 + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_events (id, at, event, actor_user_id, subject_user_id, org_id, ip, user_agent, details) \
         VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for e in events {
        q = q
            .bind(&e.id)
            .bind(e.at)
            .bind(&e.event)
            .bind(&e.actor_user_id)
            .bind(&e.subject_user_id)
            .bind(&e.org_id)
            .bind(&e.ip)
            .bind(&e.user_agent)
            .bind(&e.details);
    }
    q.execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(db)?;
        insert_audit(&mut tx, event).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_for_user(&self, user_id: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, event, actor_user_id, subject_user_id, org_id, ip, user_agent, details FROM audit_events \
             WHERE subject_user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
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
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }
}
