//! Cookies: read from the `Cookie` header, written as `Set-Cookie` values.
//!
//! Over HTTPS the session and CSRF cookies carry the `__Host-` prefix (Secure, Path=/, no Domain);
//! in `--dev` on plain http the browser would refuse that prefix, so the names have none.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const LANG: &str = "umbral_lang";
/// The browser's time zone (an IANA name such as `America/Argentina/Cordoba`), written by
/// `static/umbral.js`, so that pages show moments in local time.
pub const TZ: &str = "umbral_tz";

#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
    /// A trusted device's token (`docs/flows/two-factor.md`).
    pub device: &'static str,
    /// The sign-in device cookie: this browser signed in to an account before, so failures
    /// from elsewhere never block it (`umbral_core::auth::throttle`).
    pub signin: &'static str,
    /// New recovery codes, sealed to the session, until the person says they saved them.
    pub codes: &'static str,
    /// The address a sign-up was sent with, for "We sent a code to ..." (the same for a taken
    /// address, whose session knows no email).
    pub signup_email: &'static str,
    /// An application's authorization request waiting while the person signs in (its
    /// continuation token; `umbral_core::flows::oidc`).
    pub authz: &'static str,
    /// A sign-in at an upstream identity provider under way, bound to this browser; then the
    /// pending sign-up or link it led to (`umbral_core::flows::upstream`).
    pub idp: &'static str,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(secure: bool) -> Self {
        if secure {
            Self {
                session: "__Host-umbral_session",
                csrf: "__Host-umbral_csrf",
                device: "__Host-umbral_device",
                signin: "__Host-umbral_signin",
                codes: "__Host-umbral_codes",
                signup_email: "__Host-umbral_signup_email",
                authz: "__Host-umbral_authz",
                idp: "__Host-umbral_idp",
                secure,
            }
        } else {
            Self {
                session: "umbral_session",
                csrf: "umbral_csrf",
                device: "umbral_device",
                signin: "umbral_signin",
                codes: "umbral_codes",
                signup_email: "umbral_signup_email",
                authz: "umbral_authz",
                idp: "umbral_idp",
                secure,
            }
        }
    }

    /// `Set-Cookie` for a secret cookie (HttpOnly, SameSite=Lax, Secure over HTTPS).
    pub fn set(&self, name: &str, value: &str, max_age_secs: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age_secs {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }

    pub fn clear(&self, name: &str) -> String {
        self.set(name, "", Some(0))
    }

    pub fn lang(&self, tag: &str) -> String {
        let mut c = format!("{LANG}={tag}; Path=/; Max-Age=31536000; SameSite=Lax");
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

/// The value of cookie `name`, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_and_writes() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; umbral_session=tok; b=2"));
        assert_eq!(get(&h, "umbral_session"), Some("tok"));
        assert_eq!(get(&h, "c"), None);
        let secure = CookieNames::new(true);
        let s = secure.set(secure.session, "v", Some(60));
        assert_eq!(
            s,
            "__Host-umbral_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(
            !CookieNames::new(false)
                .set("umbral_session", "v", None)
                .contains("Secure")
        );
    }
}
