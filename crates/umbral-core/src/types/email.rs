use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

use crate::error::FieldError;

/// An email address, trimmed, with the domain in lower-case ASCII (punycode for an
/// internationalised domain) and the local part in NFC. Two addresses that differ only in
/// the case of the local part belong to one user ([`Email::key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("email", "email.required"));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(FieldError::new("email", "email.too_long").with("max", Self::MAX_LEN as i64));
        }
        let invalid = || FieldError::new("email", "email.invalid");
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(invalid());
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid());
        }
        // One spelling of each local part (composed accents), and no look-alike made of two
        // scripts: "раypal" with a Cyrillic "р" and "а" is refused, not a second account.
        let local: String = local.nfc().collect();
        let local_ok = local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok {
            return Err(invalid());
        }
        if !local.as_str().is_single_script() {
            return Err(FieldError::new("email", "email.mixed_script"));
        }
        // The domain as the DNS knows it (IDNA 2008 / UTS 46): "Müller.DE" is "xn--mller-kva.de",
        // one address however it was typed.
        let domain = idna::domain_to_ascii(domain).map_err(|_| invalid())?;
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || domain.len() > 253 {
            return Err(invalid());
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(invalid());
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(invalid());
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, lower-cased.
    pub fn domain(&self) -> String {
        self.0.rsplit('@').next().unwrap_or_default().to_ascii_lowercase()
    }

    /// The lookup and uniqueness key: the whole address in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }

    /// `j***@example.com`: enough for the owner to recognise, not enough to learn it.
    pub fn masked(&self) -> String {
        match self.0.rsplit_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_and_keys() {
        let e = Email::parse("  Ana.Perez@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ana.Perez@example.com");
        assert_eq!(e.key(), "ana.perez@example.com");
        assert_eq!(e.masked(), "A***@example.com");
    }

    #[test]
    fn refuses_bad_syntax() {
        for bad in [
            "",
            "a",
            "a@",
            "@b.com",
            "a@b",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            ".a@b.com",
            "a@1.2",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long).unwrap_err().code, "email.too_long");
        assert_eq!(Email::parse(" ").unwrap_err().code, "email.required");
    }

    #[test]
    fn internationalised_domains_are_one_address_however_typed() {
        let a = Email::parse("ana@Müller.DE").unwrap();
        assert_eq!(a.as_str(), "ana@xn--mller-kva.de");
        assert_eq!(Email::parse("ana@mu\u{308}ller.de").unwrap(), a);
        assert_eq!(Email::parse("ana@xn--mller-kva.de").unwrap(), a);
        assert_eq!(
            Email::parse("ana@ｅｘａｍｐｌｅ．ｃｏｍ").unwrap().as_str(),
            "ana@example.com"
        );
        assert!(Email::parse("ana@exa mple.com").is_err());
    }

    #[test]
    fn look_alike_local_parts_in_two_scripts_are_refused() {
        // Latin "paypal" with a Cyrillic "р" and "а".
        assert_eq!(
            Email::parse("\u{440}\u{430}ypal@example.com").unwrap_err().code,
            "email.mixed_script"
        );
        // One script is fine, and so are digits and symbols with it.
        assert!(Email::parse("\u{430}\u{43d}\u{43d}\u{430}.2@example.com").is_ok());
        assert!(Email::parse("josé.pérez+1@example.com").is_ok());
        // Composed and decomposed accents are one address.
        assert_eq!(
            Email::parse("jose\u{301}@example.com").unwrap(),
            Email::parse("josé@example.com").unwrap()
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}
