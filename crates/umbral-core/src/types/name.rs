use crate::error::FieldError;

/// A person's name as they write it: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(FieldError::new("name", "name.required"));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(FieldError::new("name", "name.too_long").with("max", Self::MAX_LEN as i64));
        }
        if s.chars().any(|c| c.is_control() || "<>".contains(c)) {
            return Err(FieldError::new("name", "name.invalid"));
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_limits() {
        assert_eq!(PersonName::parse("  Ana   Pérez ").unwrap().as_str(), "Ana Pérez");
        assert_eq!(PersonName::parse("   ").unwrap_err().code, "name.required");
        assert_eq!(
            PersonName::parse(&"a".repeat(101)).unwrap_err().code,
            "name.too_long"
        );
        assert_eq!(PersonName::parse("a\u{7}b").unwrap_err().code, "name.invalid");
    }
}
