//! Signing out: RP-initiated logout, and telling every application a session reached when it
//! ends (back-channel logout).

use super::*;

/// The claims of an `id_token_hint` that logout reads.
#[derive(Debug, Clone, serde::Deserialize)]
struct HintClaims {
    aud: String,
    sub: String,
    sid: String,
}

impl<S: ?Sized + OidcStore + SessionStore + AccountStore + AuditStore> Umbral<S> {
    /// Back-Channel Logout 1.0: tells every application a now-ended session reached, with a
    /// signed logout token; a failure waits longer each time (5 s doubling, at most an hour)
    /// and is tried again until the application answers. Returns how many were told.
    pub async fn deliver_backchannel(
        &self,
        notifier: &dyn crate::ports::LogoutNotifier,
    ) -> Result<usize, CoreError> {
        let now = self.now();
        let due = self.store.due_backchannel(now, 50).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let keys = self.signing_keys().await?;
        // Signed as the application's ID tokens are, which its library checks alike.
        let algs: std::collections::HashMap<String, KeyAlg> = self
            .store
            .clients()
            .await?
            .into_iter()
            .map(|c| (c.id, c.id_token_alg))
            .collect();
        let mut told = 0;
        for d in due {
            let alg = algs.get(&d.client_id).copied().unwrap_or_default();
            let key = keys
                .signer(alg, now)
                .ok_or_else(|| CoreError::Internal("no signing key".into()))?;
            let iat = now / 1000;
            let claims = json!({
                "iss": self.issuer(),
                "aud": d.client_id,
                "iat": iat,
                "exp": iat + super::signing::LOGOUT_TOKEN_SECS,
                "jti": secrets::new_id(now)?,
                "sub": d.user_id.as_str(),
                "sid": sid_of(&d.session_id),
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
            });
            let token = tokens::sign(&claims, key, "logout+jwt")?;
            match notifier.post_logout_token(&d.uri, &token).await {
                Ok(()) => {
                    self.store
                        .backchannel_sent(&d.session_id, &d.client_id, now)
                        .await?;
                    told += 1;
                }
                Err(e) => {
                    let wait = (5_000i64 << d.attempts.clamp(0, 20)).min(3_600_000);
                    tracing::warn!(client = %d.client_id, error = %e, "back-channel logout not delivered; trying again");
                    if d.attempts == 0 {
                        let meta = RequestMeta::default();
                        let a =
                            AuditEvent::new(now, "oidc.backchannel_failed", Some(d.user_id.as_str()), &meta)?
                                .details(format!("client={}", d.client_id));
                        self.store.record_audit(&a).await?;
                    }
                    let error: String = e.chars().take(300).collect();
                    self.store
                        .backchannel_failed(&d.session_id, &d.client_id, now + wait, &error)
                        .await?;
                }
            }
        }
        Ok(told)
    }

    /// Delivers back-channel logout tokens every `poll`, until shutdown.
    pub async fn run_backchannel_worker(
        self: std::sync::Arc<Self>,
        notifier: std::sync::Arc<dyn crate::ports::LogoutNotifier>,
        poll: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.deliver_backchannel(notifier.as_ref()).await {
                tracing::warn!(error = %e, "back-channel logout pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): `id_token_hint` names the
    /// session and the client, `post_logout_redirect_uri` must be one the client registered.
    /// Without a hint the person is asked first (`confirmed` is their answer), so that a link on
    /// another site cannot sign them out.
    pub async fn end_session_request(
        &self,
        pairs: &[(String, String)],
        auth: Option<&Authenticated>,
        confirmed: bool,
        meta: &RequestMeta,
    ) -> Result<Logout, CoreError> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty() && v.len() <= 4096)
        };
        let hint = match get("id_token_hint") {
            Some(t) => match self.read_own_id_token(t).await? {
                Some(h) => Some(h),
                None => return Ok(Logout::ErrorPage("oidc.logout_invalid")),
            },
            None => None,
        };
        let client_id = match (get("client_id"), &hint) {
            (Some(c), Some(h)) if c != h.aud => return Ok(Logout::ErrorPage("oidc.logout_invalid")),
            (Some(c), _) => Some(c.to_string()),
            (None, Some(h)) => Some(h.aud.clone()),
            (None, None) => None,
        };
        let client = match &client_id {
            Some(id) if id.len() <= 100 => self.store.client(id).await?,
            _ => None,
        };
        let back = match get("post_logout_redirect_uri") {
            Some(uri) => match &client {
                Some(c) if c.post_logout_redirect_uris.iter().any(|u| u == uri) => Some(uri.to_string()),
                _ => return Ok(Logout::ErrorPage("oidc.logout_redirect_mismatch")),
            },
            None => None,
        };
        if hint.is_none() && auth.is_some() && !confirmed {
            return Ok(Logout::Confirm {
                client_name: client.map(|c| c.name),
            });
        }
        // The browser's session, when it is the one named (or none is named).
        if let Some(a) = auth
            && hint.as_ref().is_none_or(|h| h.sid == sid_of(&a.session.id_hash))
        {
            self.logout(a, meta).await?;
        } else if let Some(h) = &hint {
            let user = crate::types::UserId::from(h.sub.as_str());
            let now = self.now();
            for s in self.store.live_sessions_of(&user, now).await? {
                if sid_of(&s.id_hash) == h.sid {
                    let audit = AuditEvent::new(now, "session.ended", Some(h.sub.as_str()), meta)?
                        .details("reason=signed_out;by=application");
                    self.store
                        .end_session(&s.id_hash, crate::error::EndReason::SignedOut, now, Some(&audit))
                        .await?;
                }
            }
        }
        Ok(match back {
            Some(uri) => Logout::Redirect(request::redirect_back(&uri, &[], get("state"))),
            None => Logout::SignedOut,
        })
    }

    /// An ID token this provider signed (expired or not): its audience, subject and session.
    async fn read_own_id_token(&self, token: &str) -> Result<Option<HintClaims>, CoreError> {
        let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else {
            return Ok(None);
        };
        let Some(key) = self.key_of(&kid).await? else {
            return Ok(None);
        };
        let mut v = jsonwebtoken::Validation::new(key.alg.jwt());
        v.set_issuer(&[self.issuer()]);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        Ok(jsonwebtoken::decode::<HintClaims>(token, &key.decoding, &v)
            .ok()
            .map(|d| d.claims))
    }
}
