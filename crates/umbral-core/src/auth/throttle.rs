//! Sign-in limits per account, per sign-in device and per IP, with a growing delay.
//!
//! A browser that signed in to an account before carries a signed device cookie (OWASP's
//! "device cookie" design): its failures count against that cookie only, so that nobody can
//! lock the rightful user out by guessing their password from elsewhere. Everyone else meets the
//! account's limit, which slows them down. Each attempt is counted before the password is checked
//! (`Umbral::take_attempt`), so concurrent guesses never get more checks than the limit.

use crate::clock::UnixMillis;
use crate::error::CoreError;
use crate::policy::ThrottlePolicy;
use crate::ports::ThrottleState;
use crate::secrets::{SecretKey, ct_eq, fill_random};

/// Seconds to wait before the next attempt is allowed, or `None` when it is allowed now.
pub fn blocked_for(
    state: Option<ThrottleState>,
    policy: &ThrottlePolicy,
    free: i64,
    now: UnixMillis,
) -> Option<u64> {
    let s = state?;
    if now - s.window_started_at > policy.window.as_ms() {
        return None;
    }
    let delay_ms = policy.delay(s.failures, free).as_ms();
    let until = s.last_failure_at + delay_ms;
    if delay_ms > 0 && now < until {
        Some(u64::try_from((until - now + 999) / 1000).unwrap_or(1))
    } else {
        None
    }
}

/// Refuses an attempt while the limit's wrong answers wait out their delay: `RateLimited` with
/// the seconds left, as every limit answers.
pub fn refuse_while_blocked(
    state: Option<ThrottleState>,
    policy: &ThrottlePolicy,
    free: i64,
    now: UnixMillis,
) -> Result<(), CoreError> {
    match blocked_for(state, policy, free, now) {
        Some(secs) => Err(CoreError::RateLimited {
            retry_after_secs: secs,
        }),
        None => Ok(()),
    }
}

/// The limit of one browser that signed in to an account before (OWASP's device cookie): its
/// own failures count here, and nobody else's.
pub fn device_key(nonce: &str) -> String {
    format!("login:device:{nonce}")
}

const DEVICE_COOKIE: &str = "signin-device";

/// A new sign-in device cookie for `user_id`: `<user id>.<nonce>.<tag>`, signed with the
/// server's key so that nobody can make one for another account. It is not a credential: it only
/// says "this browser signed in to this account before", so that failures elsewhere never block
/// it.
pub fn new_device_cookie(key: &SecretKey, user_id: &str) -> Result<String, CoreError> {
    let mut nonce = [0u8; 16];
    fill_random(&mut nonce)?;
    let nonce = hex::encode(nonce);
    let body = format!("{user_id}.{nonce}");
    Ok(format!("{body}.{}", key.mac(DEVICE_COOKIE, &body)))
}

/// The user id and nonce of a sign-in device cookie whose tag is right.
pub fn read_device_cookie<'a>(key: &SecretKey, cookie: &'a str) -> Option<(&'a str, &'a str)> {
    if cookie.len() > 200 {
        return None;
    }
    let (body, tag) = cookie.rsplit_once('.')?;
    let (user_id, nonce) = body.split_once('.')?;
    if user_id.is_empty() || nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    ct_eq(&key.mac(DEVICE_COOKIE, body), tag).then_some((user_id, nonce))
}

pub fn account_key(email_key: &str) -> String {
    format!("login:account:{email_key}")
}

pub fn ip_key(ip: &str) -> String {
    format!("login:ip:{}", client_net(ip))
}

