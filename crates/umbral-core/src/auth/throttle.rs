//! Sign-in limits per account and per IP with a growing delay.

use crate::clock::UnixMillis;
use crate::policy::ThrottlePolicy;
use crate::ports::ThrottleState;

/// Seconds to wait before the next attempt is allowed, or `None` when it is allowed now.
pub fn blocked_for(
    state: Option<ThrottleState>,
    policy: &ThrottlePolicy,
    free: i64,
    now: UnixMillis,
) -> Option<u64> {
    let s = state?;
    if now - s.window_started_at > policy.window_secs * 1000 {
        return None;
    }
    let delay_ms = policy.delay_secs(s.failures, free) * 1000;
    let until = s.last_failure_at + delay_ms;
    if delay_ms > 0 && now < until {
        Some(u64::try_from((until - now + 999) / 1000).unwrap_or(1))
    } else {
        None
    }
}

pub fn account_key(email_key: &str) -> String {
    format!("login:account:{email_key}")
}

pub fn ip_key(ip: &str) -> String {
    format!("login:ip:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

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
