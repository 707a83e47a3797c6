//! What the admin API and the command line do besides lost-factor resets: API keys, and an
//! organization's own two-factor policy.

use crate::admin::{ApiActor, ApiKey, ApiScope};
use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::policy::TwoFactorPolicy;
use crate::secrets;
use crate::service::Umbral;
use crate::types::OrgId;

/// The prefix of every API key, so that a key is recognisable in logs and secret scanners.
pub const API_KEY_PREFIX: &str = "uak_";

impl Umbral {
    /// Staff (or the organization's own key) set an organization's two-factor policy; `None`
    /// follows the platform's default again.
    pub async fn set_org_two_factor_policy(
        &self,
        actor: &ApiActor,
        org_id: &str,
        policy: Option<TwoFactorPolicy>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if !actor.scope.reaches(Some(&OrgId(org_id.to_string()))) {
            return Err(CoreError::NotFound);
        }
        let now = self.now();
        let mut audit = AuditEvent::new(now, "organization.two_factor_policy", None, meta)?
            .org(org_id)
            .details(format!(
                "policy={};by={}",
                policy.map(|p| p.as_str()).unwrap_or("default"),
                actor.audit_name()
            ));
        audit.subject_user_id = None;
        if self
            .store
            .set_org_two_factor_policy(org_id, policy.map(|p| p.as_str()), &audit)
            .await?
        {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }

    /// A new API key; its secret is returned once and only its hash is kept.
    pub async fn create_api_key(&self, name: &str, scope: ApiScope) -> Result<(ApiKey, String), CoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid("name", "api_key.name_invalid"));
        }
        let now = self.now();
        let secret = format!("{API_KEY_PREFIX}{}", secrets::new_token()?);
        let key = ApiKey {
            id: secrets::new_id(now)?,
            name: name.to_string(),
            key_hash: secrets::hash_token(&secret),
            scope,
            created_at: now,
            revoked_at: None,
        };
        let audit = AuditEvent::new(now, "api_key.created", None, &RequestMeta::default())?.details(format!(
            "key={};scope={}",
            key.id,
            key.scope.as_string()
        ));
        self.store.put_api_key(&key, &audit).await?;
        Ok((key, secret))
    }

    /// The caller behind an API key; a revoked or unknown key is unauthenticated.
    pub async fn authenticate_api_key(&self, secret: &str) -> Result<ApiActor, CoreError> {
        if !secret.starts_with(API_KEY_PREFIX) || secret.len() > 100 {
            return Err(CoreError::Unauthenticated);
        }
        let key = self
            .store
            .api_key_by_hash(&secrets::hash_token(secret))
            .await?
            .filter(|k| k.revoked_at.is_none())
            .ok_or(CoreError::Unauthenticated)?;
        Ok(ApiActor {
            key_id: key.id,
            name: key.name,
            scope: key.scope,
            user_id: None,
        })
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, CoreError> {
        self.store.list_api_keys().await.map_err(CoreError::from)
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<(), CoreError> {
        let now = self.now();
        let audit = AuditEvent::new(now, "api_key.revoked", None, &RequestMeta::default())?
            .details(format!("key={id}"));
        if self.store.revoke_api_key(id, now, &audit).await? {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }
}
