//! Phones as a factor: where a code may go and how often (SMS pumping protection).

use crate::clock::Span;
use crate::policy::{SmsPolicy, ThrottlePolicy};

/// The limit keys a send to `phone` (in `country`) from `ip` counts against.
pub fn limit_keys(phone: &str, country: &str, ip: &str) -> [String; 3] {
    [
        format!("sms:number:{phone}"),
        format!("sms:ip:{}", crate::auth::throttle::client_net(ip)),
        format!("sms:country:{country}"),
    ]
}

/// How many sends each key allows in the window, in the order of [`limit_keys`].
pub fn limits(policy: &SmsPolicy) -> [i64; 3] {
    [policy.per_number, policy.per_ip, policy.per_country]
}

/// Beyond its allowance, each send waits longer: a minute, then doubling, at most the window.
pub fn throttle(policy: &SmsPolicy) -> ThrottlePolicy {
    ThrottlePolicy {
        window: policy.window,
        base_delay: Span::secs(60),
        max_delay: policy.window.max(Span::secs(60)),
        ..ThrottlePolicy::default()
    }
}

/// May a number of `country` receive codes?
pub fn country_allowed(policy: &SmsPolicy, country: &str) -> bool {
    policy.allowed_countries.is_empty()
        || policy
            .allowed_countries
            .iter()
            .any(|c| c.eq_ignore_ascii_case(country))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_beyond_the_allowance_wait_a_minute_then_longer_up_to_the_window() {
        let mut p = SmsPolicy {
            window: Span::secs(7200),
            ..SmsPolicy::default()
        };
        let t = throttle(&p);
        assert_eq!(t.window, Span::secs(7200));
        assert_eq!(t.base_delay, Span::secs(60));
        assert_eq!(t.max_delay, Span::secs(7200));
        p.window = Span::secs(30);
        assert_eq!(throttle(&p).max_delay, Span::secs(60));
    }

    #[test]
    fn allowed_countries() {
        let mut p = SmsPolicy::default();
        assert!(country_allowed(&p, "AR"));
        p.allowed_countries = vec!["ar".into(), "BR".into()];
        assert!(country_allowed(&p, "AR") && country_allowed(&p, "BR"));
        assert!(!country_allowed(&p, "US"));
    }
}
