//! Storage of passkeys and of the WebAuthn ceremonies under way (`factors/passkey.rs`).

use async_trait::async_trait;

use super::{SessionRecord, StoreResult, ThrottleState};
use crate::accounts::{Membership, User};
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::factors::Factor;
use crate::factors::passkey::{Ceremony, PasskeyUse, StoredPasskey};

/// A sign-in with a passkey alone, written whole.
#[derive(Debug, Clone)]
pub struct PasskeySignIn {
    pub user_id: UserId,
    pub factor_id: FactorId,
    pub seen: PasskeyUse,
    pub session: SessionRecord,
    pub end_others: Option<AuditEvent>,
    pub audit: Vec<AuditEvent>,
    pub now: UnixMillis,
}
use crate::types::{FactorId, UserId};

/// What a passkey's answer reads before it is checked, at once: the ceremony it answers, the
/// passkey that signed it, and for a sign-in with the passkey alone, its user's account and one
/// limit (as [`super::AccountStore::sign_in_lookup`] with that key).
#[derive(Debug, Clone)]
pub struct PasskeyAnswerLookup {
    pub ceremony: Option<Ceremony>,
    pub passkey: Option<StoredPasskey>,
    pub account: Option<(User, Option<Membership>)>,
    pub limit: Option<ThrottleState>,
}

#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Keeps a ceremony under way; forgets the expired ones of everyone.
    async fn put_ceremony(&self, ceremony: &Ceremony) -> StoreResult<()>;
    /// Takes a ceremony once: whoever reads it deletes it, on any node; `None` when it was taken
    /// already, never existed or expired.
    async fn take_ceremony(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<Ceremony>>;
    /// The user's confirmed passkeys, oldest first.
    async fn passkeys_of(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>>;
    /// The confirmed passkey with this credential id (base64url), whoever's it is.
    async fn passkey_by_credential(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>>;
    /// Stores a passkey being added (the factor, unconfirmed, and its credential), replacing any
    /// other unconfirmed passkey of the user; `Conflict` when the credential id is anyone's
    /// already. [`super::FactorStore::confirm_factor`] with
    /// [`crate::factors::Proof::PasskeyAdded`] confirms it.
    async fn put_pending_passkey(&self, factor: &Factor, key: &StoredPasskey) -> StoreResult<()>;
    /// The reads of a passkey's answer, in one query ([`PasskeyAnswerLookup`]): the ceremony
    /// `ceremony_hash` unless expired at `now`, the confirmed passkey `credential_id`, the
    /// account of that passkey's user and the limit `limit_key` (none for `""`).
    async fn passkey_answer_lookup(
        &self,
        ceremony_hash: &str,
        credential_id: &str,
        limit_key: &str,
        now: UnixMillis,
    ) -> StoreResult<PasskeyAnswerLookup>;
    /// A sign-in with a passkey alone, in one transaction: the ceremony spent and the counter
    /// moved (as [`crate::factors::Proof::Passkey`]), the session started (ending the user's
    /// others when `end_others`), the audit events. `Ok(false)` and no change when the ceremony
    /// was spent or the counter moved meanwhile.
    async fn passkey_sign_in(&self, s: &PasskeySignIn) -> StoreResult<bool>;
    /// Renames a confirmed passkey of the user; `Ok(false)` when the user has no such passkey.
    async fn rename_passkey(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}
