//! The applications that sign people in through Umbral (OpenID Connect relying parties).

use crate::clock::UnixMillis;
use crate::error::FieldError;
use crate::oidc::keys::KeyAlg;
use crate::secrets;

/// At most this many redirect URIs per client, each at most this long.
pub const MAX_REDIRECT_URIS: usize = 20;
pub const MAX_URI_LEN: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret (a high-entropy token, shown once); `None` for a public client
    /// (a single-page or native application, which cannot keep a secret and must use PKCE).
    pub secret_hash: Option<String>,
    /// Where codes may be sent, compared exactly.
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// The vendor's own application: no consent screen, refresh tokens without `offline_access`.
    pub first_party: bool,
    pub created_at: UnixMillis,
    pub disabled_at: Option<UnixMillis>,
    /// How its ID tokens (and logout tokens) are signed.
    pub id_token_alg: KeyAlg,
    /// `private_key_jwt` (RFC 7523): the public keys it signs its assertions with, a JWKS given
    /// inline (JSON) or read from an address. Such a client has no secret.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
}

impl Client {
    /// A client that can keep no secret (a single-page or native application).
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none() && !self.uses_keys()
    }

    /// It proves itself with a signed assertion (`private_key_jwt`).
    pub fn uses_keys(&self) -> bool {
        self.jwks.is_some() || self.jwks_uri.is_some()
    }

    /// How it authenticates at the token endpoint, as discovery and the console name it.
    pub fn auth_method(&self) -> &'static str {
        if self.uses_keys() {
            "private_key_jwt"
        } else if self.is_public() {
            "none"
        } else {
            "client_secret_basic"
        }
    }

    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    /// Exactly one of the registered URIs (no prefix, no pattern: RFC 9700 2.1).
    pub fn redirect_uri_registered(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Does `secret` belong to this confidential client? (Constant time.)
    pub fn secret_matches(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(h) => secrets::ct_eq(h, &secrets::hash_token(secret)),
            None => false,
        }
    }
}

/// What staff give to register an application.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub public: bool,
    pub third_party: bool,
    pub id_token_alg: KeyAlg,
    /// `private_key_jwt` instead of a secret: the client's public keys, inline or at an address.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
}

/// A client registered now: the record to keep, and its secret to show once.
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

impl NewClient {
    /// Checks every field; the errors name them all.
    pub fn register(&self, now: UnixMillis) -> Result<Registered, crate::CoreError> {
        let mut errors = check_fields(
            &self.name,
            &self.redirect_uris,
            &self.post_logout_redirect_uris,
            self.backchannel_logout_uri.as_deref(),
        );
        let uses_keys = self.jwks.is_some() || self.jwks_uri.is_some();
        if self.public && uses_keys {
            errors.push(FieldError::new("jwks", "client.keys_not_public"));
        } else {
            errors.extend(check_keys(self.jwks.as_deref(), self.jwks_uri.as_deref()));
        }
        if !errors.is_empty() {
            return Err(crate::CoreError::Validation(errors));
        }
        let name = self.name.trim();
        let secret = if self.public || uses_keys {
            None
        } else {
            Some(secrets::new_token()?)
        };
        Ok(Registered {
            client: Client {
                id: secrets::new_id(now)?,
                name: name.to_string(),
                secret_hash: secret.as_deref().map(secrets::hash_token),
                redirect_uris: self.redirect_uris.clone(),
                post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
                backchannel_logout_uri: self.backchannel_logout_uri.clone(),
                first_party: !self.third_party,
                created_at: now,
                disabled_at: None,
                id_token_alg: self.id_token_alg,
                jwks: self.jwks.clone(),
                jwks_uri: self.jwks_uri.clone(),
            },
            secret,
        })
    }
}

/// A change to a registered client: the fields given replace its own.
#[derive(Debug, Clone, Default)]
pub struct ClientEdit {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// `Some(None)` removes it.
    pub backchannel_logout_uri: Option<Option<String>>,
    pub id_token_alg: Option<KeyAlg>,
    /// New keys for a `private_key_jwt` client (inline, or an address).
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
}

