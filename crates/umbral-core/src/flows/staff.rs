//! The staff console's reads and actions (`docs/operations.md`): find users, see one user's
//! factors, sessions and audit trail, end their sessions. Every call is a staff actor's; every
//! action is audited with the staff member as its actor.
//!
//! Also what staff tools do through the staff API (`/api/v1/admin`) and the command line
//! besides lost-factor resets: API keys, and an organization's own two-factor policy.

use crate::accounts::{Membership, User};
use crate::audit::{AuditEvent, RequestMeta};
use crate::error::CoreError;
use crate::factors::Factor;
use crate::flows::session::Authenticated;
use crate::policy::TwoFactorPolicy;
use crate::ports::Store;
use crate::ports::{OrganizationRow, SessionRecord};
use crate::secrets;
use crate::service::Umbral;
use crate::staff::{ApiActor, ApiKey, ApiScope};
use crate::types::{OrgId, UserId};

/// One user as staff see them.
#[derive(Debug, Clone)]
pub struct UserOverview {
    pub user: User,
    pub membership: Option<Membership>,
    pub factors: Vec<Factor>,
    pub sessions: Vec<SessionRecord>,
    pub audit: Vec<AuditEvent>,
}

impl<S: ?Sized + Store> Umbral<S> {
    /// The signed-in staff member as an actor; anyone else is told the page does not exist.
    pub fn staff_actor(&self, auth: &Authenticated) -> Result<ApiActor, CoreError> {
        let user = auth.complete_user().map_err(|_| CoreError::NotFound)?;
        if !user.is_staff {
            return Err(CoreError::NotFound);
        }
        Ok(ApiActor {
            key_id: String::new(),
            name: user.name.clone(),
            scope: ApiScope::Staff,
            user_id: Some(user.id.0.clone()),
        })
    }

    pub async fn search_users(
        &self,
        actor: &ApiActor,
        q: &str,
    ) -> Result<Vec<(User, Option<Membership>)>, CoreError> {
        let org = match &actor.scope {
            ApiScope::Staff => None,
            ApiScope::Organization(id) => Some(id.0.as_str()),
        };
        self.store
            .search_users(q.trim(), org, 50)
            .await
            .map_err(CoreError::from)
    }

    pub async fn user_overview(&self, actor: &ApiActor, user_id: &UserId) -> Result<UserOverview, CoreError> {
        let user = self.store.user_by_id(user_id).await?.ok_or(CoreError::NotFound)?;
        let membership = self
            .store
            .sign_in_lookup(&user.email.to_lowercase(), ["", "", ""])
            .await?
            .account
            .and_then(|(_, m)| m);
        if !actor.scope.reaches(membership.as_ref().map(|m| &m.org_id)) {
            return Err(CoreError::NotFound);
        }
        let now = self.now();
        Ok(UserOverview {
            factors: self.store.factors_of(user_id).await?,
            sessions: self.store.live_sessions_of(user_id, now).await?,
            audit: self.store.audit_for_user(user_id, 50).await?,
            user,
            membership,
        })
    }

    /// Ends every session of a user (they sign in again).
    pub async fn end_user_sessions(
        &self,
        actor: &ApiActor,
        user_id: &UserId,
        meta: &RequestMeta,
    ) -> Result<u64, CoreError> {
        let overview = self.user_overview(actor, user_id).await?;
        let now = self.now();
        let mut audit = AuditEvent::new(now, "session.ended", Some(overview.user.id.as_str()), meta)?
            .details(format!("reason=revoked;all;by={}", actor.audit_name()));
        audit.actor_user_id = actor.user_id.clone();
        self.store
            .end_user_sessions(user_id, now, &audit)
            .await
            .map_err(CoreError::from)
    }
}

impl<S: ?Sized + Store> Umbral<S> {
    pub async fn search_organizations(
        &self,
        actor: &ApiActor,
        q: &str,
    ) -> Result<Vec<OrganizationRow>, CoreError> {
        if actor.scope != ApiScope::Staff {
            return Err(CoreError::Forbidden);
        }
        self.store
            .search_organizations(q.trim(), 50)
            .await
            .map_err(CoreError::from)
    }

    pub async fn organization_overview(
        &self,
        actor: &ApiActor,
        id: &OrgId,
    ) -> Result<(OrganizationRow, Vec<crate::ports::MemberRow>), CoreError> {
        if !actor.scope.reaches(Some(&crate::types::OrgId(id.to_string()))) {
            return Err(CoreError::NotFound);
        }
        let org = self.store.organization(id).await?.ok_or(CoreError::NotFound)?;
        let members = self.store.members_of(id, self.now()).await?;
        Ok((org, members))
    }

