//! Tax ids by country, each with its official check-digit rule (one file per country). An id is
//! stored normalised (letters and digits, upper case, no separators) and shown the local way.

mod ar;
mod br;
mod cl;
mod co;
mod ec;
mod es;
mod mx;
mod pe;
mod pt;
mod us;
mod uy;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;

/// What kind of id a value is, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxIdKind {
    Cuit,
    Cnpj,
    Cpf,
    Rfc,
    Rut,
    Nit,
    Ruc,
    Nif,
    Nie,
    Cif,
    Ein,
    /// Countries without a rule of ours: a free-form id.
    Other,
}

impl TaxIdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxIdKind::Cuit => "cuit",
            TaxIdKind::Cnpj => "cnpj",
            TaxIdKind::Cpf => "cpf",
            TaxIdKind::Rfc => "rfc",
            TaxIdKind::Rut => "rut",
            TaxIdKind::Nit => "nit",
            TaxIdKind::Ruc => "ruc",
            TaxIdKind::Nif => "nif",
            TaxIdKind::Nie => "nie",
            TaxIdKind::Cif => "cif",
            TaxIdKind::Ein => "ein",
            TaxIdKind::Other => "other",
        }
    }
}

/// Why a value is not a valid tax id; the codes are message ids (`tax_id.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxIdError {
    Required,
    /// A character that is neither a letter, a digit nor a separator (space . - /).
    Characters,
    /// Too short or too long for the country's ids.
    Length,
    /// Right length, wrong shape (a letter where a digit goes, an unknown type prefix...).
    Format,
    /// A date inside the id (Mexico's RFC) that does not exist.
    Date,
    /// A Mexican RFC whose homoclave SAT never issues (a 0 or an O, or a first character past V).
    Homoclave,
    CheckDigit,
}

impl TaxIdError {
    pub fn code(self) -> &'static str {
        match self {
            TaxIdError::Required => "tax_id.required",
            TaxIdError::Characters => "tax_id.characters",
            TaxIdError::Length => "tax_id.length",
            TaxIdError::Format => "tax_id.format",
            TaxIdError::Date => "tax_id.date",
            TaxIdError::Homoclave => "tax_id.homoclave",
            TaxIdError::CheckDigit => "tax_id.check_digit",
        }
    }
}

/// A valid tax id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxId {
    pub country: String,
    pub kind: TaxIdKind,
    /// Letters and digits only, upper case.
    pub normalized: String,
}

impl TaxId {
    /// The id written the local way (CUIT `NN-NNNNNNNN-N`, CNPJ `NN.NNN.NNN/NNNN-NN`...).
    pub fn formatted(&self) -> String {
        let n = self.normalized.as_str();
        match self.country.as_str() {
            "AR" => ar::format(n),
            "BR" => br::format(self.kind, n),
            "CL" => cl::format(n),
            "CO" => co::format(n),
            "PT" => group(n, &[(3, ' '), (6, ' ')]),
            "US" => us::format(n),
            _ => n.to_string(),
        }
    }
}

/// The name people of a country give their tax id, for the form's label.
pub fn local_name(country: &str) -> Option<&'static str> {
    Some(match country {
        "AR" => "CUIT",
        "BR" => "CNPJ / CPF",
        "MX" => "RFC",
        "CL" | "UY" => "RUT",
        "CO" => "NIT",
        "PE" | "EC" => "RUC",
        "ES" => "NIF / CIF",
        "PT" => "NIF",
        "US" => "EIN",
        _ => return None,
    })
}

/// Does Umbral know this country's tax id rule?
pub fn has_rule(country: &str) -> bool {
    local_name(country).is_some()
}

/// Keeps letters and digits in upper case; separators (space . - /) go, anything else is refused.
pub fn normalize(raw: &str) -> Result<String, TaxIdError> {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() || c == 'Ñ' || c == 'ñ' || c == '&' {
            out.extend(c.to_uppercase());
        } else if !matches!(c, ' ' | '.' | '-' | '/') {
            return Err(TaxIdError::Characters);
        }
    }
    if out.is_empty() {
        return Err(TaxIdError::Required);
    }
    Ok(out)
}

/// Longest free-form id accepted for countries without a rule.
const OTHER_MAX: usize = 32;

/// Checks `raw` as a tax id of `country` (ISO 3166 alpha-2, upper case).
pub fn validate(country: &str, raw: &str) -> Result<TaxId, TaxIdError> {
    let mut n = normalize(raw)?;
    if country == "CO" {
        n = co::normalize(&n);
    }
    let kind = match country {
        "AR" => ar::check(&n)?,
        "BR" => br::check(&n)?,
        "MX" => mx::check(&n)?,
        "CL" => cl::check(&n)?,
        "CO" => co::check(&n)?,
        "PE" => pe::check(&n)?,
        "UY" => uy::check(&n)?,
        "EC" => ec::check(&n)?,
        "ES" => es::check(&n)?,
        "PT" => pt::check(&n)?,
        "US" => us::check(&n)?,
        _ => {
            if n.chars().count() > OTHER_MAX {
                return Err(TaxIdError::Length);
            }
            if !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(TaxIdError::Characters);
            }
            TaxIdKind::Other
        }
    };
    Ok(TaxId {
        country: country.to_string(),
        kind,
        normalized: n,
    })
}

/// The digits of an all-digit string, or `None`.
pub(crate) fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Checks that `s` has exactly `len` digits.
pub(crate) fn digits_of_len(s: &str, len: usize) -> Result<Vec<u32>, TaxIdError> {
    if s.chars().count() != len {
        return Err(TaxIdError::Length);
    }
    digits(s).ok_or(TaxIdError::Format)
}

/// Σ value × weight, pairing from the left.
pub(crate) fn weighted(values: &[u32], weights: &[u32]) -> u32 {
    values.iter().zip(weights).map(|(v, w)| v * w).sum()
}

/// Inserts `sep` before the byte positions `at` (ascending) of an ASCII string.
pub(crate) fn group(s: &str, at: &[(usize, char)]) -> String {
    let mut out = String::with_capacity(s.len() + at.len());
    for (i, c) in s.chars().enumerate() {
        if let Some((_, sep)) = at.iter().find(|(p, _)| *p == i) {
            out.push(*sep);
        }
        out.push(c);
    }
    out
}

/// Digits grouped by three from the right with dots (`12.345.678`), as Chile and Colombia write.
pub(crate) fn thousands(body: &str) -> String {
    let len = body.len();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in body.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}
