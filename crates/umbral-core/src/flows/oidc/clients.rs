//! Registering and managing applications.

use super::*;

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// Registers an application; its secret (a confidential client's) is shown once. Staff only
    /// (the console, the command line, a staff-wide API key).
    pub async fn register_client(
        &self,
        actor: &ApiActor,
        new: &NewClient,
        meta: &RequestMeta,
    ) -> Result<Registered, CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let r = new.register(now)?;
        let audit = client_event(now, "client.created", actor, meta, &r.client.id)?.details(format!(
            "client={};public={};first_party={}",
            r.client.id,
            r.client.is_public(),
            r.client.first_party
        ));
        self.store.put_client(&r.client, &audit).await?;
        Ok(r)
    }

    /// A confidential client's new secret, shown once; the old one stops working at once.
    pub async fn rotate_client_secret(
        &self,
        actor: &ApiActor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<String, CoreError> {
        staff_only(actor)?;
        if id.len() <= 100
            && let Some(c) = self.store.client(id).await?
            && c.uses_keys()
        {
            // It proves itself with its keys; a secret would be a second, weaker way in.
            return Err(CoreError::invalid("client_id", "client.keys_no_secret"));
        }
        let now = self.now();
        let secret = secrets::new_token()?;
        let audit = client_event(now, "client.secret_rotated", actor, meta, id)?;
        if id.len() > 100
            || !self
                .store
                .set_client_secret(id, &secrets::hash_token(&secret), &audit)
                .await?
        {
            return Err(CoreError::NotFound);
        }
        self.forget_client(id);
        Ok(secret)
    }

    /// Switches a client off or on again.
    pub async fn set_client_active(
        &self,
        actor: &ApiActor,
        id: &str,
        active: bool,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let event = if active {
            "client.enabled"
        } else {
            "client.disabled"
        };
        let audit = client_event(now, event, actor, meta, id)?;
        let at = (!active).then_some(now);
        if id.len() > 100 || !self.store.set_client_disabled(id, at, &audit).await? {
            return Err(CoreError::NotFound);
        }
        self.forget_client(id);
        Ok(())
    }

    /// Changes a client's name or addresses, checked whole.
    pub async fn update_client(
        &self,
        actor: &ApiActor,
        id: &str,
        edit: &ClientEdit,
        meta: &RequestMeta,
    ) -> Result<Client, CoreError> {
        staff_only(actor)?;
        let current = match id.len() {
            1..=100 => self.store.client(id).await?.ok_or(CoreError::NotFound)?,
            _ => return Err(CoreError::NotFound),
        };
        let changed = edit.apply(&current)?;
        let audit = client_event(self.now(), "client.changed", actor, meta, id)?;
        if !self.store.update_client(&changed, &audit).await? {
            return Err(CoreError::NotFound);
        }
        self.forget_client(id);
        Ok(changed)
    }

    /// The registered applications, newest first (never their secrets).
    pub async fn oidc_clients(&self, actor: &ApiActor) -> Result<Vec<Client>, CoreError> {
        staff_only(actor)?;
        Ok(self.store.clients().await?)
    }

    /// The web origins of the active clients (what CORS answers).
    pub async fn client_origins(&self) -> Result<Vec<String>, CoreError> {
        let mut out: Vec<String> = self
            .store
            .clients()
            .await?
            .iter()
            .filter(|c| c.is_active())
            .flat_map(crate::oidc::client::web_origins)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }
}
