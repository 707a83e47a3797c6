//! United States: EIN (IRS). Nine digits, `NN-NNNNNNN`; there is no check digit, but the first
//! two digits must be a prefix the IRS assigns (its campuses' and the online application's).

use super::{TaxIdError, TaxIdKind, digits_of_len, group};

/// Prefixes never assigned: 00, 07-09, 17-19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97.
pub(super) fn prefix_valid(p: u32) -> bool {
    !matches!(p, 0 | 7..=9 | 17..=19 | 28 | 29 | 49 | 69 | 70 | 78 | 79 | 89 | 96 | 97)
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 9)?;
    if !prefix_valid(d[0] * 10 + d[1]) {
        return Err(TaxIdError::Format);
    }
    Ok(TaxIdKind::Ein)
}

/// `NN-NNNNNNN`.
pub(super) fn format(n: &str) -> String {
    group(n, &[(2, '-')])
}
