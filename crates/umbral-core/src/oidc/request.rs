//! The authorization request (OpenID Connect Core 3.1.2.1), checked in the order the
//! specifications ask: the client and its redirect URI first (an error there is shown to the
//! person and never sent anywhere), then everything else (sent back to the client with its
//! `state`, RFC 6749 4.1.2.1).

use serde::{Deserialize, Serialize};

use super::client::Client;
use super::pkce;

/// Bounds that keep a stored request small.
const MAX_STATE: usize = 2048;
const MAX_NONCE: usize = 512;
const MAX_SCOPE: usize = 1024;
const MAX_HINT: usize = 254;

/// The scopes Umbral knows; others are ignored (OpenID Connect Core 3.1.2.1).
pub const SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "phone",
    "organization",
    "offline_access",
];

/// A checked request, kept on the server while the person signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Known scopes only, `openid` first.
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// An `S256` challenge (required of public clients).
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    /// Seconds: a sign-in older than this is made again.
    pub max_age: Option<i64>,
    pub ui_locales: Option<String>,
    pub login_hint: Option<String>,
    /// Two factors asked for (`acr_values` naming `mfa`, or the phishing-resistant profile).
    pub wants_mfa: bool,
    /// When the request was put aside for a sign-in: a `prompt=login` or `max_age` request is
    /// met by a sign-in made after it.
    #[serde(default)]
    pub asked_at: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub create: bool,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Shown on a page, never redirected: the client or its redirect URI cannot be trusted.
    Page(&'static str),
    /// Sent back to the client: `error`, a description, and the request's `state`.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Checks a request given as its query pairs. `find` looks a client up by id.
pub fn check(
    pairs: &[(String, String)],
    find: impl FnOnce(&str) -> Option<Client>,
) -> Result<(AuthRequest, Client), AuthError> {
    let one = |name: &str| -> Result<Option<&str>, ()> {
        let mut it = pairs.iter().filter(|(k, _)| k == name);
        match (it.next(), it.next()) {
            (Some(_), Some(_)) => Err(()),
            (Some((_, v)), None) => Ok(Some(v.as_str())),
            (None, _) => Ok(None),
        }
    };
    let client_id = match one("client_id") {
        Ok(Some(id)) if !id.is_empty() && id.len() <= 100 => id,
        _ => return Err(AuthError::Page("oidc.unknown_client")),
    };
    let client = match find(client_id) {
        Some(c) if c.is_active() => c,
        _ => return Err(AuthError::Page("oidc.unknown_client")),
    };
    let redirect_uri = match one("redirect_uri") {
        Ok(Some(u)) if client.redirect_uri_registered(u) => u.to_string(),
        _ => return Err(AuthError::Page("oidc.redirect_uri_mismatch")),
    };
    let state = match one("state") {
        Ok(s) => s.filter(|s| !s.is_empty()).map(str::to_string),
        Err(()) => None,
    };
    let fail = |error: &'static str, description: &str| AuthError::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description: description.to_string(),
    };
    // Every parameter at most once (OAuth 2.0 3.1).
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(fail("invalid_request", "a parameter is repeated"));
    }
    let get = |name: &str| one(name).ok().flatten();
    if state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
        return Err(fail("invalid_request", "state is too long"));
    }
    if get("request").is_some() {
        return Err(fail("request_not_supported", "request objects are not supported"));
    }
    if get("request_uri").is_some() {
        return Err(fail("request_uri_not_supported", "request_uri is not supported"));
    }
    match get("response_type") {
        None | Some("") => return Err(fail("invalid_request", "response_type is missing")),
        Some("code") => {}
        Some(_) => return Err(fail("unsupported_response_type", "only the code flow is offered")),
    }
    if let Some(mode) = get("response_mode")
        && mode != "query"
    {
        return Err(fail("invalid_request", "only response_mode=query is offered"));
    }
    let scope = get("scope").unwrap_or("");
    if scope.len() > MAX_SCOPE {
        return Err(fail("invalid_scope", "scope is too long"));
    }
    let asked: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if !asked.contains(&"openid") {
        return Err(fail("invalid_scope", "the openid scope is required"));
    }
    let scopes: Vec<String> = SCOPES
        .iter()
        .filter(|s| asked.contains(s))
        .map(|s| s.to_string())
        .collect();
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) if client.is_public() => {
            return Err(fail(
                "invalid_request",
                "a public client must send a PKCE challenge (S256)",
            ));
        }
        (None, None) => None,
        (Some(c), Some("S256")) if pkce::well_formed(c) => Some(c.to_string()),
        (Some(_), Some("S256")) => return Err(fail("invalid_request", "code_challenge is malformed")),
        (None, Some(_)) => return Err(fail("invalid_request", "code_challenge is missing")),
        (_, _) => {
            return Err(fail(
                "invalid_request",
                "only the S256 code challenge method is offered",
            ));
        }
    };
    let nonce = get("nonce").filter(|n| !n.is_empty());
    if nonce.is_some_and(|n| n.len() > MAX_NONCE) {
        return Err(fail("invalid_request", "nonce is too long"));
    }
    let mut prompt = Prompt::default();
    for p in get("prompt").unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        match p {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "create" => prompt.create = true,
            "select_account" => {}
            _ => return Err(fail("invalid_request", "prompt holds an unknown value")),
        }
    }
    if prompt.none && (prompt.login || prompt.consent || prompt.create) {
        return Err(fail("invalid_request", "prompt=none cannot be combined"));
    }
    let max_age = match get("max_age") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (0..=10 * 365 * 86_400).contains(&n) => Some(n),
            _ => return Err(fail("invalid_request", "max_age is not a number of seconds")),
        },
    };
    let short = |name: &str| {
        get(name)
            .filter(|v| !v.is_empty() && v.len() <= MAX_HINT)
            .map(str::to_string)
    };
    let wants_mfa = get("acr_values").is_some_and(|v| {
        v.split(' ').any(|a| {
            matches!(
                a,
                "mfa" | "http://schemas.openid.net/pape/policies/2007/06/multi-factor" | "phr" | "phrh"
            )
        })
    });
    Ok((
        AuthRequest {
            client_id: client.id.clone(),
            redirect_uri,
            scopes,
            state,
            nonce: nonce.map(str::to_string),
            code_challenge,
            prompt,
            max_age,
            ui_locales: short("ui_locales"),
            login_hint: short("login_hint"),
            wants_mfa,
            asked_at: 0,
        },
        client,
    ))
}

