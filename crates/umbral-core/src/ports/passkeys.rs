//! Storage of passkeys and of the WebAuthn ceremonies under way (`factors/passkey.rs`).

use async_trait::async_trait;

use super::{SessionRecord, StoreResult};
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
    /// A ceremony under way, read without taking it (the answer is checked first, then
    /// [`crate::factors::Proof::Passkey`] spends it with the rest).
    async fn ceremony(&self, id_hash: &str, now: UnixMillis) -> StoreResult<Option<Ceremony>>;
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
