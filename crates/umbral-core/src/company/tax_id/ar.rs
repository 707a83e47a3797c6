//! Argentina: CUIT/CUIL (AFIP). 11 digits: a type prefix, the document number and a check digit
//! over weights 5 4 3 2 7 6 5 4 3 2, modulo 11: 11 minus the remainder, where 11 gives 0 and 10
//! gives 9 (AFIP's published validation; CUITs with that digit exist).

use super::{TaxIdError, TaxIdKind, digits_of_len, group, weighted};

/// Type prefixes AFIP issues: people (20, 23, 24, 25, 26, 27) and companies (30, 33, 34).
const PREFIXES: &[u32] = &[20, 23, 24, 25, 26, 27, 30, 33, 34];

pub(super) fn check_digit(body: &[u32]) -> u32 {
    match 11 - weighted(body, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
        11 => 0,
        10 => 9,
        d => d,
    }
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 11)?;
    if !PREFIXES.contains(&(d[0] * 10 + d[1])) {
        return Err(TaxIdError::Format);
    }
    if check_digit(&d[..10]) != d[10] {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Cuit)
}

/// `NN-NNNNNNNN-N`.
pub(super) fn format(n: &str) -> String {
    group(n, &[(2, '-'), (10, '-')])
}
