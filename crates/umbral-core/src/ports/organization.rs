//! The ports of an organization's members and its invitations to people who have an account.

use async_trait::async_trait;

use crate::types::{OrgId, UserId};

use super::StoreResult;
use crate::accounts::User;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::outbox::OutboxMessage;

/// An organization as staff see it.
#[derive(Debug, Clone)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub created_at: UnixMillis,
    pub members: i64,
    pub mfa_policy: Option<crate::policy::TwoFactorPolicy>,
    pub single_session: Option<bool>,
}

/// A member of an organization, as its owner and admins see them.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// For an invitation to an existing account not yet accepted: the invitation's id as `id`,
    /// the name the inviter typed, the account's email, and nothing else of the account.
    pub user: User,
    pub role: crate::accounts::Role,
    pub joined_at: UnixMillis,
    /// Invited and not yet in: a new account that has not set its password, or an existing
    /// account that has not accepted. Both look the same to the organization.
    pub invited: bool,
}

/// An organization's invitation to an existing account (it joins after signing in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinInvitation {
    pub id: String,
    pub org_id: OrgId,
    pub user_id: UserId,
    /// The name the inviter typed.
    pub name: String,
    pub role: crate::accounts::Role,
    /// The inviter's name, shown to the invited person.
    pub invited_by: String,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
}

/// A live invitation as the invited person sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOffer {
    pub invitation: JoinInvitation,
    pub org_name: String,
}

/// How accepting an invitation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined,
    /// No live invitation with this id for this user (expired, withdrawn, used).
    NotFound,
    /// The person owns an organization that has other members or a plan: they transfer the
    /// owner role (or end the plan) first. Nothing changed.
    OwnerOfActiveOrganization,
}

#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Members, and invitations not yet accepted that are live at `now`.
    async fn members_of(&self, org_id: &OrgId, now: UnixMillis) -> StoreResult<Vec<MemberRow>>;
    /// `Ok(false)` when the user is not a member.
    async fn set_member_role(
        &self,
        org_id: &OrgId,
        user_id: &UserId,
        role: crate::accounts::Role,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Deactivating a user also ends their sessions. `Ok(false)` when the user is not a member.
    async fn set_member_active(
        &self,
        org_id: &OrgId,
        user_id: &UserId,
        active: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Removes the membership and ends the user's sessions. `Ok(false)` when not a member.
    async fn remove_member(&self, org_id: &OrgId, user_id: &UserId, audit: &AuditEvent) -> StoreResult<bool>;
    /// Uses up the owner's step-up proof, makes `new_owner` the owner and the old owner an admin,
    /// and moves the organization's owner epoch on (every member's trusted devices ask again).
    /// `Ok(false)` when the proof was used already (nothing changes).
    async fn transfer_ownership(
        &self,
        org_id: &OrgId,
        old_owner: &UserId,
        new_owner: &UserId,
        proof: &crate::factors::Proof,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Stores an invitation to an existing account with its email and audit event. A live
    /// invitation of the same account to the same organization is replaced.
    async fn invite_to_join(
        &self,
        inv: &JoinInvitation,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The live invitations addressed to a user, newest first.
    async fn join_offers(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<JoinOffer>>;
    /// Accepts a live invitation: the user leaves the organization they are in (a member's
    /// membership ends; an organization they own alone and without a plan is closed) and joins
    /// this one, in one transaction. `joined` is the audit event for the new organization; `left`
    /// is written for the organization left (its `org_id` is filled in here).
    async fn accept_join(
        &self,
        invitation_id: &str,
        user_id: &UserId,
        now: UnixMillis,
        joined: &AuditEvent,
        left: &AuditEvent,
    ) -> StoreResult<JoinOutcome>;
    /// Ends a live invitation addressed to this user. `Ok(false)` when there is none.
    async fn decline_join(
        &self,
        invitation_id: &str,
        user_id: &UserId,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}
