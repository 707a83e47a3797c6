//! Reading the audit log (`docs/operations.md`): staff read everything, an organization's owner
//! and admins (and an organization's API key) read their organization's; newest first, filtered
//! by user, event and time, a page at a time.

use crate::accounts::Role;
use crate::audit::{AuditFilter, AuditPage};
use crate::error::CoreError;
use crate::flows::session::Authenticated;
use crate::ports::AuditStore;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiScope};

/// A request for a page, as typed in a query string.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub event: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

fn millis(field: &'static str, v: Option<&str>) -> Result<Option<i64>, CoreError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| CoreError::invalid(field, "audit.time_invalid")),
    }
}

impl AuditQuery {
    fn parse(&self, org_id: Option<String>) -> Result<(AuditFilter, i64), CoreError> {
        let limit = match self.limit.as_deref().filter(|s| !s.is_empty()) {
            None => 50,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => n,
                _ => return Err(CoreError::invalid("limit", "audit.limit_invalid")),
            },
        };
        let before = match self.cursor.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => {
                let (at, id) = c
                    .split_once(':')
                    .ok_or(CoreError::invalid("cursor", "audit.cursor_invalid"))?;
                let at = at
                    .parse::<i64>()
                    .map_err(|_| CoreError::invalid("cursor", "audit.cursor_invalid"))?;
                Some((at, id.to_string()))
            }
        };
        let filter = AuditFilter {
            org_id,
            user_id: self.user_id.clone().filter(|s| !s.is_empty()),
            event: self.event.clone().filter(|s| !s.is_empty()),
            from: millis("from", self.from.as_deref())?,
            to: millis("to", self.to.as_deref())?,
            before,
        };
        Ok((filter, limit))
    }
}

impl<S: ?Sized + AuditStore> Umbral<S> {
    async fn audit_page(&self, filter: AuditFilter, limit: i64) -> Result<AuditPage, CoreError> {
        let mut events = self.store.list_audit(&filter, limit + 1).await?;
        let next_cursor = if events.len() as i64 > limit {
            events.truncate(usize::try_from(limit).unwrap_or(0));
            events.last().map(|e| format!("{}:{}", e.at, e.id))
        } else {
            None
        };
        Ok(AuditPage { events, next_cursor })
    }

    /// Staff (everything) or an organization's key (its organization).
    pub async fn audit_log_for_key(&self, actor: &ApiActor, q: &AuditQuery) -> Result<AuditPage, CoreError> {
        let org = match &actor.scope {
            ApiScope::Staff => None,
            ApiScope::Organization(id) => Some(id.0.clone()),
        };
        let (filter, limit) = q.parse(org)?;
        self.audit_page(filter, limit).await
    }

    /// An organization's owner or admin: their organization's events. Members may not.
    pub async fn audit_log_for_member(
        &self,
        auth: &Authenticated,
        q: &AuditQuery,
    ) -> Result<AuditPage, CoreError> {
        auth.complete_user()?;
        let m = auth.membership.as_ref().ok_or(CoreError::Forbidden)?;
        if m.role == Role::Member {
            return Err(CoreError::Forbidden);
        }
        let (filter, limit) = q.parse(Some(m.org_id.0.clone()))?;
        self.audit_page(filter, limit).await
    }

    /// Deletes audit events past the retention setting.
    pub async fn purge_audit(&self) -> Result<u64, CoreError> {
        let Some(retention) = self.config.audit_retention else {
            return Ok(0);
        };
        self.store
            .purge_audit(self.now() - retention.as_ms())
            .await
            .map_err(CoreError::from)
    }
}