/// The client address as limits count it: an IPv4 address as it is, an IPv6 address by its
/// /64 (one subscriber usually holds a whole /64, and could take a new address per request).
pub fn client_net(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(|| ip.to_string(), |v4| v4.to_string()),
        _ => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_counts_within_the_window_only_and_never_from_a_clock_ahead() {
        let policy = ThrottlePolicy::default();
        let window = policy.window.as_ms();
        // Seven failures (two past the five free): an 8-second wait after the last.
        let state = |last| ThrottleState {
            failures: 7,
            window_started_at: 0,
            last_failure_at: last,
        };
        let at_edge = window;
        assert_eq!(
            blocked_for(Some(state(at_edge - 1000)), &policy, 5, at_edge),
            Some(7)
        );
        // One millisecond past the window, the failures are forgotten.
        assert_eq!(
            blocked_for(Some(state(at_edge - 1000)), &policy, 5, at_edge + 1),
            None
        );
        // Failures still free: no wait, even when another node's clock wrote a later time.
        let free = ThrottleState {
            failures: 3,
            window_started_at: 0,
            last_failure_at: 5000,
        };
        assert_eq!(blocked_for(Some(free), &policy, 5, 1000), None);
    }

    #[test]
    fn each_limit_has_its_own_key() {
        assert_eq!(account_key("ana@example.com"), "login:account:ana@example.com");
        assert_eq!(device_key("n0nce"), "login:device:n0nce");
        assert_ne!(device_key("a"), device_key("b"));
        assert_ne!(account_key("a"), device_key("a"));
    }

    #[test]
    fn a_device_cookie_is_at_most_200_characters_and_names_a_user_and_a_hex_nonce() {
        let key = SecretKey::insecure_dev_key();
        let short = new_device_cookie(&key, "u").unwrap();
        let fill = 200 - (short.len() - 1);
        let exact = new_device_cookie(&key, &"u".repeat(fill)).unwrap();
        assert_eq!(exact.len(), 200);
        assert!(read_device_cookie(&key, &exact).is_some());
        let over = new_device_cookie(&key, &"u".repeat(fill + 1)).unwrap();
        assert!(read_device_cookie(&key, &over).is_none());
        // Signed by the right key, yet not of the right shape: no user, a short or non-hex nonce.
        let signed = |body: &str| format!("{body}.{}", key.mac(DEVICE_COOKIE, body));
        let nonce = "0123456789abcdef0123456789abcdef";
        assert!(read_device_cookie(&key, &signed(&format!("user-1.{nonce}"))).is_some());
        assert!(read_device_cookie(&key, &signed(&format!(".{nonce}"))).is_none());
        assert!(read_device_cookie(&key, &signed(&format!("user-1.{}", &nonce[1..]))).is_none());
        assert!(read_device_cookie(&key, &signed("user-1.0123456789abcdef0123456789abcdeg")).is_none());
    }

    #[test]
    fn a_device_cookie_is_read_back_only_with_its_key_and_untouched() {
        let key = SecretKey::insecure_dev_key();
        let cookie = new_device_cookie(&key, "user-1").unwrap();
        let (user, nonce) = read_device_cookie(&key, &cookie).unwrap();
        assert_eq!(user, "user-1");
        assert_eq!(nonce.len(), 32);
        // Another account's id with the same tag, another key, a cut tag: refused.
        let forged = cookie.replacen("user-1", "user-2", 1);
        assert_eq!(read_device_cookie(&key, &forged), None);
        let other = SecretKey::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
        assert_eq!(read_device_cookie(&other, &cookie), None);
        assert_eq!(read_device_cookie(&key, &cookie[..cookie.len() - 1]), None);
        assert_eq!(read_device_cookie(&key, "garbage"), None);
        assert_eq!(read_device_cookie(&key, ""), None);
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(client_net("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_net("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(client_net("2001:db8:1:2:ffff::1"), client_net("2001:db8:1:2::9"));
        assert_ne!(client_net("2001:db8:1:2::1"), client_net("2001:db8:1:3::1"));
        assert_eq!(client_net("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(ip_key("2001:db8::1"), "login:ip:2001:db8:0:0::/64");
    }

    #[test]
    fn blocks_after_free_failures_for_a_growing_while() {
        let p = ThrottlePolicy::default();
        let st = |failures, last| {
            Some(ThrottleState {
                failures,
                window_started_at: 0,
                last_failure_at: last,
            })
        };
        assert_eq!(blocked_for(None, &p, 5, 0), None);
        assert_eq!(blocked_for(st(4, 1000), &p, 5, 1000), None);
        assert_eq!(blocked_for(st(5, 1000), &p, 5, 1000), Some(2));
        assert_eq!(blocked_for(st(5, 1000), &p, 5, 3000), None);
        assert_eq!(blocked_for(st(7, 1000), &p, 5, 1000), Some(8));
        // A window that is over forgives everything.
        assert_eq!(blocked_for(st(40, 1000), &p, 5, 16 * 60 * 1000), None);
    }
}
