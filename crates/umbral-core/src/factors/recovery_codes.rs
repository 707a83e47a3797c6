//! Recovery codes: ten one-time codes shown once after the first factor, stored hashed.

use crate::error::CoreError;
use crate::secrets;

pub const COUNT: usize = 10;

/// Crockford's base32: no I, L, O or U; what looks like them is read as 1, 1 and 0.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Ten new codes, as shown: `XXXXX-XXXXX` (50 bits each).
pub fn generate() -> Result<Vec<String>, CoreError> {
    (0..COUNT)
        .map(|_| {
            let mut raw = [0u8; 10];
            secrets::fill_random(&mut raw)?;
            let chars: String = raw
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
                .collect();
            Ok(format!("{}-{}", &chars[..5], &chars[5..]))
        })
        .collect()
}

/// What the user typed, as it is hashed: separators and spaces dropped, upper case, look-alike
/// letters read as digits.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// The stored form of a code, bound to its user.
pub fn hash(user_id: &str, code: &str) -> String {
    secrets::hash_code(&format!("recovery:{user_id}"), &normalize(code))
}

/// Does it look like a recovery code at all?
pub fn looks_valid(input: &str) -> bool {
    normalize(input).len() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_whole_alphabet() {
        let chars: std::collections::HashSet<char> = generate()
            .unwrap()
            .concat()
            .chars()
            .filter(|c| *c != '-')
            .collect();
        // 100 draws from 32 letters: fewer than 16 distinct ones happens about never.
        assert!(chars.len() >= 16, "{chars:?}");
    }

    #[test]
    fn ten_distinct_codes_that_survive_retyping() {
        let codes = generate().unwrap();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert!(looks_valid(c));
            let retyped = c
                .to_lowercase()
                .replace('-', " ")
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(hash("u1", c), hash("u1", &retyped));
            assert_ne!(hash("u1", c), hash("u2", c));
        }
    }
}
