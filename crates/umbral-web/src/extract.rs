//! What every handler needs from a request: the language, the client (IP and user agent), the
//! session token (cookie or bearer) and the CSRF cookie.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use umbral_core::audit::RequestMeta;
use umbral_core::types::Locale;

use crate::AppState;
use crate::cookies;

#[derive(Debug, Clone)]
pub struct Ctx {
    pub locale: Locale,
    /// Set when `?lang=` chose the language: the answer stores it in the cookie.
    pub lang_from_query: bool,
    pub meta: RequestMeta,
    /// The session token and whether it came from a cookie (as opposed to a bearer header).
    pub token: Option<(String, bool)>,
    pub csrf_cookie: Option<String>,
    /// The trusted-device cookie, when this browser was remembered.
    pub device_cookie: Option<String>,
    /// The sign-in device cookie, when this browser signed in before.
    pub signin_cookie: Option<String>,
    /// Recovery codes just made, sealed to the session (`/recovery-codes`).
    pub codes_cookie: Option<String>,
    /// The address of this browser's sign-up (`/signup/confirm`).
    pub signup_email: Option<String>,
    /// An application's authorization request waiting for this browser's sign-in.
    pub authz_cookie: Option<String>,
    /// See `CookieNames::idp`.
    pub idp_cookie: Option<String>,
    /// The browser's time zone name, when its script told us (`cookies::TZ`); looked up only
    /// by a page that shows a time.
    pub time_zone_name: Option<String>,
    /// The `Accept-Language` header, for the pages that offer a country.
    pub accept_language: Option<String>,
    /// This page's address without its `lang` parameter, ready for `lang=xx` to be appended
    /// (the language menu keeps everything else, e.g. the chosen plan).
    pub lang_base: String,
}

pub(crate) fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address: the socket peer, or the nearest untrusted hop of `X-Forwarded-For` /
/// `Forwarded` when the peer is a trusted proxy.
pub fn client_ip(parts: &Parts, trusted: &[IpAddr]) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let Some(peer) = peer else {
        return "0.0.0.0".to_string();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for v in parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        hops.extend(v.split(',').filter_map(|h| h.trim().parse::<IpAddr>().ok()));
    }
    if hops.is_empty() {
        for v in parts
            .headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for element in v.split(',') {
                for pair in element.split(';') {
                    if let Some(val) = pair
                        .trim()
                        .strip_prefix("for=")
                        .or_else(|| pair.trim().strip_prefix("For="))
                    {
                        let val = val.trim_matches('"').trim_start_matches('[');
                        let val = val.split(']').next().unwrap_or(val);
                        if let Ok(ip) = val.parse::<IpAddr>() {
                            hops.push(ip);
                        } else if let Some((host, _port)) = val.rsplit_once(':')
                            && let Ok(ip) = host.parse::<IpAddr>()
                        {
                            hops.push(ip);
                        }
                    }
                }
            }
        }
    }
    // Walk from the nearest hop back; the first one that is not our proxy is the client.
    hops.iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .copied()
        .unwrap_or(peer)
        .to_string()
}

/// The first region named by an `Accept-Language` header that phone numbers know: `es-MX,es` ->
/// `MX`; `pt-BR` -> `BR`; `en` -> none.
pub(crate) fn region_of_accept_language(header: &str) -> Option<&'static str> {
    header
        .split(',')
        .filter_map(|part| part.split(';').next())
        .filter_map(|tag| tag.trim().split(['-', '_']).nth(1))
        .filter(|r| r.len() == 2)
        .find_map(|r| crate::regions::get(r).map(|r| r.code))
}

