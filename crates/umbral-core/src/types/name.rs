use crate::error::FieldError;

/// Characters that show nothing and make two names look alike: zero-width spaces, word
/// joiners, soft hyphens and the marks that reorder text. (The zero-width joiner and non-joiner
/// stay: some scripts, and Persian names, need them.)
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A person's name as they write it: trimmed, 1 to 100 characters, nothing invisible, no `<>`.
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
        if s.chars().any(|c| "<>".contains(c)) {
            return Err(FieldError::new("name", "name.angle_brackets"));
        }
        if s.chars().any(|c| c.is_control() || invisible(c)) {
            return Err(FieldError::new("name", "name.invisible"));
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
        assert!(
            PersonName::parse(&"a".repeat(100)).is_ok(),
            "100 is the limit, not over it"
        );
        assert_eq!(PersonName::parse("a\u{7}b").unwrap_err().code, "name.invisible");
        assert_eq!(
            PersonName::parse("An\u{200B}a").unwrap_err().code,
            "name.invisible"
        );
        assert_eq!(
            PersonName::parse("Ana\u{202E}zereP").unwrap_err().code,
            "name.invisible"
        );
        assert_eq!(
            PersonName::parse("<b>Ana</b>").unwrap_err().code,
            "name.angle_brackets"
        );
        // Joiners some scripts need stay.
        assert!(PersonName::parse("\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}").is_ok());
    }
}