/// The address that takes the browser back to the client: the code, or the error, with `state`.
pub fn redirect_back(redirect_uri: &str, params: &[(&str, &str)], state: Option<&str>) -> String {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return redirect_uri.to_string(),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::client::NewClient;
    use proptest::prelude::*;

    fn client(public: bool) -> Client {
        NewClient {
            name: "App".into(),
            redirect_uris: vec!["https://app.example.com/cb".into()],
            public,
            ..NewClient::default()
        }
        .register(1)
        .unwrap()
        .client
    }

    fn pairs(q: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    fn ask(q: &str, public: bool) -> Result<AuthRequest, AuthError> {
        let c = client(public);
        let q = q.replace("CID", &c.id);
        check(&pairs(&q), |id| (id == c.id).then(|| c.clone())).map(|(r, _)| r)
    }

    const OK: &str = "client_id=CID&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&response_type=code&scope=openid%20email&state=s1";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn error_of(r: Result<AuthRequest, AuthError>) -> &'static str {
        match r {
            Err(AuthError::Redirect { error, state, .. }) => {
                assert_eq!(state.as_deref(), Some("s1"));
                error
            }
            Err(AuthError::Page(e)) => e,
            Ok(_) => "accepted",
        }
    }

    #[test]
    fn a_good_request() {
        let r = ask(OK, false).unwrap();
        assert_eq!(r.scopes, ["openid", "email"]);
        assert_eq!(r.state.as_deref(), Some("s1"));
        assert!(r.code_challenge.is_none());
        let r = ask(&format!("{OK}&code_challenge={CHALLENGE}&code_challenge_method=S256&nonce=n&prompt=login&max_age=0&acr_values=mfa&scope2=x"), true)
            .unwrap();
        assert!(r.prompt.login && r.wants_mfa);
        assert_eq!(r.max_age, Some(0));
        assert_eq!(r.nonce.as_deref(), Some("n"));
    }

    #[test]
    fn the_client_and_its_redirect_uri_are_never_trusted_blindly() {
        assert_eq!(
            error_of(ask(&OK.replace("CID", "nobody"), false)),
            "oidc.unknown_client"
        );
        assert_eq!(
            error_of(ask(&OK.replace("%2Fcb", "%2Fcb2"), false)),
            "oidc.redirect_uri_mismatch"
        );
        assert_eq!(
            error_of(ask(&OK.replace("https%3A", "http%3A"), false)),
            "oidc.redirect_uri_mismatch"
        );
        assert_eq!(
            error_of(ask(
                &format!("{OK}&redirect_uri=https%3A%2F%2Fevil.example%2F"),
                false
            )),
            "oidc.redirect_uri_mismatch"
        );
        assert_eq!(
            error_of(ask(
                &OK.replace("&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb", ""),
                false
            )),
            "oidc.redirect_uri_mismatch"
        );
    }

    #[test]
    fn other_errors_go_back_to_the_client_with_the_state() {
        for (q, want) in [
            (
                OK.replace("response_type=code", "response_type=token"),
                "unsupported_response_type",
            ),
            (OK.replace("&response_type=code", ""), "invalid_request"),
            (OK.replace("openid%20", ""), "invalid_scope"),
            (format!("{OK}&request=eyJ"), "request_not_supported"),
            (
                format!("{OK}&request_uri=https%3A%2F%2Fx"),
                "request_uri_not_supported",
            ),
            (format!("{OK}&scope=openid"), "invalid_request"),
            (format!("{OK}&prompt=none%20login"), "invalid_request"),
            (format!("{OK}&prompt=sometimes"), "invalid_request"),
            (format!("{OK}&max_age=-1"), "invalid_request"),
            (format!("{OK}&response_mode=fragment"), "invalid_request"),
            (
                format!("{OK}&code_challenge={CHALLENGE}&code_challenge_method=plain"),
                "invalid_request",
            ),
            (
                format!("{OK}&code_challenge=short&code_challenge_method=S256"),
                "invalid_request",
            ),
        ] {
            assert_eq!(error_of(ask(&q, false)), want, "{q}");
        }
        // A public client must use PKCE.
        assert_eq!(error_of(ask(OK, true)), "invalid_request");
    }

    #[test]
    fn the_way_back_keeps_the_uris_own_query() {
        assert_eq!(
            redirect_back(
                "https://app.example.com/cb?tenant=a",
                &[("code", "c 1")],
                Some("s&1")
            ),
            "https://app.example.com/cb?tenant=a&code=c+1&state=s%261"
        );
    }

    proptest! {
        #[test]
        fn no_query_crashes_the_check(q in "[a-z_=&%0-9A-F ]{0,300}") {
            let _ = ask(&q, false);
            let _ = ask(&format!("{OK}&{q}"), true);
        }
    }
}
