//! The `openidconnect` crate as the relying party (nobody here wrote it): discovery, the code
//! flow with PKCE, the ID token checked on the JWKS (signature, issuer, audience, nonce,
//! `at_hash`), userinfo, refresh; the revocation by hand (the crate revokes over https only).

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use umbral_testkit::umbral_core::oidc::keys::KeyAlg;

use super::*;

/// The crate's HTTP calls, made with the workspace's HTTP client.
async fn http(request: HttpRequest) -> Result<HttpResponse, std::io::Error> {
    let fail = |e: reqwest::Error| std::io::Error::other(e.to_string());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(fail)?;
    let (parts, body) = request.into_parts();
    let mut req = client.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        req = req.header(name, value);
    }
    let r = req.send().await.map_err(fail)?;
    let mut out = http_response(r.status().as_u16());
    *out.headers_mut() = r.headers().clone();
    *out.body_mut() = r.bytes().await.map_err(fail)?.to_vec();
    Ok(out)
}

fn http_response(status: u16) -> HttpResponse {
    let mut r = HttpResponse::new(Vec::new());
    *r.status_mut() = openidconnect::http::StatusCode::from_u16(status).unwrap();
    r
}

#[tokio::test]
async fn the_openidconnect_crate_signs_in_refreshes_and_revokes() {
    let app = spawn_app().await;
    to_wall_clock(&app);
    let browser = app.signed_up("ana@example.com").await;
    for alg in [KeyAlg::Rs256, KeyAlg::EdDsa, KeyAlg::Es256] {
        let (id, secret) = register(
            &app,
            NewClient {
                name: "Rust app".into(),
                redirect_uris: vec![REDIRECT.into()],
                id_token_alg: alg,
                ..Default::default()
            },
        )
        .await;
        let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).unwrap(), &http)
            .await
            .unwrap();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(id.clone()),
            Some(ClientSecret::new(secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("organization".into()))
            .set_pkce_challenge(challenge)
            .url();
        let r = browser.get(url.as_str()).send().await.unwrap();
        let location = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(url_param(&location, "state"), *state.secret());
        let tokens = client
            .exchange_code(AuthorizationCode::new(url_param(&location, "code")))
            .unwrap()
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .unwrap();
        let id_token = tokens.id_token().expect("an ID token");
        let verifier = client.id_token_verifier();
        let claims = id_token.claims(&verifier, &nonce).expect("the ID token holds");
        assert_eq!(claims.email().map(|e| e.as_str()), Some("ana@example.com"));
        let at_hash = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(claims.access_token_hash(), Some(&at_hash), "{alg:?}");
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async(&http)
            .await
            .unwrap();
        assert_eq!(info.subject(), claims.subject());
        let refreshed = client
            .exchange_refresh_token(tokens.refresh_token().expect("a refresh token"))
            .unwrap()
            .request_async(&http)
            .await
            .unwrap();
        let next = refreshed.refresh_token().expect("a new refresh token");
        assert_ne!(next.secret(), tokens.refresh_token().unwrap().secret());
        // The crate revokes only over https; the same request by hand (RFC 7009).
        let revoked = reqwest::Client::new()
            .post(app.url("/oauth2/revoke"))
            .basic_auth(&id, Some(&secret))
            .form(&[
                ("token", next.secret().as_str()),
                ("token_type_hint", "refresh_token"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        let after = client
            .exchange_refresh_token(next)
            .unwrap()
            .request_async(&http)
            .await;
        assert!(after.is_err(), "a revoked refresh token still works");
    }
    app.stop().await;
}
