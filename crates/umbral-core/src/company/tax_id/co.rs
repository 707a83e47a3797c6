//! Colombia: NIT (DIAN). Nine digits (companies; people's NITs may be shorter) and a check digit:
//! the digits from the right are weighted by the primes 3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47,
//! 53, 59, 67, 71; a remainder modulo 11 of 0 or 1 is the digit, otherwise 11 minus it. Leading
//! zeros (`0196850451`) change neither the number nor its check digit: they are dropped.

use super::{TaxIdError, TaxIdKind, digits, thousands};

const WEIGHTS: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];

pub(super) fn check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body.iter().rev().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    match sum % 11 {
        r @ (0 | 1) => r,
        r => 11 - r,
    }
}

/// The NIT without leading zeros.
pub(super) fn normalize(n: &str) -> String {
    let trimmed = n.trim_start_matches('0');
    if trimmed.is_empty() {
        n.to_string()
    } else {
        trimmed.to_string()
    }
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let len = n.chars().count();
    if !(6..=16).contains(&len) {
        return Err(TaxIdError::Length);
    }
    let d = digits(n).ok_or(TaxIdError::Format)?;
    if d[0] == 0 {
        return Err(TaxIdError::Format);
    }
    let (body, last) = d.split_at(len - 1);
    if check_digit(body) != last[0] {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Nit)
}

/// `NNN.NNN.NNN-N`.
pub(super) fn format(n: &str) -> String {
    let (body, last) = n.split_at(n.len() - 1);
    format!("{}-{last}", thousands(body))
}
