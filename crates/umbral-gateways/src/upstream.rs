//! Upstream identity providers over OpenID Connect, with the `openidconnect` crate: discovery
//! (fetched on first use, kept an hour, fetched again at once when an ID token names a key the
//! provider did not publish yet), the authorization URL with `state`, `nonce` and PKCE, and the
//! code exchange whose ID token is checked (signature, issuer, audience, expiry with a minute
//! of skew at most, `nonce`). Every call has a timeout and a size cap; no redirect is followed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use umbral_core::ports::UpstreamGateway;
use umbral_core::upstream::{Provider, UpstreamError, UpstreamIdentity};

/// A provider's discovery is read again after this long.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// An ID token with an unknown key sends Umbral back to the provider at most this often.
const REFETCH_EVERY: Duration = Duration::from_secs(10);
/// The most a provider's answer may weigh.
const MAX_BODY: usize = 256 * 1024;
/// Clocks may differ by this much.
const SKEW: Duration = Duration::from_secs(60);

pub struct OidcUpstream {
    client: reqwest::Client,
    /// Per provider id: its discovery (keys included) and when it was read.
    discovered: Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>,
    /// Per provider id: when an ID token's unknown key last sent Umbral back for the keys.
    refetched: Mutex<HashMap<String, Instant>>,
}

impl OidcUpstream {
    /// A provider that does not answer within `timeout` is unavailable for that request.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            client,
            discovered: Mutex::new(HashMap::new()),
            refetched: Mutex::new(HashMap::new()),
        })
    }

    /// The crate's HTTP calls, through this gateway's client.
    fn http(
        &self,
    ) -> impl Fn(
        HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, std::io::Error>> + Send>,
    > {
        let client = self.client.clone();
        move |r| Box::pin(fetch(client.clone(), r))
    }

    /// The provider's discovery: the one kept, unless it is older than `max_age`.
    async fn metadata(
        &self,
        provider: &Provider,
        max_age: Duration,
    ) -> Result<CoreProviderMetadata, UpstreamError> {
        if let Ok(map) = self.discovered.lock()
            && let Some((m, at)) = map.get(&provider.id)
            && at.elapsed() < max_age
        {
            return Ok(m.clone());
        }
        let issuer =
            IssuerUrl::new(provider.issuer.clone()).map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
        let http = self.http();
        let m = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| UpstreamError::Unavailable(format!("discovery of {}: {e}", provider.id)))?;
        if let Ok(mut map) = self.discovered.lock() {
            map.insert(provider.id.clone(), (m.clone(), Instant::now()));
        }
        Ok(m)
    }

    /// May the keys of `provider` be read again now? Notes that they are.
    fn may_refetch(&self, provider: &str) -> bool {
        let Ok(mut map) = self.refetched.lock() else {
            return false;
        };
        match map.get(provider) {
            Some(at) if at.elapsed() < REFETCH_EVERY => false,
            _ => {
                map.insert(provider.to_string(), Instant::now());
                true
            }
        }
    }

    fn client(
        provider: &Provider,
        metadata: CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        UpstreamError,
    > {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| UpstreamError::Unavailable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }
}

#[async_trait]
impl UpstreamGateway for OidcUpstream {
    async fn authorize_url(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, UpstreamError> {
        let metadata = self.metadata(provider, DISCOVERY_TTL).await?;
        let client = Self::client(provider, metadata, redirect_uri)?;
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_string()));
        let (state, nonce) = (state.to_string(), nonce.to_string());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge);
        for scope in &provider.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        Ok(request.url().0.to_string())
    }

    async fn identity(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<UpstreamIdentity, UpstreamError> {
        let metadata = self.metadata(provider, DISCOVERY_TTL).await?;
        let client = Self::client(provider, metadata, redirect_uri)?;
        let http = self.http();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| UpstreamError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    UpstreamError::Refused(format!("token endpoint: {r}"))
                }
                other => UpstreamError::Unavailable(format!("token endpoint: {other}")),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| UpstreamError::Refused("no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let check = |client: &CoreClient<_, _, _, _, _, _>| {
            let verifier = client
                .id_token_verifier()
                // Expiry with a minute of skew; an ID token issued more than a minute ahead of
                // this clock is refused.
                .set_time_fn(|| chrono::Utc::now() - SKEW)
                .set_issue_time_verifier_fn(|iat| {
                    if iat > chrono::Utc::now() + SKEW {
                        Err("issued in the future".to_string())
                    } else {
                        Ok(())
                    }
                });
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match check(&client) {
            Ok(c) => c,
            // A key the provider published after Umbral read its keys: read them again (at most
            // every `REFETCH_EVERY`, so that bad tokens cannot make Umbral hammer the provider).
            Err(ClaimsVerificationError::SignatureVerification(e)) if self.may_refetch(&provider.id) => {
                tracing::debug!(error = %e, provider = %provider.id, "reading the provider's keys again");
                let metadata = self.metadata(provider, Duration::ZERO).await?;
                let client = Self::client(provider, metadata, redirect_uri)?;
                check(&client).map_err(|e| UpstreamError::Refused(format!("ID token: {e}")))?
            }
            Err(e) => return Err(UpstreamError::Refused(format!("ID token: {e}"))),
        };
        let extra = payload(&id_token.to_string());
        Ok(UpstreamIdentity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified() == Some(true),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            hosted_domain: extra.get("hd").and_then(|v| v.as_str()).map(str::to_string),
            amr: claims
                .auth_method_refs()
                .map(|a| a.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

/// One HTTP call of the crate, at most `MAX_BODY` of answer.
async fn fetch(client: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, std::io::Error> {
    let fail = |e: reqwest::Error| std::io::Error::other(e.to_string());
    let (parts, body) = request.into_parts();
    let mut req = client.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        req = req.header(name, value);
    }
    let mut r = req.send().await.map_err(fail)?;
    let mut out = HttpResponse::new(Vec::new());
    *out.status_mut() = r.status();
    *out.headers_mut() = r.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.map_err(fail)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(std::io::Error::other("the provider's answer is too large"));
        }
        body.extend_from_slice(&chunk);
    }
    *out.body_mut() = body;
    Ok(out)
}

/// The claims of a JWT whose signature was checked already (for the claims the crate's types
/// leave out, such as Google's `hd`).
fn payload(jwt: &str) -> serde_json::Map<String, serde_json::Value> {
    use base64::Engine;
    jwt.split('.')
        .nth(1)
        .and_then(|p| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
