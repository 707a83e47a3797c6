use phonenumber::{Mode, country};

use crate::error::FieldError;

/// A phone number checked against libphonenumber's metadata, kept in E.164 (`+5491123456789`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Parses a national number for a country (ISO 3166 alpha-2, e.g. `AR`), as the sign-up form
    /// sends it (dial-prefix selector plus number).
    pub fn parse_national(country_code: &str, number: &str) -> Result<Self, FieldError> {
        let number = number.trim();
        if number.is_empty() {
            return Err(FieldError::new("phone", "phone.required"));
        }
        let id: country::Id = country_code
            .trim()
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| FieldError::new("phone_country", "phone.country_invalid"))?;
        Self::check(phonenumber::parse(Some(id), number).ok())
    }

    /// Parses an international number (`+` and country code), as the API sends it.
    pub fn parse_e164(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("phone", "phone.required"));
        }
        if !s.starts_with('+') {
            return Err(FieldError::new("phone", "phone.needs_country_code"));
        }
        Self::check(phonenumber::parse(None, s).ok())
    }

    fn check(parsed: Option<phonenumber::PhoneNumber>) -> Result<Self, FieldError> {
        match parsed {
            Some(n) if n.is_valid() => Ok(PhoneE164(n.format().mode(Mode::E164).to_string())),
            _ => Err(FieldError::new("phone", "phone.invalid")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country (ISO 3166 alpha-2, e.g. `AR`) the number belongs to.
    pub fn region(&self) -> Option<String> {
        phonenumber::parse(None, &self.0)
            .ok()
            .and_then(|n| n.country().id())
            .map(|id| format!("{id:?}"))
    }

    /// The number without its country's dial prefix (the national significant number), as a
    /// form that asks for the country apart takes it back.
    pub fn national(&self) -> Option<String> {
        phonenumber::parse(None, &self.0)
            .ok()
            .map(|n| n.national().value().to_string())
    }

    /// The international dial prefix of a country (ISO 3166 alpha-2), e.g. 54 for `AR`.
    pub fn dial_code(country_code: &str) -> Option<u16> {
        phonenumber::metadata::DATABASE
            .by_id(&country_code.to_ascii_uppercase())
            .map(|m| m.country_code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_its_country() {
        assert_eq!(
            PhoneE164::parse_e164("+5491123456789")
                .unwrap()
                .region()
                .as_deref(),
            Some("AR")
        );
        assert_eq!(
            PhoneE164::parse_e164("+5511912345678")
                .unwrap()
                .region()
                .as_deref(),
            Some("BR")
        );
    }
    use proptest::prelude::*;

    #[test]
    fn the_national_part_parses_back_to_the_same_number() {
        for e164 in ["+5491123456789", "+5511912345678", "+525512345678"] {
            let p = PhoneE164::parse_e164(e164).unwrap();
            let back = PhoneE164::parse_national(&p.region().unwrap(), &p.national().unwrap()).unwrap();
            assert_eq!(back, p);
        }
    }

    #[test]
    fn parses_latin_american_numbers() {
        assert_eq!(
            PhoneE164::parse_national("AR", "9 11 2345-6789")
                .unwrap()
                .as_str(),
            "+5491123456789"
        );
        assert_eq!(
            PhoneE164::parse_national("br", "(11) 91234-5678")
                .unwrap()
                .as_str(),
            "+5511912345678"
        );
        assert_eq!(
            PhoneE164::parse_e164("+5491123456789").unwrap().as_str(),
            "+5491123456789"
        );
        assert_eq!(
            PhoneE164::parse_national("MX", "55 1234 5678").unwrap().as_str(),
            "+525512345678"
        );
    }

    #[test]
    fn dial_codes_come_from_the_metadata() {
        assert_eq!(PhoneE164::dial_code("AR"), Some(54));
        assert_eq!(PhoneE164::dial_code("br"), Some(55));
        assert_eq!(PhoneE164::dial_code("ZZ"), None);
    }

    #[test]
    fn refuses_bad_numbers() {
        assert_eq!(
            PhoneE164::parse_national("AR", "").unwrap_err().code,
            "phone.required"
        );
        assert_eq!(
            PhoneE164::parse_national("AR", "123").unwrap_err().code,
            "phone.invalid"
        );
        assert_eq!(
            PhoneE164::parse_national("ZZ", "1123456789").unwrap_err().code,
            "phone.country_invalid"
        );
        assert_eq!(
            PhoneE164::parse_e164("5491123456789").unwrap_err().code,
            "phone.needs_country_code"
        );
    }

    proptest! {
        #[test]
        fn never_panics(c in "[A-Za-z]{0,3}", n in "\\PC{0,30}") {
            let _ = PhoneE164::parse_national(&c, &n);
            let _ = PhoneE164::parse_e164(&n);
        }
    }
}
