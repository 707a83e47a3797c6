//! Consent: a third-party application (or any, with `prompt=consent`) gets a code only once the
//! person allowed what it asks to see; the answer is remembered per person, application and
//! scopes, and can be withdrawn in Security ("Connected applications").

use super::*;
use crate::ports::Consent;

/// What the waiting request asks the person to allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentView {
    pub client_name: String,
    pub scopes: Vec<String>,
}

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// The request waiting under `continuation`, if it has not expired.
    pub(super) async fn waiting_request(&self, continuation: &str) -> Result<Option<AuthRequest>, CoreError> {
        if continuation.is_empty() || continuation.len() > 100 {
            return Ok(None);
        }
        let text = self
            .store
            .auth_request(&secrets::hash_token(continuation), self.now())
            .await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// What to show on the consent page; `None` when nothing waits.
    pub async fn consent_view(&self, continuation: &str) -> Result<Option<ConsentView>, CoreError> {
        let Some(req) = self.waiting_request(continuation).await? else {
            return Ok(None);
        };
        let client = self.store.client(&req.client_id).await?.filter(Client::is_active);
        Ok(client.map(|c| ConsentView {
            client_name: c.name,
            scopes: req.scopes,
        }))
    }

    /// The person's answer: allowed, the consent is kept and the application gets its code;
    /// refused, it gets `access_denied`. `None` when nothing waits.
    pub async fn answer_consent(
        &self,
        continuation: &str,
        auth: &Authenticated,
        allow: bool,
        meta: &RequestMeta,
    ) -> Result<Option<Authorize>, CoreError> {
        let Some(req) = self.waiting_request(continuation).await? else {
            return Ok(None);
        };
        let user = auth.complete_user()?;
        self.store
            .end_auth_request(&secrets::hash_token(continuation))
            .await?;
        let back = |params: &[(&str, &str)]| back_to(&req, params);
        if !allow {
            return Ok(Some(back(&[
                ("error", "access_denied"),
                ("error_description", "the person did not allow this application"),
            ])));
        }
        let Some(client) = self.store.client(&req.client_id).await?.filter(Client::is_active) else {
            return Ok(Some(Authorize::ErrorPage("oidc.unknown_client")));
        };
        let now = self.now();
        let audit = AuditEvent::new(now, "consent.given", Some(user.id.as_str()), meta)?.details(format!(
            "client={};scopes={}",
            client.id,
            req.scopes.join(" ")
        ));
        self.store
            .put_consent(&user.id, &client.id, &req.scopes, now, &audit)
            .await?;
        self.store.consent_used(&user.id, &client.id, now).await?;
        let code = self.issue_code(&req, auth).await?;
        Ok(Some(back(&[("code", &code)])))
    }

    /// The applications the person allowed, newest first ("Connected applications").
    pub async fn connected_applications(&self, auth: &Authenticated) -> Result<Vec<Consent>, CoreError> {
        let user = auth.complete_user()?;
        Ok(self.store.consents_of(&user.id).await?)
    }

    /// Withdraws a consent: the application asks again next time, and its refresh tokens for
    /// this person stop working.
    pub async fn revoke_application(
        &self,
        auth: &Authenticated,
        client_id: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        let now = self.now();
        let audit = AuditEvent::new(now, "consent.revoked", Some(user.id.as_str()), meta)?
            .details(format!("client={client_id}"));
        if client_id.len() > 100
            || !self
                .store
                .revoke_consent(&user.id, client_id, now, &audit)
                .await?
        {
            return Err(CoreError::NotFound);
        }
        Ok(())
    }
}
