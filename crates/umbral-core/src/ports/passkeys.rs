//! Storage of passkeys and of the WebAuthn ceremonies under way (`factors/passkey.rs`).

use async_trait::async_trait;

use super::StoreResult;
use crate::audit::AuditEvent;
use crate::clock::UnixMillis;
use crate::factors::Factor;
use crate::factors::passkey::{Ceremony, PasskeyUse, StoredPasskey};
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
    /// Records a signature of a passkey outside a challenge (a sign-in without a password):
    /// `Ok(false)` and no change when its counter moved meanwhile (as with
    /// [`crate::factors::Proof::Passkey`]).
    async fn use_passkey(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        seen: &PasskeyUse,
        now: UnixMillis,
    ) -> StoreResult<bool>;
    /// Renames a confirmed passkey of the user; `Ok(false)` when the user has no such passkey.
    async fn rename_passkey(
        &self,
        user_id: &UserId,
        factor_id: &FactorId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}