impl ClientEdit {
    /// The client with this change, checked whole.
    pub fn apply(&self, client: &Client) -> Result<Client, crate::CoreError> {
        let mut c = client.clone();
        if let Some(n) = &self.name {
            c.name = n.trim().to_string();
        }
        if let Some(u) = &self.redirect_uris {
            c.redirect_uris = u.clone();
        }
        if let Some(u) = &self.post_logout_redirect_uris {
            c.post_logout_redirect_uris = u.clone();
        }
        if let Some(u) = &self.backchannel_logout_uri {
            c.backchannel_logout_uri = u.clone();
        }
        if let Some(a) = self.id_token_alg {
            c.id_token_alg = a;
        }
        let mut errors = check_fields(
            &c.name,
            &c.redirect_uris,
            &c.post_logout_redirect_uris,
            c.backchannel_logout_uri.as_deref(),
        );
        // An empty text is no keys (a form's empty field).
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (jwks, jwks_uri) = (given(&self.jwks), given(&self.jwks_uri));
        if self.jwks.is_some() || self.jwks_uri.is_some() {
            if c.uses_keys() {
                // A keyed client keeps keys: it has no secret to fall back on.
                (c.jwks, c.jwks_uri) = (jwks, jwks_uri);
                errors
                    .extend(check_keys(c.jwks.as_deref(), c.jwks_uri.as_deref()).or_else(|| {
                        (!c.uses_keys()).then(|| FieldError::new("jwks", "client.jwks_invalid"))
                    }));
            } else if jwks.is_some() || jwks_uri.is_some() {
                // A secret or a public client does not turn into a keyed one: register anew.
                errors.push(FieldError::new("jwks", "client.keys_not_public"));
            }
        }
        if errors.is_empty() {
            Ok(c)
        } else {
            Err(crate::CoreError::Validation(errors))
        }
    }
}

/// The rules of a client's fields; every broken one is named.
fn check_fields(
    name: &str,
    redirect_uris: &[String],
    post_logout: &[String],
    backchannel: Option<&str>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "client.name_invalid"));
    }
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        errors.push(FieldError::new("redirect_uris", "client.redirect_uris_count"));
    } else if redirect_uris.iter().any(|u| check_redirect_uri(u).is_err()) {
        errors.push(FieldError::new("redirect_uris", "client.redirect_uri_invalid"));
    }
    if post_logout.len() > MAX_REDIRECT_URIS || post_logout.iter().any(|u| check_redirect_uri(u).is_err()) {
        errors.push(FieldError::new(
            "post_logout_redirect_uris",
            "client.redirect_uri_invalid",
        ));
    }
    if let Some(u) = backchannel
        && check_backchannel_uri(u).is_err()
    {
        errors.push(FieldError::new(
            "backchannel_logout_uri",
            "client.backchannel_uri_invalid",
        ));
    }
    errors
}

/// The ID token algorithm a form or a request names as `id_token_signed_response_alg` (the
/// registration metadata's name; empty: the default, RS256).
pub fn id_token_alg(given: &str) -> Result<KeyAlg, crate::CoreError> {
    match given {
        "" => Ok(KeyAlg::default()),
        a => KeyAlg::parse(a)
            .ok_or_else(|| crate::CoreError::invalid("id_token_signed_response_alg", "client.alg_invalid")),
    }
}

/// A client's public keys: exactly one of an inline JWKS (at most 10 public keys that sign) and
/// an address to read it from.
fn check_keys(jwks: Option<&str>, jwks_uri: Option<&str>) -> Option<FieldError> {
    match (jwks, jwks_uri) {
        (None, None) => None,
        (Some(_), Some(_)) => Some(FieldError::new("jwks", "client.jwks_invalid")),
        (Some(j), None) => crate::oidc::assertion::parse_jwks(j)
            .is_none()
            .then(|| FieldError::new("jwks", "client.jwks_invalid")),
        (None, Some(u)) => check_backchannel_uri(u)
            .is_err()
            .then(|| FieldError::new("jwks_uri", "client.jwks_uri_invalid")),
    }
}

/// Where the browser may be sent back: `https`, `http` only to this machine (a developer's or a
/// native application's loopback, RFC 8252 7.3), or a native application's own scheme with a
/// dot in it (`com.example.app:/cb`, RFC 8252 7.1); never a fragment, never credentials.
pub fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    if uri.len() > MAX_URI_LEN {
        return Err("too_long");
    }
    let url = url::Url::parse(uri).map_err(|_| "not_absolute")?;
    if url.fragment().is_some() {
        return Err("fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials");
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" | "https" => Err("insecure"),
        "javascript" | "data" | "file" | "vbscript" => Err("scheme"),
        s if s.contains('.') => Ok(()),
        _ => Err("scheme"),
    }
}

