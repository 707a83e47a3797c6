//! Linking a signed-in person's account to a provider's identity, and unlinking it
//! (`docs/flows/upstream.md`, ADR 0013): never by email alone, never the last way in, the
//! person's other sessions ended.

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::flows::session::Authenticated;
use crate::flows::upstream::refused;
use crate::ports::{LinkedIdentity, Store, StoreError, UpstreamPurpose};
use crate::service::Umbral;
use crate::types::UserId;
use crate::upstream::{Provider, UpstreamIdentity};

impl<S: ?Sized + Store> Umbral<S> {
    /// The owner of an existing account, signed in to it (password and second factor) after the
    /// provider answered, confirms the link.
    pub async fn upstream_link_confirm(
        &self,
        token: &str,
        auth: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let (login, identity) = self.pending(token).await?;
        let UpstreamPurpose::Link(user_id) = &login.purpose else {
            return Err(refused("upstream.expired"));
        };
        let user = auth.signed_in_user()?;
        // Signed in to that very account, after the provider answered: the password and the
        // second factor were proven for this link, not by an older session.
        if user.id != *user_id || auth.session.created_at < login.created_at {
            return Err(refused("upstream.link_sign_in"));
        }
        let (provider, _) = self.provider(&login.provider_id).await?;
        let provider = &provider;
        if self
            .store
            .take_upstream_login(&login.id_hash, self.now())
            .await?
            .is_none()
        {
            return Err(refused("upstream.expired"));
        }
        let linked = self
            .store
            .user_by_identity(&identity.issuer, &identity.subject)
            .await?;
        self.link(auth, provider, &identity, linked.as_ref(), meta).await
    }

    pub(crate) async fn link(
        &self,
        auth: &Authenticated,
        provider: &Provider,
        identity: &UpstreamIdentity,
        linked: Option<&UserId>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.signed_in_user()?;
        match linked {
            Some(id) if *id == user.id => return Ok(()),
            Some(_) => return Err(refused("upstream.linked_elsewhere")),
            None => {}
        }
        if self
            .store
            .identities_of(&user.id)
            .await?
            .iter()
            .any(|i| i.provider_id == provider.id)
        {
            return Err(refused("upstream.linked_already"));
        }
        let now = self.now();
        let audit = AuditEvent::new(now, "identity.linked", Some(user.id.as_str()), meta)?
            .details(format!("idp={}", provider.id));
        let record = LinkedIdentity {
            user_id: user.id.clone(),
            provider_id: provider.id.clone(),
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
            email: identity.email.clone(),
            created_at: now,
        };
        match self
            .store
            .link_identity(&record, &auth.session.id_hash, now, &audit)
            .await
        {
            Err(StoreError::Conflict(_)) => Err(refused("upstream.linked_elsewhere")),
            other => Ok(other?),
        }
    }

    /// The providers linked to the signed-in person.
    pub async fn linked_identities(&self, auth: &Authenticated) -> Result<Vec<LinkedIdentity>, CoreError> {
        Ok(self.store.identities_of(&auth.signed_in_user()?.id).await?)
    }

    /// Unlinks a provider, never the last way to sign in (a person without a password keeps one
    /// provider). Other sessions end.
    pub async fn upstream_unlink(
        &self,
        auth: &Authenticated,
        provider_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.signed_in_user()?;
        let linked = self.store.identities_of(&user.id).await?;
        if !linked.iter().any(|i| i.provider_id == provider_id) {
            return Err(CoreError::NotFound);
        }
        if user.password_hash.is_none() && linked.len() <= 1 {
            return Err(refused("upstream.last_method"));
        }
        let now = self.now();
        let audit = AuditEvent::new(now, "identity.unlinked", Some(user.id.as_str()), meta)?
            .details(format!("idp={provider_id}"));
        if !self
            .store
            .unlink_identity(&user.id, provider_id, &auth.session.id_hash, now, &audit)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        Ok(())
    }
}
