//! The ports of what staff work with: lost-factor resets, policies, the console's directory and
//! API keys.

use async_trait::async_trait;

use crate::types::{OrgId, UserId};

use super::{OrganizationRow, StoreResult};
use crate::accounts::{Membership, User};
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::outbox::OutboxMessage;
use crate::staff::{ApiKey, FactorReset, ResetStatus};

/// A lost-factor reset with whom it is for, as staff see it.
#[derive(Debug, Clone)]
pub struct FactorResetRow {
    pub reset: FactorReset,
    pub user: User,
    pub membership: Option<Membership>,
}

/// Lost-factor resets, asked by the user, confirmed from the email, decided by staff.
#[async_trait]
pub trait FactorResetStore: Send + Sync {
    /// Stores a new reset request (an unconfirmed one of the same user is replaced) with the
    /// email that carries its link and its audit event.
    async fn put_factor_reset(
        &self,
        r: &FactorReset,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn factor_reset(&self, id: &str) -> StoreResult<Option<FactorResetRow>>;
    async fn factor_reset_by_token(&self, token_hash: &str) -> StoreResult<Option<FactorReset>>;
    /// The user's request that is not decided yet, if any.
    async fn open_factor_reset(&self, user_id: &UserId) -> StoreResult<Option<FactorReset>>;
    /// Unconfirmed -> pending. `Ok(false)` when it was not unconfirmed.
    async fn confirm_factor_reset(&self, id: &str, now: UnixMillis, audit: &AuditEvent) -> StoreResult<bool>;
    /// Newest first; `status` and `org_id` filter when given.
    async fn list_factor_resets(
        &self,
        status: Option<ResetStatus>,
        org_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FactorResetRow>>;
    /// Pending -> approved or rejected, in one transaction with its email and audit events.
    /// Approval also removes the user's factors and recovery codes, ends their sessions, forgets
    /// their trusted devices and turns two-factor on, so that the next sign-in enrolls.
    /// `Ok(false)` when the request was not pending.
    async fn decide_factor_reset(
        &self,
        reset: &FactorReset,
        approve: bool,
        now: UnixMillis,
        decided_by: &str,
        message: &OutboxMessage,
        audit: &[AuditEvent],
    ) -> StoreResult<bool>;
}

/// The policies staff set (an organization's two-factor and session rules, the platform's defaults).
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Sets (or, with `None`, clears) an organization's two-factor policy. `Ok(false)` when there
    /// is no such organization.
    async fn set_org_two_factor_policy(
        &self,
        org_id: &OrgId,
        policy: Option<crate::policy::TwoFactorPolicy>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Sets (or, with `None`, clears) an organization's session policy. `Ok(false)` when there is
    /// no such organization.
    async fn set_org_single_session(
        &self,
        org_id: &OrgId,
        single: Option<bool>,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Platform settings staff changed in the console, as (key, value).
    async fn platform_settings(&self) -> StoreResult<Vec<(String, String)>>;
    /// Sets (or, with `None`, clears) a platform setting, with its audit event.
    async fn put_platform_setting(
        &self,
        key: &str,
        value: Option<&str>,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// What staff look up in the console (users, organizations), and ending a user's sessions.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Users whose email or name contains `q` (case-insensitive), of one organization when given,
    /// with their first organization; newest first.
    async fn search_users(
        &self,
        q: &str,
        org_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<(User, Option<Membership>)>>;
    /// Organizations whose name contains `q` (case-insensitive), newest first.
    async fn search_organizations(&self, q: &str, limit: i64) -> StoreResult<Vec<OrganizationRow>>;
    async fn organization(&self, id: &OrgId) -> StoreResult<Option<OrganizationRow>>;
    /// Ends every live session of a user; returns how many.
    async fn end_user_sessions(
        &self,
        user_id: &UserId,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<u64>;
}

/// Keys of the staff API and of organizations' own tools.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn put_api_key(&self, key: &ApiKey, audit: &AuditEvent) -> StoreResult<()>;
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// `Ok(false)` when there is no such live key.
    async fn revoke_api_key(&self, id: &str, now: UnixMillis, audit: &AuditEvent) -> StoreResult<bool>;
}
