//! Brazil: CPF (people, 11 digits) and CNPJ (companies, 14 characters), both with two check
//! digits modulo 11 (a remainder below 2 gives 0). Since July 2026 the Receita Federal also issues
//! alphanumeric CNPJs: the first twelve characters may be letters, each worth its ASCII code
//! minus 48 (`0`-`9` are 0-9, `A` is 17, `Z` is 42); the two check digits stay digits.

use super::{TaxIdError, TaxIdKind, digits_of_len, group, weighted};

fn mod11(sum: u32) -> u32 {
    match sum % 11 {
        0 | 1 => 0,
        r => 11 - r,
    }
}

/// The two check digits of a CPF's first nine digits.
pub(super) fn cpf_check(body: &[u32]) -> [u32; 2] {
    let d1 = mod11(weighted(body, &[10, 9, 8, 7, 6, 5, 4, 3, 2]));
    let mut with = body.to_vec();
    with.push(d1);
    [d1, mod11(weighted(&with, &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]))]
}

/// The value of a CNPJ character, or `None` outside `0-9A-Z`.
fn cnpj_value(c: char) -> Option<u32> {
    (c.is_ascii_digit() || c.is_ascii_uppercase()).then(|| c as u32 - 48)
}

const CNPJ_W1: [u32; 12] = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_W2: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

/// The two check digits of a CNPJ's first twelve characters' values.
pub(super) fn cnpj_check(body: &[u32]) -> [u32; 2] {
    let d1 = mod11(weighted(body, &CNPJ_W1));
    let mut with = body.to_vec();
    with.push(d1);
    [d1, mod11(weighted(&with, &CNPJ_W2))]
}

fn all_same(n: &str) -> bool {
    let mut cs = n.chars();
    let first = cs.next();
    cs.all(|c| Some(c) == first)
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    match n.chars().count() {
        11 => {
            let d = digits_of_len(n, 11)?;
            if all_same(n) {
                return Err(TaxIdError::CheckDigit);
            }
            if cpf_check(&d[..9]) != [d[9], d[10]] {
                return Err(TaxIdError::CheckDigit);
            }
            Ok(TaxIdKind::Cpf)
        }
        14 => {
            let chars: Vec<char> = n.chars().collect();
            let body: Vec<u32> = chars[..12]
                .iter()
                .map(|c| cnpj_value(*c))
                .collect::<Option<_>>()
                .ok_or(TaxIdError::Format)?;
            let given: Vec<u32> = chars[12..]
                .iter()
                .map(|c| c.to_digit(10))
                .collect::<Option<_>>()
                .ok_or(TaxIdError::Format)?;
            if all_same(n) {
                return Err(TaxIdError::CheckDigit);
            }
            if cnpj_check(&body)[..] != given[..] {
                return Err(TaxIdError::CheckDigit);
            }
            Ok(TaxIdKind::Cnpj)
        }
        _ => Err(TaxIdError::Length),
    }
}

/// CPF `NNN.NNN.NNN-NN`; CNPJ `NN.NNN.NNN/NNNN-NN`.
pub(super) fn format(kind: TaxIdKind, n: &str) -> String {
    match kind {
        TaxIdKind::Cpf => group(n, &[(3, '.'), (6, '.'), (9, '-')]),
        _ => group(n, &[(2, '.'), (5, '.'), (8, '/'), (12, '-')]),
    }
}

#[cfg(test)]
pub(super) fn cnpj_values(body: &str) -> Option<Vec<u32>> {
    body.chars().map(cnpj_value).collect()
}
