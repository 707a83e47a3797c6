//! Enterprise SSO (`docs/flows/upstream.md`): an organization's owner or admin sets its own
//! identity provider and claims an email domain, proven by a DNS TXT record; once verified and
//! switched on, sign-in sends that domain's emails to the provider (home-realm discovery).

use crate::accounts::Role;
use crate::audit::{AuditEvent, RequestMeta};
use crate::error::{CoreError, FieldError};
use crate::flows::session::Authenticated;
use crate::ports::{Store, StoreError};
use crate::secrets;
use crate::service::Umbral;
use crate::types::Email;
use crate::upstream::{OrgSso, challenge_name, challenge_value, check_domain, org_provider_id};

/// What the organization's SSO form sends.
#[derive(Debug, Clone, Default)]
pub struct OrgSsoInput {
    pub issuer: String,
    pub client_id: String,
    /// Empty: keep the one stored.
    pub client_secret: String,
    pub domain: String,
    pub enabled: bool,
    pub join_members: bool,
    pub trust_mfa: bool,
}

impl<S: ?Sized + Store> Umbral<S> {
    /// The organization of a signed-in owner or admin; members are refused.
    fn sso_manager<'a>(&self, auth: &'a Authenticated) -> Result<&'a crate::accounts::Membership, CoreError> {
        auth.signed_in_user()?;
        match auth.membership.as_ref() {
            Some(m) if m.role != Role::Member => Ok(m),
            _ => Err(CoreError::Forbidden),
        }
    }

    /// The organization's SSO settings (never the secret), if it set them.
    pub async fn org_sso(&self, auth: &Authenticated) -> Result<Option<OrgSso>, CoreError> {
        let m = self.sso_manager(auth)?;
        Ok(self.store.org_sso(&m.org_id).await?)
    }

    /// Saves the settings, checked whole. A new domain must be verified again (a new token);
    /// switching on needs a verified domain.
    pub async fn save_org_sso(
        &self,
        auth: &Authenticated,
        input: &OrgSsoInput,
        meta: &RequestMeta,
    ) -> Result<OrgSso, CoreError> {
        let m = self.sso_manager(auth)?;
        let current = self.store.org_sso(&m.org_id).await?;
        let mut errors = Vec::new();
        let issuer = input.issuer.trim().trim_end_matches('/').to_string();
        if crate::oidc::client::check_backchannel_uri(&issuer).is_err() {
            errors.push(FieldError::new("issuer", "sso.issuer_invalid"));
        }
        let client_id = input.client_id.trim().to_string();
        if client_id.is_empty() || client_id.len() > 200 {
            errors.push(FieldError::new("client_id", "sso.client_id_invalid"));
        }
        let secret = input.client_secret.trim();
        if (secret.is_empty() && current.is_none()) || secret.len() > 500 {
            errors.push(FieldError::new("client_secret", "sso.client_secret_invalid"));
        }
        let domain = check_domain(&input.domain).map_err(|e| errors.push(e)).ok();
        let Some(domain) = domain.filter(|_| errors.is_empty()) else {
            return Err(CoreError::Validation(errors));
        };
        let now = self.now();
        let same_domain = current.as_ref().filter(|c| c.domain == domain);
        let (token, verified_at) = match same_domain {
            Some(c) => (c.token.clone(), c.verified_at),
            None => (secrets::new_token()?, None),
        };
        if input.enabled && verified_at.is_none() {
            return Err(CoreError::invalid("enabled", "sso.verify_first"));
        }
        let secret_sealed = match (secret, &current) {
            ("", Some(c)) => c.secret_sealed.clone(),
            (s, _) => self.config.secret_key.seal(s.as_bytes(), m.org_id.as_str())?,
        };
        let sso = OrgSso {
            org_id: m.org_id.clone(),
            issuer,
            client_id,
            secret_sealed,
            domain,
            token,
            verified_at,
            enabled: input.enabled,
            join_members: input.join_members,
            trust_mfa: input.trust_mfa,
            updated_at: now,
        };
        let audit = AuditEvent::new(
            now,
            "org.sso_changed",
            auth.session.user_id.as_ref().map(|u| u.as_str()),
            meta,
        )?
        .org(m.org_id.as_str())
        .details(format!("domain={};enabled={}", sso.domain, sso.enabled));
        self.store.put_org_sso(&sso, &audit).await?;
        Ok(sso)
    }

    /// Looks the TXT record up; the domain is verified when it says this organization's token.
    pub async fn verify_org_domain(
        &self,
        auth: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<OrgSso, CoreError> {
        let m = self.sso_manager(auth)?;
        let mut sso = self
            .store
            .org_sso(&m.org_id)
            .await?
            .ok_or_else(|| CoreError::invalid("domain", "sso.domain_invalid"))?;
        if sso.verified_at.is_some() {
            return Ok(sso);
        }
        let found = match self.dns.txt(&challenge_name(&sso.domain)).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, domain = %sso.domain, "TXT lookup failed");
                return Err(CoreError::invalid("domain", "sso.dns_failed"));
            }
        };
        if !found.iter().any(|t| t.trim() == challenge_value(&sso.token)) {
            return Err(CoreError::invalid("domain", "sso.txt_not_found"));
        }
        let now = self.now();
        (sso.verified_at, sso.updated_at) = (Some(now), now);
        let audit = AuditEvent::new(
            now,
            "org.domain_verified",
            auth.session.user_id.as_ref().map(|u| u.as_str()),
            meta,
        )?
        .org(m.org_id.as_str())
        .details(format!("domain={}", sso.domain));
        match self.store.put_org_sso(&sso, &audit).await {
            Err(StoreError::Conflict(_)) => Err(CoreError::invalid("domain", "sso.domain_taken")),
            other => {
                other?;
                Ok(sso)
            }
        }
    }

    /// Home-realm discovery: the provider an email's domain signs in with, when an
    /// organization verified the domain and switched its provider on.
    pub async fn sso_provider_for(&self, email: &Email) -> Result<Option<String>, CoreError> {
        Ok(self
            .store
            .sso_by_domain(&email.domain())
            .await?
            .filter(|s| s.enabled)
            .map(|s| org_provider_id(&s.org_id)))
    }
}
