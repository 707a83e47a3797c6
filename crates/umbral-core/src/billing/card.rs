//! A card as the sandbox gateway takes it: checked for its number (Luhn), expiry and CVC before
//! anything is charged. A card is never stored or logged: its `Debug` shows the last four digits.

use crate::error::FieldError;

#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    /// Digits only.
    pub number: String,
    pub exp_month: u32,
    /// Four digits.
    pub exp_year: u32,
    pub cvc: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Card(…{})", self.last4())
    }
}

/// The Luhn checksum of a string of digits.
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(d) = c.to_digit(10) else {
            return false;
        };
        sum += if i % 2 == 1 {
            let p = d * 2;
            if p > 9 { p - 9 } else { p }
        } else {
            d
        };
    }
    !digits.is_empty() && sum % 10 == 0
}

impl Card {
    /// Checks a card as typed; `year_month` is today's (e.g. 2026 and 11). All the errors at once.
    pub fn parse(
        number: &str,
        exp_month: &str,
        exp_year: &str,
        cvc: &str,
        (year, month): (u32, u32),
    ) -> Result<Card, Vec<FieldError>> {
        let mut errors = Vec::new();
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            errors.push(FieldError::new("card_number", "card.required"));
        } else if !digits.chars().all(|c| c.is_ascii_digit())
            || !(12..=19).contains(&digits.len())
            || !luhn_ok(&digits)
        {
            errors.push(FieldError::new("card_number", "card.number_invalid"));
        }
        let m: Option<u32> = exp_month.trim().parse().ok().filter(|m| (1..=12).contains(m));
        let y: Option<u32> = exp_year
            .trim()
            .parse()
            .ok()
            .map(|y: u32| if y < 100 { 2000 + y } else { y });
        let expiry = match (m, y) {
            (Some(m), Some(y)) if (2000..2100).contains(&y) => {
                if (y, m) < (year, month) {
                    errors.push(FieldError::new("card_expiry", "card.expired"));
                }
                Some((m, y))
            }
            _ => {
                errors.push(FieldError::new("card_expiry", "card.expiry_invalid"));
                None
            }
        };
        let cvc = cvc.trim();
        let amex = digits.starts_with("34") || digits.starts_with("37");
        let cvc_len = if amex { 4 } else { 3 };
        if cvc.len() != cvc_len || !cvc.chars().all(|c| c.is_ascii_digit()) {
            errors.push(FieldError::new("card_cvc", "card.cvc_invalid").with("digits", cvc_len as i64));
        }
        match expiry {
            Some((exp_month, exp_year)) if errors.is_empty() => Ok(Card {
                number: digits,
                exp_month,
                exp_year,
                cvc: cvc.to_string(),
            }),
            _ => Err(errors),
        }
    }

    pub fn last4(&self) -> &str {
        self.number
            .get(self.number.len().saturating_sub(4)..)
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NOW: (u32, u32) = (2026, 11);

    #[test]
    fn a_good_card_passes_and_hides_its_number() {
        let c = Card::parse("4242 4242 4242 4242", "12", "27", "123", NOW).unwrap();
        assert_eq!((c.exp_month, c.exp_year), (12, 2027));
        assert_eq!(format!("{c:?}"), "Card(…4242)");
        assert!(Card::parse("3782 822463 10005", "11", "2026", "1234", NOW).is_ok());
    }

    #[test]
    fn each_rule_names_its_field() {
        let codes = |r: Result<Card, Vec<FieldError>>| -> Vec<(&'static str, &'static str)> {
            r.unwrap_err().iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(
            codes(Card::parse("4242 4242 4242 4241", "10", "2026", "12", NOW)),
            vec![
                ("card_number", "card.number_invalid"),
                ("card_expiry", "card.expired"),
                ("card_cvc", "card.cvc_invalid")
            ]
        );
        assert_eq!(
            codes(Card::parse("", "13", "x", "123", NOW)),
            vec![
                ("card_number", "card.required"),
                ("card_expiry", "card.expiry_invalid")
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn no_input_panics(n in "\\PC{0,30}", m in "\\PC{0,4}", y in "\\PC{0,6}", c in "\\PC{0,6}") {
            let _ = Card::parse(&n, &m, &y, &c, NOW);
        }

        #[test]
        fn one_changed_digit_breaks_luhn(n in "[0-9]{15,18}", at in 0usize..19, by in 0u32..10) {
            // Complete a random number with its Luhn digit, then change one digit.
            let check = (0..10).find(|d| luhn_ok(&format!("{n}{d}"))).unwrap();
            let full = format!("{n}{check}");
            let at = at % full.len();
            let digit = char::from_digit(by, 10).unwrap();
            proptest::prop_assume!(full.chars().nth(at) != Some(digit));
            let changed: String = full.chars().enumerate().map(|(i, c)| if i == at { digit } else { c }).collect();
            proptest::prop_assert!(!luhn_ok(&changed));
        }
    }
}
