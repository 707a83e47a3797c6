//! Peru: RUC (SUNAT). 11 digits: a type (10 people, 15 and 17 other people, 20 companies), eight
//! digits and a check digit over weights 5 4 3 2 7 6 5 4 3 2: 11 minus the sum modulo 11, where
//! 10 gives 0 and 11 gives 1.

use super::{TaxIdError, TaxIdKind, digits_of_len, weighted};

const TYPES: &[u32] = &[10, 15, 17, 20];

pub(super) fn check_digit(body: &[u32]) -> u32 {
    match 11 - weighted(body, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
        10 => 0,
        11 => 1,
        d => d,
    }
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 11)?;
    if !TYPES.contains(&(d[0] * 10 + d[1])) {
        return Err(TaxIdError::Format);
    }
    if check_digit(&d[..10]) != d[10] {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Ruc)
}
