//! Spain (AEAT):
//! - NIF of a person (DNI): eight digits and the letter `TRWAGMYFPDXBNJZSQVHLCKE`[number mod 23];
//!   the special NIFs K, L and M carry seven digits and the same letter;
//! - NIE of a foreigner: X, Y or Z (read as 0, 1, 2), seven digits and the same letter;
//! - CIF of a company: the entity letter, seven digits and a control character: the digits in
//!   even places are added, those in odd places doubled and their digits added, and the control
//!   is 10 minus the last digit of the total (10 gives 0), written as a digit, as the letter
//!   `JABCDEFGHI`[control], or either, by entity type.

use super::{TaxIdError, TaxIdKind, digits};

const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
const ENTITIES: &str = "ABCDEFGHJNPQRSUVW";

pub(super) fn dni_letter(number: u32) -> char {
    LETTERS[(number % 23) as usize] as char
}

pub(super) fn cif_control(d: &[u32]) -> u32 {
    let mut sum = 0;
    for (i, x) in d.iter().enumerate() {
        sum += if i % 2 == 0 {
            let p = x * 2;
            p / 10 + p % 10
        } else {
            *x
        };
    }
    (10 - sum % 10) % 10
}

pub(super) fn cif_letter(control: u32) -> char {
    b"JABCDEFGHI"[control as usize % 10] as char
}

fn number(d: &[u32]) -> u32 {
    d.iter().fold(0, |acc, x| acc * 10 + x)
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let c: Vec<char> = n.chars().collect();
    if c.len() != 9 {
        return Err(TaxIdError::Length);
    }
    let last = c[8];
    let middle: String = c[1..8].iter().collect();
    let first = c[0];
    let d = digits(&middle).ok_or(TaxIdError::Format)?;
    if let Some(f) = first.to_digit(10) {
        // DNI: eight digits and a letter.
        let mut all = vec![f];
        all.extend(&d);
        if dni_letter(number(&all)) != last {
            return Err(if last.is_ascii_uppercase() {
                TaxIdError::CheckDigit
            } else {
                TaxIdError::Format
            });
        }
        return Ok(TaxIdKind::Nif);
    }
    if let Some(lead) = "XYZ".find(first) {
        let mut all = vec![lead as u32];
        all.extend(&d);
        if dni_letter(number(&all)) != last {
            return Err(TaxIdError::CheckDigit);
        }
        return Ok(TaxIdKind::Nie);
    }
    if "KLM".contains(first) {
        if dni_letter(number(&d)) != last {
            return Err(TaxIdError::CheckDigit);
        }
        return Ok(TaxIdKind::Nif);
    }
    if !ENTITIES.contains(first) {
        return Err(TaxIdError::Format);
    }
    let control = cif_control(&d);
    let as_digit = char::from_digit(control, 10);
    let as_letter = cif_letter(control);
    let ok = match first {
        'P' | 'Q' | 'R' | 'S' | 'N' | 'W' => last == as_letter,
        'A' | 'B' | 'E' | 'H' => Some(last) == as_digit,
        _ => last == as_letter || Some(last) == as_digit,
    };
    if !ok {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Cif)
}
