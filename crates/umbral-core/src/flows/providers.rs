//! Staff add, change and remove upstream identity providers in the console or the admin API
//! (those of the settings file cannot be changed there). Each node keeps them opened and reads
//! them again every few seconds (`run_settings_refresh`).

use crate::audit::{AuditEvent, RequestMeta};
use crate::error::{CoreError, FieldError};
use crate::flows::oidc::staff_only;
use crate::ports::Store;
use crate::service::Umbral;
use crate::staff::ApiActor;
use crate::upstream::{GOOGLE_ISSUER, Provider, ProviderKind, StoredProvider};

/// What the console's form or the API sends.
#[derive(Debug, Clone, Default)]
pub struct ProviderInput {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Empty: keep the one stored.
    pub client_secret: String,
    /// Space-separated; empty: `email profile`.
    pub scopes: String,
}

/// A provider as the console and the API show it (never its secret).
#[derive(Debug, Clone)]
pub struct ProviderView {
    pub provider: Provider,
    /// From the settings file: not changeable here.
    pub from_settings: bool,
}

impl<S: ?Sized + Store> Umbral<S> {
    /// Reads the providers staff added and opens their secrets (a provider whose secret does not
    /// open under this key is left out, and logged).
    pub async fn reload_providers(&self) -> Result<(), CoreError> {
        let stored = self.store.stored_providers().await?;
        let opened: Vec<Provider> = stored
            .into_iter()
            .filter_map(|p| match self.open_provider(&p) {
                Ok(open) => Some(open),
                Err(e) => {
                    tracing::warn!(provider = %p.id, error = ?e, "a stored provider's secret does not open");
                    None
                }
            })
            .collect();
        if let Ok(mut cache) = self.stored_providers.write() {
            *cache = opened;
        }
        Ok(())
    }

    fn open_provider(&self, p: &StoredProvider) -> Result<Provider, CoreError> {
        let secret = self.config.secret_key.open(&p.secret_sealed, &p.id)?;
        Ok(Provider {
            id: p.id.clone(),
            kind: p.kind,
            name: p.name.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            client_secret: String::from_utf8(secret)
                .map_err(|_| CoreError::Internal("sealed secret".into()))?,
            scopes: p.scopes.clone(),
        })
    }

    /// Every provider, those of the settings first.
    pub fn provider_views(&self, actor: &ApiActor) -> Result<Vec<ProviderView>, CoreError> {
        staff_only(actor)?;
        let from_settings = self.config.identity_providers.len();
        Ok(self
            .upstream_providers()
            .into_iter()
            .enumerate()
            .map(|(i, provider)| ProviderView {
                provider,
                from_settings: i < from_settings,
            })
            .collect())
    }

    /// Adds a provider, or changes one staff added (by its id); checked whole.
    pub async fn save_provider(
        &self,
        actor: &ApiActor,
        input: &ProviderInput,
        meta: &RequestMeta,
    ) -> Result<Provider, CoreError> {
        staff_only(actor)?;
        let id = input.id.trim().to_string();
        if self.config.identity_providers.iter().any(|p| p.id == id) {
            return Err(CoreError::invalid("id", "provider.from_settings"));
        }
        if id.starts_with("org-") {
            return Err(CoreError::invalid("id", "provider.id_invalid"));
        }
        let kind = ProviderKind::parse(input.kind.trim())
            .ok_or_else(|| CoreError::invalid("kind", "provider.kind_invalid"))?;
        let current = self
            .store
            .stored_providers()
            .await?
            .into_iter()
            .find(|p| p.id == id);
        let (name, issuer) = match kind {
            ProviderKind::Google => (
                Some(input.name.trim())
                    .filter(|n| !n.is_empty())
                    .unwrap_or("Google")
                    .to_string(),
                Some(input.issuer.trim())
                    .filter(|i| !i.is_empty())
                    .unwrap_or(GOOGLE_ISSUER)
                    .to_string(),
            ),
            ProviderKind::Oidc => (input.name.trim().to_string(), input.issuer.trim().to_string()),
        };
        let secret = match (input.client_secret.trim(), &current) {
            ("", Some(c)) => String::from_utf8(self.config.secret_key.open(&c.secret_sealed, &id)?)
                .map_err(|_| CoreError::Internal("sealed secret".into()))?,
            (s, _) => s.to_string(),
        };
        let scopes: Vec<String> = match input.scopes.split_whitespace().collect::<Vec<_>>() {
            s if s.is_empty() => vec!["email".into(), "profile".into()],
            s => s.into_iter().map(str::to_string).collect(),
        };
        let provider = Provider {
            id: id.clone(),
            kind,
            name,
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id: input.client_id.trim().to_string(),
            client_secret: secret,
            scopes,
        };
        if let Err(why) = provider.check() {
            // The rule in words is for the settings file; the form names the field.
            let field = if why.contains("issuer") {
                "issuer"
            } else if why.contains("client") {
                "client_id"
            } else if why.contains("name") {
                "name"
            } else if why.contains("scopes") {
                "scopes"
            } else {
                "id"
            };
            return Err(CoreError::Validation(vec![FieldError::new(
                field,
                "provider.field_invalid",
            )]));
        }
        let now = self.now();
        let stored = StoredProvider {
            id: id.clone(),
            kind,
            name: provider.name.clone(),
            issuer: provider.issuer.clone(),
            client_id: provider.client_id.clone(),
            secret_sealed: self
                .config
                .secret_key
                .seal(provider.client_secret.as_bytes(), &id)?,
            scopes: provider.scopes.clone(),
            created_at: current.as_ref().map_or(now, |c| c.created_at),
            updated_at: now,
        };
        let audit = AuditEvent::new(now, "provider.saved", None, meta)?
            .details(format!("idp={id};by={}", actor.key_id));
        self.store.put_provider(&stored, &audit).await?;
        self.reload_providers().await?;
        Ok(provider)
    }

    /// Removes a provider staff added; people linked through it keep their identity, which
    /// works again if it comes back.
    pub async fn remove_provider(
        &self,
        actor: &ApiActor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        staff_only(actor)?;
        let now = self.now();
        let audit = AuditEvent::new(now, "provider.removed", None, meta)?
            .details(format!("idp={id};by={}", actor.key_id));
        if id.len() > 40 || !self.store.delete_provider(id, &audit).await? {
            return Err(CoreError::NotFound);
        }
        self.reload_providers().await
    }
}