/// Where back-channel logout tokens are posted: `https`, or `http` to this machine.
pub fn check_backchannel_uri(uri: &str) -> Result<(), &'static str> {
    check_redirect_uri(uri)?;
    let url = url::Url::parse(uri).map_err(|_| "not_absolute")?;
    match url.scheme() {
        "https" | "http" => Ok(()),
        _ => Err("scheme"),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The web origins of a client's redirect URIs (`https://app.example.com`): the only origins its
/// browser code may call the token endpoints from.
pub fn web_origins(client: &Client) -> Vec<String> {
    let mut out: Vec<String> = client
        .redirect_uris
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.origin().ascii_serialization())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn redirect_uris() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost:3000/cb",
            "http://127.0.0.1:49152/cb",
            "http://[::1]/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert_eq!(check_redirect_uri(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("http://app.example.com/cb", "insecure"),
            ("https://app.example.com/cb#x", "fragment"),
            ("https://user:pw@app.example.com/cb", "credentials"),
            ("/cb", "not_absolute"),
            ("javascript:alert(1)", "scheme"),
            ("myapp:/cb", "scheme"),
        ] {
            assert_eq!(check_redirect_uri(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn a_new_client_is_checked_whole_and_its_secret_kept_hashed() {
        let bad = NewClient {
            name: " ".into(),
            redirect_uris: vec!["http://evil.example/cb".into()],
            ..NewClient::default()
        };
        let Err(crate::CoreError::Validation(errors)) = bad.register(1) else {
            panic!("accepted");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "redirect_uris"]);
        let good = NewClient {
            name: "Billing".into(),
            redirect_uris: vec!["https://billing.example.com/cb".into()],
            ..NewClient::default()
        };
        let r = good.register(1).unwrap();
        let secret = r.secret.unwrap();
        assert!(r.client.secret_matches(&secret));
        assert!(!r.client.secret_matches("guess"));
        assert_ne!(r.client.secret_hash.as_deref(), Some(secret.as_str()));
        assert!(r.client.first_party);
        let public = NewClient { public: true, ..good };
        let r = public.register(1).unwrap();
        assert!(r.secret.is_none() && r.client.is_public());
        assert!(!r.client.secret_matches(""));
    }

    #[test]
    fn a_keyed_client_changes_its_keys_and_always_keeps_some() {
        let alg = crate::oidc::keys::KeyAlg::Es256;
        let key = crate::oidc::keys::open("k1", alg, &crate::oidc::keys::generate(alg).unwrap()).unwrap();
        let jwks = serde_json::json!({"keys": [key.jwk]}).to_string();
        let good = NewClient {
            name: "Billing".into(),
            redirect_uris: vec!["https://billing.example.com/cb".into()],
            ..NewClient::default()
        };
        let keyed = NewClient {
            jwks: Some(jwks.clone()),
            ..good.clone()
        }
        .register(1)
        .unwrap();
        assert!(keyed.secret.is_none() && keyed.client.uses_keys());
        let edit = |jwks: &str, uri: &str| ClientEdit {
            jwks: Some(jwks.into()),
            jwks_uri: Some(uri.into()),
            ..ClientEdit::default()
        };
        let field = |r: Result<Client, crate::CoreError>| match r {
            Err(crate::CoreError::Validation(e)) => format!("{}:{}", e[0].field, e[0].code),
            other => panic!("{other:?}"),
        };
        // From inline keys to an address, and back.
        let moved = edit(" ", "https://billing.example.com/jwks")
            .apply(&keyed.client)
            .unwrap();
        assert_eq!(
            (moved.jwks.as_deref(), moved.jwks_uri.as_deref()),
            (None, Some("https://billing.example.com/jwks"))
        );
        let back = edit(&jwks, "").apply(&moved).unwrap();
        assert_eq!((back.jwks.as_deref(), back.jwks_uri), (Some(jwks.as_str()), None));
        // No keys at all would leave it no way to authenticate.
        assert_eq!(
            field(edit("", "").apply(&keyed.client)),
            "jwks:client.jwks_invalid"
        );
        assert_eq!(
            field(edit("{}", "").apply(&keyed.client)),
            "jwks:client.jwks_invalid"
        );
        assert_eq!(
            field(edit("", "http://evil.example/jwks").apply(&keyed.client)),
            "jwks_uri:client.jwks_uri_invalid"
        );
        // A client with a secret: empty fields change nothing, keys are refused.
        let secret = good.register(1).unwrap().client;
        assert_eq!(edit("", "").apply(&secret).unwrap().jwks, None);
        assert_eq!(
            field(edit(&jwks, "").apply(&secret)),
            "jwks:client.keys_not_public"
        );
    }

    #[test]
    fn web_origins_come_from_the_redirect_uris() {
        let r = NewClient {
            name: "SPA".into(),
            redirect_uris: vec![
                "https://spa.example.com/cb".into(),
                "https://spa.example.com/other".into(),
                "http://localhost:5173/cb".into(),
                "com.example.app:/cb".into(),
            ],
            public: true,
            ..NewClient::default()
        }
        .register(1)
        .unwrap();
        assert_eq!(
            web_origins(&r.client),
            ["http://localhost:5173", "https://spa.example.com"]
        );
    }

    proptest! {
        #[test]
        fn no_text_crashes_the_redirect_check(s in ".{0,300}") {
            let _ = check_redirect_uri(&s);
        }
    }
}
