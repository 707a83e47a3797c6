//! Ecuador: RUC (SRI). 13 digits: the province (01-24, or 30 for people registered abroad), a
//! type in the third digit, and an establishment number at the end (never all zeros):
//! - 0-5, people: the ten-digit cédula, checked modulo 10 with coefficients 2 1 2 1... (a product
//!   over 9 counts minus 9), then three digits of establishment;
//! - 6, public bodies: nine digits, the ninth a check digit over weights 3 2 7 6 5 4 3 2 modulo 11,
//!   then four of establishment;
//! - 9, private companies: ten digits, the tenth a check digit over 4 3 2 7 6 5 4 3 2 modulo 11,
//!   then three of establishment.
//!
//! Modulo 11 here: 11 minus the remainder, where 11 gives 0 and 10 is never issued.

use super::{TaxIdError, TaxIdKind, digits_of_len, weighted};

pub(super) fn cedula_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .zip([2, 1].iter().cycle())
        .map(|(d, c)| {
            let p = d * c;
            if p > 9 { p - 9 } else { p }
        })
        .sum();
    (10 - sum % 10) % 10
}

pub(super) fn mod11_digit(body: &[u32], weights: &[u32]) -> Option<u32> {
    match 11 - weighted(body, weights) % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d),
    }
}

pub(super) const PUBLIC_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
pub(super) const PRIVATE_WEIGHTS: [u32; 9] = [4, 3, 2, 7, 6, 5, 4, 3, 2];

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 13)?;
    let province = d[0] * 10 + d[1];
    if !((1..=24).contains(&province) || province == 30) {
        return Err(TaxIdError::Format);
    }
    let (ok, establishment) = match d[2] {
        0..=5 => (cedula_digit(&d[..9]) == d[9], &d[10..]),
        6 => (mod11_digit(&d[..8], &PUBLIC_WEIGHTS) == Some(d[8]), &d[9..]),
        9 => (mod11_digit(&d[..9], &PRIVATE_WEIGHTS) == Some(d[9]), &d[10..]),
        _ => return Err(TaxIdError::Format),
    };
    if establishment.iter().all(|x| *x == 0) {
        return Err(TaxIdError::Format);
    }
    if !ok {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Ruc)
}