impl Ctx {
    /// The country a person here most likely belongs to: the one their browser's language
    /// names, else the usual one of the page's language.
    pub fn likely_country(&self) -> &'static str {
        self.accept_language
            .as_deref()
            .and_then(region_of_accept_language)
            .unwrap_or_else(|| crate::pages::signup::default_country(self.locale))
    }

    /// A moment in this person's language and local time (UTC when the zone is unknown).
    pub fn time_text(&self, ms: i64) -> String {
        let zone = self
            .time_zone_name
            .as_deref()
            .and_then(|name| jiff::tz::db().get(name).ok());
        crate::render::time_text(self.locale, zone.as_ref(), ms)
    }
    /// The live session behind this request, or why there is none.
    pub async fn session(
        &self,
        state: &AppState,
    ) -> Result<umbral_core::flows::session::Authenticated, umbral_core::CoreError> {
        let Some((token, _)) = &self.token else {
            return Err(umbral_core::CoreError::Unauthenticated);
        };
        state.umbral.authenticate(token).await
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let query_lang = query_param(parts.uri.query(), "lang");
        let locale = crate::i18n::locale_of(parts.uri.query(), headers);
        let lang_from_query = query_lang.and_then(Locale::from_tag).is_some();
        let bearer = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").map(|t| t.trim().to_string()));
        let token = match bearer {
            Some(t) => Some((t, false)),
            None => cookies::get(headers, state.cookies.session).map(|t| (t.to_string(), true)),
        };
        let meta = RequestMeta {
            ip: client_ip(parts, &state.settings.trusted_proxies),
            user_agent: headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
        };
        let kept: Vec<&str> = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang="))
            .collect();
        // One leading slash only: `//evil.example/` (or `/\evil.example`) as a link is another
        // site's address.
        let path = format!("/{}", parts.uri.path().trim_start_matches(['/', '\\']));
        let lang_base = if kept.is_empty() {
            format!("{path}?")
        } else {
            format!("{path}?{}&", kept.join("&"))
        };
        let time_zone_name = cookies::get(headers, cookies::TZ)
            .filter(|name| name.len() <= 64)
            .map(str::to_string);
        let accept_language = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 256)
            .map(str::to_string);
        Ok(Ctx {
            time_zone_name,
            accept_language,
            lang_base,
            locale,
            lang_from_query,
            meta,
            token,
            csrf_cookie: cookies::get(headers, state.cookies.csrf).map(str::to_string),
            device_cookie: cookies::get(headers, state.cookies.device).map(str::to_string),
            signin_cookie: cookies::get(headers, state.cookies.signin).map(str::to_string),
            codes_cookie: cookies::get(headers, state.cookies.codes).map(str::to_string),
            signup_email: cookies::get(headers, state.cookies.signup_email)
                .and_then(|v| percent_encoding::percent_decode_str(v).decode_utf8().ok())
                .map(|v| v.chars().take(254).collect()),
            authz_cookie: cookies::get(headers, state.cookies.authz)
                .filter(|v| v.len() <= 100)
                .map(str::to_string),
            idp_cookie: cookies::get(headers, state.cookies.idp)
                .filter(|v| v.len() <= 100)
                .map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, xff: Option<&str>, fwd: Option<&str>) -> Parts {
        let mut b = Request::builder().uri("/");
        if let Some(x) = xff {
            b = b.header("x-forwarded-for", x);
        }
        if let Some(f) = fwd {
            b = b.header("forwarded", f);
        }
        let (mut p, _) = b.body(()).unwrap().into_parts();
        p.extensions
            .insert(ConnectInfo::<SocketAddr>(peer.parse().unwrap()));
        p
    }

    #[test]
    fn the_region_comes_from_the_first_tag_that_names_a_known_one() {
        assert_eq!(region_of_accept_language("es-MX,es;q=0.9,en;q=0.8"), Some("MX"));
        assert_eq!(region_of_accept_language("en, pt-br;q=0.5"), Some("BR"));
        assert_eq!(region_of_accept_language("es-419,es-CO"), Some("CO"));
        assert_eq!(region_of_accept_language("en-ZZ, fr"), None);
        assert_eq!(region_of_accept_language(""), None);
    }

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        // Not trusted: the header is ignored.
        assert_eq!(
            client_ip(&parts("198.51.100.9:1", Some("1.2.3.4"), None), &[]),
            "198.51.100.9"
        );
        // Trusted: the nearest untrusted hop, not the spoofable first one.
        let p = parts("10.0.0.1:1", Some("6.6.6.6, 203.0.113.5"), None);
        assert_eq!(client_ip(&p, &[proxy]), "203.0.113.5");
        let p = parts("10.0.0.1:1", None, Some("for=\"[2001:db8::1]:4711\""));
        assert_eq!(client_ip(&p, &[proxy]), "2001:db8::1");
        assert_eq!(client_ip(&parts("10.0.0.1:1", None, None), &[proxy]), "10.0.0.1");
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param(Some("a=1&lang=es"), "lang"), Some("es"));
        assert_eq!(query_param(None, "lang"), None);
    }
}
