//! Mexico: RFC (SAT). People: four letters, the birth date `YYMMDD` and a three-character
//! homoclave (13 characters); companies: three letters, the date of incorporation and the
//! homoclave (12). The last character is a check digit: each character has a value in the
//! alphabet `0-9 A-N & O-Z space Ñ`, a company's RFC is read with a leading space, the values are
//! weighted 13 down to 2, and 11 minus the sum modulo 11 is the digit (11 gives 0, 10 gives A).
//! The homoclave's two characters come from SAT's 34-symbol table (1-9, then A-Z without O); the
//! first is a quotient that only reaches the table's 30th symbol (V). An RFC outside that is not
//! one SAT issues.

use super::{TaxIdError, TaxIdKind};

const ALPHABET: &str = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ";

fn value(c: char) -> Option<u32> {
    ALPHABET.chars().position(|a| a == c).map(|p| p as u32)
}

/// SAT's homoclave table: 1-9, then A-Z without O.
const HOMOCLAVE: &str = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ";

/// The two homoclave characters SAT can issue.
fn homoclave_ok(first: char, second: char) -> bool {
    HOMOCLAVE.chars().take(30).any(|c| c == first) && HOMOCLAVE.contains(second)
}

fn is_name_letter(c: char) -> bool {
    c.is_ascii_uppercase() || c == 'Ñ' || c == '&'
}

/// The check character of the first 11 (company) or 12 (person) characters.
pub(super) fn check_char(body: &[char]) -> Option<char> {
    let padded: Vec<char> = if body.len() == 11 {
        std::iter::once(' ').chain(body.iter().copied()).collect()
    } else {
        body.to_vec()
    };
    let mut sum = 0;
    for (i, c) in padded.iter().enumerate() {
        sum += value(*c)? * (13 - i as u32);
    }
    Some(match 11 - sum % 11 {
        11 => '0',
        10 => 'A',
        d => char::from_digit(d, 10)?,
    })
}

fn valid_date(d: &[char]) -> bool {
    let num = |a: char, b: char| Some(a.to_digit(10)? * 10 + b.to_digit(10)?);
    let (Some(yy), Some(mm), Some(dd)) = (num(d[0], d[1]), num(d[2], d[3]), num(d[4], d[5])) else {
        return false;
    };
    // The century is not written: 00 is read as 2000, a leap year.
    let days = match mm {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if yy % 4 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&dd)
}

pub(super) fn check(n: &str) -> Result<TaxIdKind, TaxIdError> {
    let c: Vec<char> = n.chars().collect();
    let letters = match c.len() {
        13 => 4,
        12 => 3,
        _ => return Err(TaxIdError::Length),
    };
    let shape_ok = c[letters + 6..]
        .iter()
        .all(|x| x.is_ascii_digit() || x.is_ascii_uppercase());
    if !c[..letters].iter().all(|x| is_name_letter(*x)) || !shape_ok {
        return Err(TaxIdError::Format);
    }
    if !valid_date(&c[letters..letters + 6]) {
        return Err(TaxIdError::Date);
    }
    let h = &c[letters + 6..];
    if !homoclave_ok(h[0], h[1]) {
        return Err(TaxIdError::Homoclave);
    }
    if check_char(&c[..c.len() - 1]) != Some(c[c.len() - 1]) {
        return Err(TaxIdError::CheckDigit);
    }
    Ok(TaxIdKind::Rfc)
}
