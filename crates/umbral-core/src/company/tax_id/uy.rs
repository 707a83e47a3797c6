//! Uruguay: RUT (DGI). 12 digits: the department (01-21), a six-digit number (not 000000),
//! `001`, and a check digit over weights 4 3 2 9 8 7 6 5 4 3 2: 11 minus the sum modulo 11,
//! where 11 gives 0 and 10 gives 0.

use super::{TaxIdError, TaxIdKind, digits_of_len, weighted};

pub(super) fn check_digit(body: &[u32]) -> u32 {
    (11 - weighted(body, &[4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 11 % 10
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let d = digits_of_len(n, 12)?;
    let department = d[0] * 10 + d[1];
    if !(1..=21).contains(&department) || d[2..8].iter().all(|x| *x == 0) || d[8..11] != [0, 0, 1] {
        return Err(TaxIdError::Format);
    }
    if check_digit(&d[..11]) != d[11] {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Rut)
}
