//! What an organization tells about itself at sign-up (`docs/flows/onboarding.md`): the country, its
//! tax id, size, segment and address.

pub mod postal;
pub mod tax_id;

use crate::error::FieldError;
use postal::Address;
use tax_id::TaxId;

/// The choices for "Number of employees".
pub const EMPLOYEE_RANGES: [&str; 6] = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001+"];

/// The default choices for "Segment" (configurable).
pub const DEFAULT_SEGMENTS: [&str; 10] = [
    "retail",
    "financial_services",
    "health",
    "education",
    "technology",
    "telecommunications",
    "logistics",
    "public_sector",
    "services",
    "other",
];

/// The company form as sent (a missing field is empty).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CompanyInput {
    pub legal_name: String,
    pub country: String,
    pub tax_id: String,
    pub employees: String,
    pub segment: String,
    pub postal_code: String,
    pub street: String,
    pub number: String,
    pub complement: String,
    pub neighbourhood: String,
    pub city: String,
    pub state: String,
}

/// An organization's company data, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub legal_name: String,
    pub tax_id: TaxId,
    pub employees: String,
    pub segment: String,
    /// Normalised (see [`postal::normalize`]).
    pub postal_code: String,
    pub address: Address,
    pub number: String,
    pub complement: Option<String>,
}

impl Company {
    pub fn country(&self) -> &str {
        &self.tax_id.country
    }
}

/// Is this an ISO 3166 country Umbral knows (from the phone number metadata)?
pub fn known_country(code: &str) -> bool {
    code.len() == 2
        && code.chars().all(|c| c.is_ascii_uppercase())
        && crate::types::PhoneE164::dial_code(code).is_some()
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    required: bool,
    max: usize,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.push(FieldError::new(field, "company.required"));
        }
        return None;
    }
    if v.chars().count() > max {
        errors.push(FieldError::new(field, "company.too_long").with("max", max as i64));
        return None;
    }
    if v.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "company.characters"));
        return None;
    }
    Some(v.to_string())
}

/// Checks every field; all the errors at once, each naming its field and rule.
pub fn validate(input: &CompanyInput, segments: &[String]) -> Result<Company, Vec<FieldError>> {
    let mut errors = Vec::new();
    let country = input.country.trim().to_ascii_uppercase();
    let country_ok = known_country(&country);
    if !country_ok {
        errors.push(FieldError::new(
            "country",
            if country.is_empty() {
                "company.required"
            } else {
                "company.country_invalid"
            },
        ));
    }
    let legal_name = text(&mut errors, "legal_name", &input.legal_name, true, 200);
    if legal_name.as_ref().is_some_and(|n| n.chars().count() < 2) {
        errors.push(FieldError::new("legal_name", "company.too_short").with("min", 2));
    }
    let tax_id = if country_ok {
        tax_id::validate(&country, &input.tax_id)
            .map_err(|e| errors.push(FieldError::new("tax_id", e.code())))
            .ok()
    } else {
        None
    };
    let employees = input.employees.trim();
    if !EMPLOYEE_RANGES.contains(&employees) {
        errors.push(FieldError::new("employees", "company.choose"));
    }
    let segment = input.segment.trim();
    if !segments.iter().any(|s| s == segment) {
        errors.push(FieldError::new("segment", "company.choose"));
    }
    let postal_code = if country_ok {
        postal::normalize(&country, &input.postal_code)
            .map_err(|e| errors.push(e))
            .ok()
    } else {
        None
    };
    let street = text(&mut errors, "street", &input.street, true, 200);
    let number = text(&mut errors, "number", &input.number, true, 20);
    let complement = text(&mut errors, "complement", &input.complement, false, 100);
    let neighbourhood = text(&mut errors, "neighbourhood", &input.neighbourhood, false, 100);
    let city = text(&mut errors, "city", &input.city, true, 100);
    let state = text(&mut errors, "state", &input.state, true, 100);
    match (legal_name, tax_id, postal_code, street, number, city, state) {
        (
            Some(legal_name),
            Some(tax_id),
            Some(postal_code),
            Some(street),
            Some(number),
            Some(city),
            Some(state),
        ) if errors.is_empty() => Ok(Company {
            legal_name,
            tax_id,
            employees: employees.to_string(),
            segment: segment.to_string(),
            postal_code,
            address: Address {
                street: Some(street),
                neighbourhood,
                city,
                state,
            },
            number,
            complement,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn segments() -> Vec<String> {
        DEFAULT_SEGMENTS.iter().map(|s| s.to_string()).collect()
    }

    fn argentina() -> CompanyInput {
        CompanyInput {
            legal_name: "Acme SA".into(),
            country: "AR".into(),
            tax_id: "33-69345023-9".into(),
            employees: "11-50".into(),
            segment: "technology".into(),
            postal_code: "C1425DKA".into(),
            street: "Av. Santa Fe".into(),
            number: "1234".into(),
            complement: "".into(),
            neighbourhood: "Palermo".into(),
            city: "Buenos Aires".into(),
            state: "CABA".into(),
        }
    }

    #[test]
    fn a_whole_company_passes() {
        let c = validate(&argentina(), &segments()).unwrap();
        assert_eq!(c.tax_id.normalized, "33693450239");
        assert_eq!(c.country(), "AR");
        assert_eq!(c.complement, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = CompanyInput {
            legal_name: "A".into(),
            tax_id: "33-69345023-8".into(),
            employees: "12".into(),
            segment: "mining".into(),
            postal_code: "12".into(),
            street: "".into(),
            number: "x".repeat(21),
            city: "".into(),
            state: "".into(),
            ..argentina()
        };
        let errs = validate(&input, &segments()).unwrap_err();
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("legal_name", "company.too_short"),
                ("tax_id", "tax_id.check_digit"),
                ("employees", "company.choose"),
                ("segment", "company.choose"),
                ("postal_code", "postal_code.format"),
                ("street", "company.required"),
                ("number", "company.too_long"),
                ("city", "company.required"),
                ("state", "company.required"),
            ]
        );
        let errs = validate(
            &CompanyInput {
                country: "XX".into(),
                ..argentina()
            },
            &segments(),
        )
        .unwrap_err();
        assert_eq!(
            (errs[0].field, errs[0].code),
            ("country", "company.country_invalid")
        );
    }
}
