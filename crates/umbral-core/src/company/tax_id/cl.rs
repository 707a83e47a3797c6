//! Chile: RUT/RUN (SII). A number and a check digit (0-9 or K): the number's digits from the
//! right are weighted 2, 3, 4, 5, 6, 7, 2, 3...; 11 minus the sum modulo 11 (11 gives 0, 10 K).

use super::{TaxIdError, TaxIdKind, digits, thousands};

pub(super) fn check_char(body: &[u32]) -> char {
    let sum: u32 = body
        .iter()
        .rev()
        .zip([2, 3, 4, 5, 6, 7].iter().cycle())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        d => char::from_digit(d, 10).unwrap_or('?'),
    }
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let len = n.chars().count();
    if !(8..=9).contains(&len) {
        return Err(TaxIdError::Length);
    }
    let (body, last) = n.split_at(len - 1);
    let d = digits(body).ok_or(TaxIdError::Format)?;
    if !(last.chars().all(|c| c.is_ascii_digit() || c == 'K')) {
        return Err(TaxIdError::Format);
    }
    if d[0] == 0 {
        return Err(TaxIdError::Format);
    }
    if !last.starts_with(check_char(&d)) {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Rut)
}

/// `NN.NNN.NNN-N`.
pub(super) fn format(n: &str) -> String {
    let (body, last) = n.split_at(n.len() - 1);
    format!("{}-{last}", thousands(body))
}
