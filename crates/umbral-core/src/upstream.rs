//! Upstream identity providers: the OpenID Connect providers (Google, or any other) a person may
//! sign in with instead of a password (`docs/flows/upstream.md`). The rules of what a provider
//! says: an identity is its issuer and `sub`, never its email; an email counts only when the
//! provider verified it.

/// Google's issuer: the `google` kind is this provider with Google's name on the button.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// At most this many providers (buttons on the sign-in page).
pub const MAX_PROVIDERS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Google,
    Oidc,
}

impl ProviderKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "google" => Some(Self::Google),
            "oidc" => Some(Self::Oidc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Oidc => "oidc",
        }
    }
}

/// A provider staff configured.
#[derive(Clone)]
pub struct Provider {
    /// In the callback's address (`/login/idp/<id>/callback`): lowercase letters, digits, `-`.
    pub id: String,
    pub kind: ProviderKind,
    /// On the button: "Sign in with <name>".
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Never shown: `Debug` leaves it out.
    pub client_secret: String,
    /// Asked for besides `openid`; `email` and `profile` by default.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// Checks a provider's settings; the problem in words (for `check-config`).
    pub fn check(&self) -> Result<(), String> {
        let id_ok = (1..=40).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(format!(
                "identity provider id {:?}: 1-40 lowercase letters, digits or '-'",
                self.id
            ));
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 60 {
            return Err(format!(
                "identity provider {}: a name of 1-60 characters",
                self.id
            ));
        }
        if crate::oidc::client::check_backchannel_uri(&self.issuer).is_err() {
            return Err(format!(
                "identity provider {}: the issuer must be https (or http only to this machine)",
                self.id
            ));
        }
        if self.client_id.trim().is_empty() || self.client_secret.is_empty() {
            return Err(format!(
                "identity provider {}: client_id and client_secret are required",
                self.id
            ));
        }
        if self
            .scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(format!("identity provider {}: scopes are single words", self.id));
        }
        Ok(())
    }
}

/// A provider staff added in the console or the admin API, as stored (its secret sealed).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredProvider {
    pub id: String,
    pub kind: ProviderKind,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Sealed under the configured key, bound to the provider's id.
    pub secret_sealed: String,
    pub scopes: Vec<String>,
    pub created_at: crate::clock::UnixMillis,
    pub updated_at: crate::clock::UnixMillis,
}

impl std::fmt::Debug for StoredProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredProvider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Who the provider says the person is, from an ID token whose signature, issuer, audience,
/// expiry and nonce held.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UpstreamIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Only `true` when the ID token says `email_verified: true`.
    pub email_verified: bool,
    pub name: Option<String>,
    /// Google Workspace's hosted domain, from the ID token.
    pub hosted_domain: Option<String>,
    /// The provider's own methods (RFC 8176), when it says.
    pub amr: Vec<String>,
}

impl UpstreamIdentity {
    /// The email Umbral may trust: one the provider verified.
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }
}

/// Why a provider could not sign someone in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// Down, slow, or answering garbage: try again later.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// Its answer does not hold (signature, issuer, audience, expiry, nonce), or it refused.
    #[error("the provider's answer was refused: {0}")]
    Refused(String),
}

/// Email domains anyone can get an address at: no organization may claim one.
pub const PUBLIC_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.com.ar",
    "yahoo.com.br",
    "yahoo.com.mx",
    "yahoo.es",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.net",
    "mail.com",
    "yandex.com",
    "zoho.com",
    "tutanota.com",
    "fastmail.com",
    "hey.com",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "ig.com.br",
    "globo.com",
    "r7.com",
    "outlook.com.br",
    "hotmail.com.br",
    "hotmail.es",
    "live.com.ar",
    "live.com.mx",
    "fibertel.com.ar",
    "arnet.com.ar",
    "speedy.com.ar",
    "prodigy.net.mx",
    "qq.com",
    "163.com",
];

/// The TXT record that proves a domain: at `_umbral-challenge.<domain>`, `umbral-verification=<token>`.
pub fn challenge_name(domain: &str) -> String {
    format!("_umbral-challenge.{domain}")
}

pub fn challenge_value(token: &str) -> String {
    format!("umbral-verification={token}")
}

/// An email domain an organization may claim: a host name with a dot, lower-cased, not a public
/// mail service's.
pub fn check_domain(raw: &str) -> Result<String, crate::FieldError> {
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = d.split('.').all(|l| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    });
    if d.len() > 253 || !d.contains('.') || !labels_ok {
        return Err(crate::FieldError::new("domain", "sso.domain_invalid"));
    }
    if PUBLIC_DOMAINS.contains(&d.as_str()) {
        return Err(crate::FieldError::new("domain", "sso.domain_public"));
    }
    Ok(d)
}

/// The id under which an organization's provider is reached (`/login/idp/<id>/callback`).
pub fn org_provider_id(org: &crate::types::OrgId) -> String {
    format!("org-{}", org.as_str())
}

/// An organization's own identity provider (enterprise SSO) and the email domain it claims.
#[derive(Clone, PartialEq, Eq)]
pub struct OrgSso {
    pub org_id: crate::types::OrgId,
    pub issuer: String,
    pub client_id: String,
    /// Sealed under the configured key (bound to the organization's id).
    pub secret_sealed: String,
    pub domain: String,
    /// What the TXT record must say (`challenge_value`).
    pub token: String,
    pub verified_at: Option<crate::clock::UnixMillis>,
    /// Sign-in sends the domain's emails to the provider.
    pub enabled: bool,
    /// New people of the domain join as members; otherwise they need an invitation.
    pub join_members: bool,
    /// The provider's own second factor (`amr` with `mfa`) counts as Umbral's.
    pub trust_mfa: bool,
    pub updated_at: crate::clock::UnixMillis,
}

