//! Portugal: NIF/NIPC (AT). Nine digits; the first tells the holder (1-3 people, 5 companies, 6
//! public bodies, 7 and 9 others, 8 sole traders, 45 non-residents); the ninth is a check digit
//! over weights 9 down to 2: a remainder modulo 11 below 2 gives 0, otherwise 11 minus it.

use super::{TaxIdError, TaxIdKind, digits_of_len, weighted};

pub(super) fn check_digit(body: &[u32]) -> u32 {
    match weighted(body, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11 {
        0 | 1 => 0,
        r => 11 - r,
    }
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 9)?;
    let holder_ok = matches!(d[0], 1 | 2 | 3 | 5 | 6 | 7 | 8 | 9) || (d[0] == 4 && d[1] == 5);
    if !holder_ok {
        return Err(TaxIdError::Format);
    }
    if check_digit(&d[..8]) != d[8] {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Nif)
}