    /// An organization's company data, plan choice and subscription, for staff (or the
    /// organization's own API key).
    pub async fn organization_commerce(
        &self,
        actor: &ApiActor,
        id: &OrgId,
    ) -> Result<crate::ports::OrgCommerce, CoreError> {
        if !actor.scope.reaches(Some(&crate::types::OrgId(id.to_string()))) {
            return Err(CoreError::NotFound);
        }
        self.store.org_commerce(id).await.map_err(CoreError::from)
    }

    /// Staff set an organization's session policy; `None` follows the platform's setting.
    pub async fn set_org_single_session(
        &self,
        actor: &ApiActor,
        org_id: &OrgId,
        single: Option<bool>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if !actor
            .scope
            .reaches(Some(&crate::types::OrgId(org_id.to_string())))
        {
            return Err(CoreError::NotFound);
        }
        let mut audit = AuditEvent::new(self.now(), "organization.session_policy", None, meta)?
            .org(org_id.as_str())
            .details(format!(
                "single_session={};by={}",
                single.map(|b| b.to_string()).unwrap_or_else(|| "default".into()),
                actor.audit_name()
            ));
        audit.actor_user_id = actor.user_id.clone();
        self.store
            .set_org_single_session(org_id, single, &audit)
            .await?
            .then_some(())
            .ok_or(CoreError::NotFound)
    }
}

/// Keys of the platform settings staff change.
const TWO_FACTOR_KEY: &str = "two_factor_policy";
const SINGLE_SESSION_KEY: &str = "single_session";

impl<S: ?Sized + Store> Umbral<S> {
    /// Reads the platform defaults staff set (the configuration's where they set none). Every
    /// node runs this every few seconds, so a change reaches all of them.
    pub async fn refresh_platform_defaults(&self) -> Result<(), CoreError> {
        let stored = self.store.platform_settings().await?;
        let get = |k: &str| stored.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let fresh = crate::service::PlatformDefaults {
            two_factor: get(TWO_FACTOR_KEY)
                .and_then(crate::policy::TwoFactorPolicy::parse)
                .unwrap_or(self.config.factors.default_policy),
            single_session: get(SINGLE_SESSION_KEY)
                .map(|v| v == "true")
                .unwrap_or(self.config.session.single_session),
        };
        match self.defaults.write() {
            Ok(mut d) => *d = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Staff set the platform defaults; `None` returns to the configuration's.
    pub async fn set_platform_defaults(
        &self,
        actor: &ApiActor,
        two_factor: Option<crate::policy::TwoFactorPolicy>,
        single_session: Option<bool>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if actor.scope != ApiScope::Staff {
            return Err(CoreError::Forbidden);
        }
        let now = self.now();
        for (key, value) in [
            (TWO_FACTOR_KEY, two_factor.map(|p| p.as_str().to_string())),
            (SINGLE_SESSION_KEY, single_session.map(|b| b.to_string())),
        ] {
            let mut audit = AuditEvent::new(now, "platform.setting_changed", None, meta)?.details(format!(
                "{key}={};by={}",
                value.as_deref().unwrap_or("default"),
                actor.audit_name()
            ));
            audit.actor_user_id = actor.user_id.clone();
            self.store
                .put_platform_setting(key, value.as_deref(), now, &audit)
                .await?;
        }
        self.refresh_platform_defaults().await
    }

    /// Re-reads the platform defaults every `every` until `shutdown` resolves.
    pub async fn run_settings_refresh(
        self: std::sync::Arc<Self>,
        every: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = self.refresh_platform_defaults().await {
                tracing::warn!(error = %e, "could not read the platform settings");
            }
            if let Err(e) = self.reload_providers().await {
                tracing::warn!(error = ?e, "could not read the identity providers");
            }
        }
    }
}

/// The prefix of every API key, so that a key is recognisable in logs and secret scanners.
pub const API_KEY_PREFIX: &str = "uak_";

impl<S: ?Sized + Store> Umbral<S> {
    /// Staff (or the organization's own key) set an organization's two-factor policy; `None`
    /// follows the platform's default again.
    pub async fn set_org_two_factor_policy(
        &self,
        actor: &ApiActor,
        org_id: &OrgId,
        policy: Option<TwoFactorPolicy>,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        if !actor.scope.reaches(Some(&OrgId(org_id.to_string()))) {
            return Err(CoreError::NotFound);
        }
        let now = self.now();
        let mut audit = AuditEvent::new(now, "organization.two_factor_policy", None, meta)?
            .org(org_id.as_str())
            .details(format!(
                "policy={};by={}",
                policy.map(|p| p.as_str()).unwrap_or("default"),
                actor.audit_name()
            ));
        audit.subject_user_id = None;
        if self
            .store
            .set_org_two_factor_policy(org_id, policy, &audit)
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
