//! Postal codes: each country's format, the normalised form the lookup table keys on (upper
//! case, no spaces or hyphens), and the way the country writes it.

use crate::error::FieldError;

/// Shapes of a normalised code: `9` a digit, `A` a letter.
fn patterns(country: &str) -> Option<&'static [&'static str]> {
    Some(match country {
        "AR" => &["9999", "A9999AAA"],
        "BR" => &["99999999"],
        "CA" => &["A9A9A9"],
        "CL" => &["9999999"],
        "CO" | "EC" => &["999999"],
        "PT" => &["9999999"],
        "US" => &["99999", "999999999"],
        "PA" | "SV" | "VE" => &["9999"],
        "PY" => &["9999", "999999"],
        "GB" => &["A99AA", "A999AA", "AA99AA", "AA999AA", "A9A9AA", "AA9A9AA"],
        "CR" | "DO" | "ES" | "GT" | "HN" | "MX" | "NI" | "PE" | "UY" | "DE" | "FR" | "IT" => &["99999"],
        _ => return None,
    })
}

fn fits(code: &str, pattern: &str) -> bool {
    code.len() == pattern.len()
        && code.chars().zip(pattern.chars()).all(|(c, p)| match p {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_uppercase(),
            _ => false,
        })
}

/// Checks a postal code against the country's format and returns its normalised form.
pub fn normalize(country: &str, raw: &str) -> Result<String, FieldError> {
    let mut n = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() {
            n.push(c.to_ascii_uppercase());
        } else if !matches!(c, ' ' | '-') {
            return Err(FieldError::new("postal_code", "postal_code.format"));
        }
    }
    if n.is_empty() {
        return Err(FieldError::new("postal_code", "postal_code.required"));
    }
    let ok = match patterns(country) {
        Some(ps) => ps.iter().any(|p| fits(&n, p)),
        None => (2..=10).contains(&n.len()),
    };
    if !ok {
        return Err(FieldError::new("postal_code", "postal_code.format"));
    }
    Ok(n)
}

/// The code as the country writes it (`01310-100`, `1000-001`, `K1A 0B1`, `SW1A 1AA`).
pub fn display(country: &str, n: &str) -> String {
    let split = |at: usize, sep: char| {
        if n.is_char_boundary(at) && at < n.len() {
            format!("{}{sep}{}", &n[..at], &n[at..])
        } else {
            n.to_string()
        }
    };
    match (country, n.len()) {
        ("BR", 8) => split(5, '-'),
        ("PT", 7) => split(4, '-'),
        ("US", 9) => split(5, '-'),
        ("CA", 6) => split(3, ' '),
        ("GB", len) if len > 3 => split(len - 3, ' '),
        _ => n.to_string(),
    }
}

/// Keys to look a normalised code up by, best first: the whole code, then the part city-level
/// tables keep for countries whose extended form they do not list (Argentina's CPA `C1425DKA`
/// by its 4 digits, ZIP+4 by the ZIP, a Brazilian CEP by its 5-digit sector, Portugal's by its
/// 4 digits, Canada's first three characters, the British outward code).
pub fn lookup_keys(country: &str, n: &str) -> Vec<String> {
    let mut keys = vec![n.to_string()];
    let shorter = match (country, n.len()) {
        ("AR", 8) => n.get(1..5),
        ("BR", 8) => n.get(..5),
        ("PT", 7) => n.get(..4),
        ("CA", 6) => n.get(..3),
        ("GB", len) if len > 3 => n.get(..len - 3),
        ("US", 9) => n.get(..5),
        _ => None,
    };
    keys.extend(shorter.map(str::to_string));
    keys
}

