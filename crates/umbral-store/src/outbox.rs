use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use umbral_core::clock::UnixMillis;
use umbral_core::outbox::{Channel, MessageContent, OutboxMessage};
use umbral_core::ports::{DevMessage, OutboxStore, StoreError, StoreResult};
use umbral_core::secrets::SecretKey;

use crate::{SqlStore, db};

pub(crate) async fn insert_outbox(
    tx: &mut Transaction<'_, Any>,
    key: Option<&SecretKey>,
    m: &OutboxMessage,
) -> StoreResult<()> {
    insert_outbox_as(tx, key, m, "pending").await
}

/// The context a message's content is sealed to: the same content under another message's id
/// does not open.
fn seal_context(id: &str) -> String {
    format!("outbox:{id}")
}

/// Writes a message with a status: `pending` to send it, `void` to keep the same work without
/// sending anything (see password recovery). With a key, its content is stored sealed.
pub(crate) async fn insert_outbox_as(
    tx: &mut Transaction<'_, Any>,
    key: Option<&SecretKey>,
    m: &OutboxMessage,
    status: &str,
) -> StoreResult<()> {
    let content = serde_json::to_string(&m.content).map_err(|e| StoreError::Backend(e.to_string()))?;
    let content = match key {
        Some(k) => k
            .seal(content.as_bytes(), &seal_context(&m.id))
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        None => content,
    };
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, content, status, attempts, next_attempt_at, locked_until, created_at) \
         VALUES ($1, $2, $3, $4, $6, 0, $5, 0, $5)",
    )
    .bind(&m.id)
    .bind(m.channel.as_str())
    .bind(&m.recipient)
    .bind(content)
    .bind(m.created_at)
    .bind(status)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl SqlStore {
    /// A message that can never be sent leaves the queue (`failed`, with the reason).
    async fn give_up(&self, id: &str, reason: &str) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET status = 'failed', content = '{}', last_error = $1 WHERE id = $2")
            .bind(reason)
            .bind(id)
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn outbox_claim(
        &self,
        now: UnixMillis,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let due = sqlx::query(
            "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND locked_until <= $1 \
             ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        let mut claimed = Vec::new();
        for row in due {
            let id: String = row.try_get("id").map_err(db)?;
            // Only the node whose update takes the lease sends the message.
            let row = sqlx::query(
                "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND status = 'pending' AND locked_until <= $3 \
                 RETURNING id, channel, recipient, content, attempts, created_at",
            )
            .bind(now + lease_ms)
            .bind(&id)
            .bind(now)
            .fetch_optional(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
            let Some(r) = row else { continue };
            let stored: String = r.try_get("content").map_err(db)?;
            let id: String = r.try_get("id").map_err(db)?;
            let content = match self.outbox_key() {
                Some(k) if SecretKey::is_sealed(&stored) => match k.open(&stored, &seal_context(&id)) {
                    Ok(c) => c,
                    Err(e) => {
                        // Sealed with another key: it can never be sent; the others still are.
                        tracing::error!(message_id = %id, error = %e, "an outbox message cannot be opened; it is given up");
                        self.give_up(&id, "cannot be opened with the configured key")
                            .await?;
                        continue;
                    }
                },
                _ => stored.into_bytes(),
            };
            let content: MessageContent =
                serde_json::from_slice(&content).map_err(|e| StoreError::Backend(e.to_string()))?;
            claimed.push(OutboxMessage {
                id: r.try_get("id").map_err(db)?,
                channel: Channel::parse(&r.try_get::<String, _>("channel").map_err(db)?),
                recipient: r.try_get("recipient").map_err(db)?,
                content,
                attempts: r.try_get("attempts").map_err(db)?,
                created_at: r.try_get("created_at").map_err(db)?,
            });
        }
        Ok(claimed)
    }

    async fn outbox_sent(&self, id: &str, now: UnixMillis) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, content = '{}', last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn outbox_retry(&self, id: &str, next_attempt_at: UnixMillis, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, locked_until = 0, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error.chars().take(500).collect::<String>())
        .bind(id)
        .execute(&mut *self.write.get().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn outbox_pending(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
            .fetch_one(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        row.try_get("n").map_err(db)
    }

    async fn dev_outbox_put(&self, m: &DevMessage) -> StoreResult<()> {
        let id =
            umbral_core::secrets::new_id(m.created_at).map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::query(
            "INSERT INTO dev_outbox (id, channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&m.channel)
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(m.created_at)
        .execute(&mut *self.write.get().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn dev_outbox_list(&self, limit: i64) -> StoreResult<Vec<DevMessage>> {
        let rows = sqlx::query(
            "SELECT channel, recipient, subject, body, created_at FROM dev_outbox ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(DevMessage {
                    channel: r.try_get("channel")?,
                    to: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }
}
