//! The keys that sign for the provider, as a node holds them: read from the store and opened
//! once a minute (so that a key another node made reaches this one long before it signs), with
//! the JWKS serialized once per read. Rotation adds a key that is published for one JWKS cache
//! lifetime before it signs, and keeps the old one published until what it signed has expired.

use super::*;

/// A node reads the keys again this often.
pub(crate) const RELOAD_MS: i64 = 60_000;
/// Logout tokens live this long (`logout.rs`).
pub(crate) const LOGOUT_TOKEN_SECS: i64 = 120;

/// The keys in use, opened.
pub(crate) struct KeyRing {
    keys: Vec<(StoredKey, SigningKey)>,
    /// The published keys, as the JWKS endpoint answers them.
    pub(crate) jwks: Arc<str>,
    loaded_at: i64,
}

pub(crate) type OpenKeys = Arc<KeyRing>;

impl KeyRing {
    /// The key that signs with `alg` now; the RS256 key while `alg` has none in service yet (a
    /// new algorithm's first key is published before it signs).
    pub(crate) fn signer(&self, alg: KeyAlg, now: i64) -> Option<&SigningKey> {
        keys::signing(&self.keys, alg, now).or_else(|| keys::signing(&self.keys, KeyAlg::Rs256, now))
    }

    fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|(s, _)| s.kid == kid).map(|(_, k)| k)
    }
}

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// The keys, read at most once a minute; every algorithm gets a key when it has none.
    pub(crate) async fn signing_keys(&self) -> Result<OpenKeys, CoreError> {
        let now = self.now();
        let fresh = |r: &KeyRing| (r.loaded_at..r.loaded_at + RELOAD_MS).contains(&now);
        if let Some(r) = self.oidc_keys.read().await.as_ref()
            && fresh(r)
        {
            return Ok(r.clone());
        }
        let mut cached = self.oidc_keys.write().await;
        if let Some(r) = cached.as_ref()
            && fresh(r)
        {
            return Ok(r.clone());
        }
        let ring = self.load_keys().await?;
        *cached = Some(ring.clone());
        Ok(ring)
    }

    /// The key that signed a token (its `kid`): a key this node has not read yet (another node
    /// made it within the minute) sends it back to the store once.
    pub(crate) async fn key_of(&self, kid: &str) -> Result<Option<SigningKey>, CoreError> {
        let ring = self.signing_keys().await?;
        if let Some(k) = ring.by_kid(kid) {
            return Ok(Some(k.clone()));
        }
        if self.now() - ring.loaded_at < 1_000 {
            return Ok(None);
        }
        *self.oidc_keys.write().await = None;
        Ok(self.signing_keys().await?.by_kid(kid).cloned())
    }

    async fn load_keys(&self) -> Result<OpenKeys, CoreError> {
        let now = self.now();
        let mut opened = self.open_keys().await?;
        // The first keys of an installation sign at once (no application holds a JWKS yet); an
        // algorithm added later is published first.
        // Each algorithm's first key has a fixed `kid`, so that nodes starting together on a
        // new database keep one of them (the store keeps the first written), not one each.
        let starts = if opened.is_empty() {
            now
        } else {
            now + self.publish_ahead_ms()
        };
        let mut made = false;
        for alg in KeyAlg::ALL {
            if !opened.iter().any(|(s, _)| s.alg == alg) {
                let kid = format!("{}-1", alg.as_str().to_ascii_lowercase());
                self.store
                    .put_signing_key(&self.new_key(alg, starts, Some(kid))?)
                    .await?;
                made = true;
            }
        }
        if made {
            opened = self.open_keys().await?;
        }
        let set = keys::published(&opened, now, self.keep_published_ms());
        let jwks = serde_json::to_string(&set).map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(Arc::new(KeyRing {
            keys: opened,
            jwks: jwks.into(),
            loaded_at: now,
        }))
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

    /// A key sealed under the configured encryption key, signing from `active_from`; a new
    /// `kid` unless given.
    fn new_key(&self, alg: KeyAlg, active_from: i64, kid: Option<String>) -> Result<StoredKey, CoreError> {
        let now = self.now();
        let kid = match kid {
            Some(k) => k,
            None => secrets::new_id(now)?,
        };
        let der = keys::generate(alg)?;
        Ok(StoredKey {
            sealed: self.config.secret_key.seal(&der, &kid)?,
            kid,
            alg,
            created_at: now,
            active_from,
            retire_at: None,
        })
    }

    /// How long before it signs a new key is published: one JWKS cache lifetime, and the
    /// minute every node takes to read it.
    fn publish_ahead_ms(&self) -> i64 {
        self.config.oidc.jwks_max_age.as_ms() + RELOAD_MS
    }

    /// How long a key stays published after it stops signing: the longest life of what it
    /// signed, and the minute a node may sign with it still.
    fn keep_published_ms(&self) -> i64 {
        let p = &self.config.oidc;
        p.access_token
            .as_ms()
            .max(p.id_token.as_ms())
            .max(LOGOUT_TOKEN_SECS * 1000)
            + RELOAD_MS
    }

    /// The published keys (JWKS), and how long applications may keep them.
    pub async fn jwks(&self) -> Result<(Arc<str>, i64), CoreError> {
        let ring = self.signing_keys().await?;
        Ok((ring.jwks.clone(), self.config.oidc.jwks_max_age.as_secs()))
    }

    /// Every key the store holds, oldest first (`umbral keys list`).
    pub async fn key_list(&self) -> Result<Vec<StoredKey>, CoreError> {
        self.signing_keys().await?;
        Ok(self.store.signing_keys().await?)
    }

    /// Rotates the keys: a new key per algorithm (only those whose newest key is older than
    /// the rotation period when `only_due`), published now and signing after one JWKS cache
    /// lifetime, when the key it replaces stops. Returns the new keys.
    pub async fn rotate_keys(&self, only_due: bool) -> Result<Vec<StoredKey>, CoreError> {
        let ring = self.load_keys().await?;
        let now = self.now();
        let every = self.config.oidc.key_rotation.as_ms();
        let mut made = Vec::new();
        for alg in KeyAlg::ALL {
            if only_due && (every == 0 || !keys::rotation_due(&ring.keys, alg, now, every)) {
                continue;
            }
            let key = self.new_key(alg, now + self.publish_ahead_ms(), None)?;
            let audit =
                AuditEvent::new(now, "oidc.key_rotated", None, &RequestMeta::default())?.details(format!(
                    "alg={};kid={};signs_from={}",
                    alg.as_str(),
                    key.kid,
                    key.active_from
                ));
            self.store.rotate_signing_key(&key, &audit).await?;
            made.push(key);
        }
        if !made.is_empty() {
            *self.oidc_keys.write().await = None;
        }
        Ok(made)
    }

    /// Rotates the keys when they are due, every `every`, until `shutdown`. Two nodes that
    /// rotate at the same moment each add a key: both are published before they sign, and
    /// the newer signs, so nothing breaks.
    pub async fn run_key_rotation(
        self: Arc<Self>,
        every: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.rotate_keys(true).await {
                Ok(made) => {
                    for k in made {
                        tracing::info!(kid = %k.kid, alg = k.alg.as_str(), "made a new signing key");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "key rotation failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