/// What a lookup finds for a postal code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub street: Option<String>,
    pub neighbourhood: Option<String>,
    pub city: String,
    pub state: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_country() {
        assert_eq!(normalize("BR", "01310-100").unwrap(), "01310100");
        assert_eq!(display("BR", "01310100"), "01310-100");
        assert_eq!(normalize("AR", "c1425dka").unwrap(), "C1425DKA");
        assert_eq!(normalize("AR", "1425").unwrap(), "1425");
        assert_eq!(normalize("PT", "1000-001").unwrap(), "1000001");
        assert_eq!(display("PT", "1000001"), "1000-001");
        assert_eq!(display("GB", &normalize("GB", "sw1a 1aa").unwrap()), "SW1A 1AA");
        assert_eq!(lookup_keys("GB", "SW1A1AA"), vec!["SW1A1AA", "SW1A"]);
        assert_eq!(lookup_keys("CA", "K1A0B1"), vec!["K1A0B1", "K1A"]);
        // The extended forms most people write fall back to what city-level tables keep.
        assert_eq!(
            lookup_keys("AR", &normalize("AR", "X5000ABC").unwrap()),
            vec!["X5000ABC", "5000"]
        );
        assert_eq!(lookup_keys("AR", "C1425XYZ"), vec!["C1425XYZ", "1425"]);
        assert_eq!(lookup_keys("AR", "1425"), vec!["1425"]);
        assert_eq!(
            lookup_keys("US", &normalize("US", "94105-1234").unwrap()),
            vec!["941051234", "94105"]
        );
        assert_eq!(
            lookup_keys("BR", &normalize("BR", "01310100").unwrap()),
            vec!["01310100", "01310"]
        );
        assert_eq!(
            lookup_keys("BR", &normalize("BR", "01310-100").unwrap()),
            vec!["01310100", "01310"]
        );
        assert_eq!(lookup_keys("PT", "1000001"), vec!["1000001", "1000"]);
        assert_eq!(normalize("US", "94105-1234").unwrap(), "941051234");
        for (c, bad) in [
            ("BR", "0131-100"),
            ("MX", "1234"),
            ("AR", "C14"),
            ("ES", "2800A"),
            ("BR", "01310_100"),
        ] {
            assert_eq!(
                normalize(c, bad).unwrap_err().code,
                "postal_code.format",
                "{c} {bad}"
            );
        }
        assert_eq!(normalize("BR", "  ").unwrap_err().code, "postal_code.required");
        // Elsewhere 2 to 10 letters and digits.
        assert!(normalize("JP", "100-0001").is_ok());
        assert!(normalize("JP", "1").is_err());
    }

    #[test]
    fn every_country_with_a_format_takes_its_shape_and_refuses_another() {
        for (country, good, bad) in [
            ("CA", "K1A 0B1", "K1A 0B"),
            ("CL", "8320000", "832000"),
            ("CO", "110111", "11011"),
            ("EC", "170150", "1701"),
            ("PT", "1000-001", "1000"),
            ("US", "94105", "9410"),
            ("PA", "0801", "080"),
            ("PY", "001001", "00100"),
            ("GB", "M1 1AE", "M1 1A"),
            ("MX", "06600", "0660"),
        ] {
            assert!(normalize(country, good).is_ok(), "{country} {good}");
            assert_eq!(
                normalize(country, bad).unwrap_err().code,
                "postal_code.format",
                "{country} {bad}"
            );
        }
        assert_eq!(display("US", "941051234"), "94105-1234");
        assert_eq!(display("US", "94105"), "94105");
        assert_eq!(display("CA", "K1A0B1"), "K1A 0B1");
        assert_eq!(display("GB", "M11AE"), "M1 1AE");
        assert_eq!(display("GB", "M1A"), "M1A");
        assert_eq!(lookup_keys("GB", "M1A"), vec!["M1A"]);
        assert_eq!(lookup_keys("GB", "M11AE"), vec!["M11AE", "M1"]);
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(country in "[A-Z]{2}", raw in "\\PC{0,24}") {
            if let Ok(n) = normalize(&country, &raw) {
                let _ = display(&country, &n);
                let _ = lookup_keys(&country, &n);
            }
        }
    }
}
