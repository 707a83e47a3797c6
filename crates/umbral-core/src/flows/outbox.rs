//! Delivery of queued messages, with retries. Safe on several nodes: each message is leased by
//! one node before it is sent.

use crate::error::CoreError;
use crate::outbox::Channel;
use crate::outbox::retry_delay_ms;
use crate::ports::OutboxStore;
use crate::ports::{AccountStore, AuditStore, CodeStore, FactorStore, SessionStore, ThrottleStore};
use crate::ports::{Mailer, MessageRenderer, SmsGateway};
use crate::service::Umbral;

/// How long a node holds a message it is sending.
const LEASE_MS: i64 = 60_000;

impl<
    S: ?Sized + AccountStore + AuditStore + CodeStore + FactorStore + OutboxStore + SessionStore + ThrottleStore,
> Umbral<S>
{
    /// Sends the messages that are due; returns (sent, failed).
    pub async fn deliver_outbox(
        &self,
        renderer: &dyn MessageRenderer,
        mailer: &dyn Mailer,
        sms: &dyn SmsGateway,
        retry_base_ms: i64,
    ) -> Result<(usize, usize), CoreError> {
        let due = self.store.outbox_claim(self.now(), LEASE_MS, 50).await?;
        let (mut sent, mut failed) = (0, 0);
        for msg in due {
            let result = match renderer.render(&msg) {
                Ok(rendered) => match rendered.channel {
                    Channel::Email => mailer.send(&rendered).await,
                    Channel::Sms => sms.send_sms(&rendered.to, &rendered.body_text).await,
                },
                Err(e) => Err(format!("render: {e}")),
            };
            match result {
                Ok(()) => {
                    self.store.outbox_sent(&msg.id, self.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(message_id = %msg.id, attempts = msg.attempts, error = %e, "delivery failed; will retry");
                    let next = self.now() + retry_delay_ms(msg.attempts - 1, retry_base_ms);
                    self.store.outbox_retry(&msg.id, next, &e).await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }
}

impl<
    S: ?Sized + AccountStore + AuditStore + CodeStore + FactorStore + OutboxStore + SessionStore + ThrottleStore,
> Umbral<S>
{
    /// Delivers queued messages until `shutdown` resolves: at once when a message is queued on
    /// this node, and every `poll` otherwise (for messages queued by other nodes and retries).
    pub async fn run_outbox_worker(
        self: std::sync::Arc<Self>,
        renderer: std::sync::Arc<dyn MessageRenderer>,
        mailer: std::sync::Arc<dyn Mailer>,
        sms: std::sync::Arc<dyn SmsGateway>,
        poll: std::time::Duration,
        retry_base_ms: i64,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let wakeup = self.outbox_wakeup();
        loop {
            match self
                .deliver_outbox(renderer.as_ref(), mailer.as_ref(), sms.as_ref(), retry_base_ms)
                .await
            {
                Ok((50, _)) => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
            }
            tokio::select! {
                _ = wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

impl<S: ?Sized + crate::ports::Store> Umbral<S> {
    /// Hourly upkeep: deletes accounts never confirmed, audit events past their retention, and
    /// refresh tokens nobody can use any more.
    pub async fn run_maintenance(
        self: std::sync::Arc<Self>,
        every: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.purge_unconfirmed().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "deleted accounts whose email was never confirmed"),
                Err(e) => tracing::warn!(error = %e, "maintenance failed"),
            }
            match self.purge_audit().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "deleted audit events past their retention"),
                Err(e) => tracing::warn!(error = %e, "audit retention failed"),
            }
            match self.purge_refresh_tokens().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "deleted spent, expired and ended refresh tokens"),
                Err(e) => tracing::warn!(error = %e, "refresh token upkeep failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
