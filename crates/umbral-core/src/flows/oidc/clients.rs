//! Registering and managing applications, and the keys that sign for them.

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

    /// The keys, opened; a first key is made when there is none that signs.
    pub(crate) async fn signing_keys(&self) -> Result<OpenKeys, CoreError> {
        if let Some(k) = self.oidc_keys.read().await.as_ref()
            && keys::signing(k, KeyAlg::Rs256, self.now()).is_some()
        {
            return Ok(k.clone());
        }
        let mut cached = self.oidc_keys.write().await;
        let mut opened = self.open_keys().await?;
        if keys::signing(&opened, KeyAlg::Rs256, self.now()).is_none() {
            self.make_key(KeyAlg::Rs256).await?;
            opened = self.open_keys().await?;
        }
        let opened = Arc::new(opened);
        *cached = Some(opened.clone());
        Ok(opened)
    }

    async fn open_keys(&self) -> Result<Vec<(StoredKey, SigningKey)>, CoreError> {
        let mut out = Vec::new();
        for stored in self.store.signing_keys().await? {
            let der = self.config.secret_key.open(&stored.sealed, &stored.kid)?;
            let key = keys::open(&stored.kid, stored.alg, &der)?;
            out.push((stored, key));
        }
        Ok(out)
    }

    /// Makes a key, sealed under the configured encryption key; it signs at once (the first key
    /// of an installation has no tokens in flight to keep valid).
    async fn make_key(&self, alg: KeyAlg) -> Result<(), CoreError> {
        let now = self.now();
        let kid = secrets::new_id(now)?;
        let der = keys::generate(alg)?;
        let stored = StoredKey {
            sealed: self.config.secret_key.seal(&der, &kid)?,
            kid,
            alg,
            created_at: now,
            active_from: now,
            retire_at: None,
        };
        Ok(self.store.put_signing_key(&stored).await?)
    }

    /// The published keys (JWKS), read from the store so that every node's keys are there.
    pub async fn jwks(&self) -> Result<Value, CoreError> {
        self.signing_keys().await?;
        let opened = self.open_keys().await?;
        let set = keys::published(&opened, self.now(), KEEP_PUBLISHED_MS);
        serde_json::to_value(set).map_err(|e| CoreError::Internal(e.to_string()))
    }
}