impl std::fmt::Debug for OrgSso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgSso")
            .field("org_id", &self.org_id)
            .field("issuer", &self.issuer)
            .field("domain", &self.domain)
            .field("verified_at", &self.verified_at)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_host_names_and_never_public_mail() {
        assert_eq!(check_domain(" Corp.Example. ").unwrap(), "corp.example");
        for bad in [
            "corp",
            "-corp.example",
            "corp..example",
            "corp_x.example",
            "a b.example",
            "",
        ] {
            assert_eq!(check_domain(bad).unwrap_err().code, "sso.domain_invalid", "{bad}");
        }
        for public in [
            "gmail.com",
            "Outlook.com",
            "uol.com.br",
            "proton.me",
            "terra.com.br",
        ] {
            assert_eq!(
                check_domain(public).unwrap_err().code,
                "sso.domain_public",
                "{public}"
            );
        }
        assert_eq!(challenge_name("corp.example"), "_umbral-challenge.corp.example");
        assert_eq!(challenge_value("t0k"), "umbral-verification=t0k");
        // 253 characters at most (labels of 63 at most).
        let long = |last: usize| {
            format!(
                "{}.{}.{}.{}",
                "a".repeat(63),
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(last)
            )
        };
        assert!(check_domain(&long(61)).is_ok());
        assert_eq!(check_domain(&long(62)).unwrap_err().code, "sso.domain_invalid");
        assert_eq!(
            check_domain(&format!("{}.example", "x".repeat(64)))
                .unwrap_err()
                .code,
            "sso.domain_invalid"
        );
        assert_eq!(org_provider_id(&crate::types::OrgId("o-1".into())), "org-o-1");
    }

    fn provider() -> Provider {
        Provider {
            id: "corp-2".into(),
            kind: ProviderKind::Oidc,
            name: "Corp".into(),
            issuer: "https://idp.example".into(),
            client_id: "c".into(),
            client_secret: "hush-hush".into(),
            scopes: vec!["email".into()],
        }
    }

    #[test]
    fn a_provider_is_checked_field_by_field() {
        assert!(provider().check().is_ok());
        let bad = |change: fn(&mut Provider), says: &str| {
            let mut p = provider();
            change(&mut p);
            let e = p.check().unwrap_err();
            assert!(e.contains(says), "{e}");
        };
        bad(|p| p.id = String::new(), "1-40");
        bad(|p| p.id = "a".repeat(41), "1-40");
        bad(|p| p.id = "Corp".into(), "lowercase");
        bad(|p| p.id = "corp_x".into(), "lowercase");
        bad(|p| p.name = " ".into(), "name");
        bad(|p| p.name = "n".repeat(61), "name");
        bad(|p| p.issuer = "http://idp.example".into(), "https");
        bad(|p| p.client_id = " ".into(), "client_id");
        bad(|p| p.client_secret = String::new(), "client_secret");
        bad(|p| p.scopes = vec![String::new()], "scopes");
        bad(|p| p.scopes = vec!["a b".into()], "scopes");
        let mut ok = provider();
        (ok.id, ok.name) = ("a".repeat(40), "n".repeat(60));
        assert!(ok.check().is_ok());
    }

    #[test]
    fn secrets_never_show_and_only_a_verified_email_counts() {
        let shown = format!("{:?}", provider());
        assert!(shown.contains("corp-2") && !shown.contains("hush"), "{shown}");
        let stored = StoredProvider {
            id: "x".into(),
            kind: ProviderKind::Google,
            name: "G".into(),
            issuer: GOOGLE_ISSUER.into(),
            client_id: "c".into(),
            secret_sealed: "sealed-bytes".into(),
            scopes: vec![],
            created_at: 0,
            updated_at: 0,
        };
        assert!(
            format!("{stored:?}").contains("StoredProvider")
                && !format!("{stored:?}").contains("sealed-bytes")
        );
        let sso = OrgSso {
            org_id: crate::types::OrgId("o".into()),
            issuer: "https://i".into(),
            client_id: "c".into(),
            secret_sealed: "sealed-bytes".into(),
            domain: "corp.example".into(),
            token: "t".into(),
            verified_at: None,
            enabled: false,
            join_members: true,
            trust_mfa: false,
            updated_at: 0,
        };
        assert!(format!("{sso:?}").contains("corp.example") && !format!("{sso:?}").contains("sealed-bytes"));
        let mut who = UpstreamIdentity {
            issuer: "https://i".into(),
            subject: "s".into(),
            email: Some("ana@corp.example".into()),
            email_verified: false,
            name: None,
            hosted_domain: None,
            amr: vec![],
        };
        assert_eq!(who.verified_email(), None);
        who.email_verified = true;
        assert_eq!(who.verified_email(), Some("ana@corp.example"));
        assert_eq!(
            ProviderKind::parse(ProviderKind::Google.as_str()),
            Some(ProviderKind::Google)
        );
        assert_eq!(ProviderKind::parse("oidc"), Some(ProviderKind::Oidc));
        assert_eq!(ProviderKind::parse("saml"), None);
    }
}
