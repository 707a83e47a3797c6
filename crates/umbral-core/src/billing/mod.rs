//! Plans, prices, taxes and the purchase summary (`docs/flows/onboarding.md`). Amounts are integers in
//! the currency's minor unit (cents); card data passes through here to a gateway and is never
//! kept.

pub mod card;
pub mod sandbox;

use std::collections::BTreeMap;

use crate::types::Locale;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month,
    Year,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "month" => Some(Period::Month),
            "year" => Some(Period::Year),
            _ => None,
        }
    }

    pub fn months(self) -> i64 {
        match self {
            Period::Month => 1,
            Period::Year => 12,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    /// ISO 4217, upper case.
    pub currency: String,
    /// In the currency's minor unit.
    pub amount: i64,
    pub period: Period,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    /// Names by language tag (`en`, `es`, `pt-BR`); `en` is the fallback.
    pub names: BTreeMap<String, String>,
    /// Features by language tag, shown in the summary.
    pub features: BTreeMap<String, Vec<String>>,
    pub prices: Vec<Price>,
}

fn localized<T>(m: &BTreeMap<String, T>, locale: Locale) -> Option<&T> {
    m.get(locale.tag())
        .or_else(|| m.get("en"))
        .or_else(|| m.values().next())
}

impl Plan {
    pub fn name(&self, locale: Locale) -> &str {
        localized(&self.names, locale)
            .map(String::as_str)
            .unwrap_or(&self.id)
    }

    pub fn features(&self, locale: Locale) -> &[String] {
        localized(&self.features, locale)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The price for a period, in the currency wanted when the plan has it, else its first.
    pub fn price(&self, period: Period, currency: Option<&str>) -> Option<&Price> {
        let of_period = || self.prices.iter().filter(|p| p.period == period);
        currency
            .and_then(|c| of_period().find(|p| p.currency == c))
            .or_else(|| of_period().next())
    }

    pub fn periods(&self) -> Vec<Period> {
        let mut ps: Vec<Period> = self.prices.iter().map(|p| p.period).collect();
        ps.sort();
        ps.dedup();
        ps
    }
}

/// A tax added to purchases from organizations of a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tax {
    pub country: String,
    pub name: String,
    /// In hundredths of a percent: 2100 is 21%.
    pub rate_bp: i64,
}

/// What the checkout sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingConfig {
    pub plans: Vec<Plan>,
    pub taxes: Vec<Tax>,
    /// The currency an organization of a country pays in, when its plan has a price in it.
    pub currency_by_country: BTreeMap<String, String>,
}

impl BillingConfig {
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }
}

fn money(currency: &str, units: &str) -> Price {
    Price {
        currency: currency.to_string(),
        amount: parse_amount(units, currency).unwrap_or(0),
        period: Period::Month,
    }
}

fn plan(id: &str, names: [&str; 3], features: [[&str; 3]; 3], monthly: &[(&str, &str)]) -> Plan {
    let tags = ["en", "es", "pt-BR"];
    let mut prices = Vec::new();
    for (currency, units) in monthly {
        let month = money(currency, units);
        // A year costs ten months.
        let year = Price {
            amount: month.amount * 10,
            period: Period::Year,
            ..month.clone()
        };
        prices.push(month);
        prices.push(year);
    }
    Plan {
        id: id.to_string(),
        names: tags
            .iter()
            .zip(names)
            .map(|(t, n)| (t.to_string(), n.to_string()))
            .collect(),
        features: tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), features.iter().map(|f| f[i].to_string()).collect()))
            .collect(),
        prices,
    }
}

impl Default for BillingConfig {
    /// A catalogue to start with (replace it in the settings file).
    fn default() -> Self {
        let prices = |usd, brl, ars, mxn, eur| {
            vec![
                ("USD", usd),
                ("BRL", brl),
                ("ARS", ars),
                ("MXN", mxn),
                ("EUR", eur),
            ]
        };
        let starter = prices("29.00", "149.00", "29000.00", "549.00", "27.00");
        let business = prices("99.00", "499.00", "99000.00", "1890.00", "92.00");
        Self {
            plans: vec![
                plan(
                    "starter",
                    ["Starter", "Inicial", "Inicial"],
                    [
                        ["Up to 5 users", "Hasta 5 usuarios", "Até 5 usuários"],
                        ["Email support", "Soporte por correo", "Suporte por e-mail"],
                        // Only what Umbral gives today (single sign-on comes with a later release).
                        [
                            "Two-factor authentication",
                            "Autenticación de dos factores",
                            "Autenticação de dois fatores",
                        ],
                    ],
                    &starter,
                ),
                plan(
                    "business",
                    ["Business", "Empresa", "Empresa"],
                    [
                        ["Up to 50 users", "Hasta 50 usuarios", "Até 50 usuários"],
                        ["Priority support", "Soporte prioritario", "Suporte prioritário"],
                        ["Audit log", "Registro de auditoría", "Registro de auditoria"],
                    ],
                    &business,
                ),
            ],
            taxes: Vec::new(),
            currency_by_country: [
                ("AR", "ARS"),
                ("BR", "BRL"),
                ("MX", "MXN"),
                ("ES", "EUR"),
                ("PT", "EUR"),
                ("DE", "EUR"),
                ("FR", "EUR"),
                ("IT", "EUR"),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        }
    }
}

/// Digits after the decimal point of a currency (ISO 4217).
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "CLP" | "PYG" | "JPY" | "KRW" | "ISK" | "UYI" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "TND" | "JOD" => 3,
        _ => 2,
    }
}

/// Parses `"49.90"` into minor units of `currency`.
pub fn parse_amount(s: &str, currency: &str) -> Option<i64> {
    let digits = minor_digits(currency);
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > digits as usize {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac_padded = format!("{frac:0<width$}", width = digits as usize);
    let frac: i64 = if digits == 0 { 0 } else { frac_padded.parse().ok()? };
    whole.checked_mul(10i64.pow(digits))?.checked_add(frac)
}

fn symbol(currency: &str) -> &str {
    match currency {
        "USD" => "US$",
        "BRL" => "R$",
        "EUR" => "€",
        "GBP" => "£",
        "ARS" | "MXN" | "CLP" | "COP" | "UYU" => "$",
        other => other,
    }
}

/// An amount the way the user's language writes money: `US$1,234.50` in English,
/// `US$ 1.234,50` in Spanish and Portuguese (with the currency's code where `$` is ambiguous).
pub fn format_money(amount: i64, currency: &str, locale: Locale) -> String {
    let digits = minor_digits(currency);
    let scale = 10i64.pow(digits);
    let (whole, frac) = (amount.abs() / scale, amount.abs() % scale);
    let (group, decimal, space) = match locale {
        Locale::En => (',', '.', ""),
        Locale::Es | Locale::PtBr => ('.', ',', "\u{a0}"),
    };
    let w = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in w.chars().enumerate() {
        if i > 0 && (w.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    let sym = symbol(currency);
    // "$" alone would not say whose dollars: add the code.
    let sym = if sym == "$" {
        format!("{currency}\u{a0}$")
    } else {
        sym.to_string()
    };
    if digits == 0 {
        format!("{sign}{sym}{space}{grouped}")
    } else {
        format!(
            "{sign}{sym}{space}{grouped}{decimal}{frac:0width$}",
            width = digits as usize
        )
    }
}

/// The purchase summary: plan, period, price, taxes and total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub plan: Plan,
    pub period: Period,
    pub currency: String,
    pub subtotal: i64,
    /// Name, rate in hundredths of a percent, amount.
    pub taxes: Vec<(String, i64, i64)>,
    pub total: i64,
}

impl BillingConfig {
    /// The summary of buying `plan` for `period` by an organization of `country`.
    pub fn summary(&self, plan: &Plan, period: Period, country: Option<&str>) -> Option<Summary> {
        let wanted = country
            .and_then(|c| self.currency_by_country.get(c))
            .map(String::as_str);
        let price = plan.price(period, wanted)?;
        let taxes: Vec<(String, i64, i64)> = self
            .taxes
            .iter()
            .filter(|t| Some(t.country.as_str()) == country)
            // Rounded half up to the minor unit.
            .map(|t| {
                (
                    t.name.clone(),
                    t.rate_bp,
                    (price.amount * t.rate_bp + 5_000) / 10_000,
                )
            })
            .collect();
        let total = price.amount + taxes.iter().map(|t| t.2).sum::<i64>();
        Some(Summary {
            plan: plan.clone(),
            period,
            currency: price.currency.clone(),
            subtotal: price.amount,
            taxes,
            total,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_in_minor_units() {
        assert_eq!(parse_amount("49.90", "USD"), Some(4990));
        assert_eq!(parse_amount("49", "USD"), Some(4900));
        assert_eq!(parse_amount("49.9", "USD"), Some(4990));
        assert_eq!(parse_amount("1500", "CLP"), Some(1500));
        assert_eq!(parse_amount("1.5", "CLP"), None);
        assert_eq!(parse_amount("4.999", "USD"), None);
        assert_eq!(parse_amount("-1", "USD"), None);
        assert_eq!(parse_amount("", "USD"), None);
    }

    #[test]
    fn money_is_written_the_users_way() {
        assert_eq!(format_money(123_450, "USD", Locale::En), "US$1,234.50");
        assert_eq!(format_money(123_450, "BRL", Locale::PtBr), "R$\u{a0}1.234,50");
        assert_eq!(
            format_money(2_900_000, "ARS", Locale::Es),
            "ARS\u{a0}$\u{a0}29.000,00"
        );
        assert_eq!(format_money(1500, "CLP", Locale::Es), "CLP\u{a0}$\u{a0}1.500");
    }

    #[test]
    fn the_summary_adds_the_countrys_taxes_in_its_currency() {
        let mut b = BillingConfig::default();
        b.taxes.push(Tax {
            country: "AR".into(),
            name: "IVA".into(),
            rate_bp: 2100,
        });
        let plan = b.plan("starter").unwrap().clone();
        let s = b.summary(&plan, Period::Month, Some("AR")).unwrap();
        assert_eq!((s.currency.as_str(), s.subtotal), ("ARS", 2_900_000));
        assert_eq!(s.taxes, vec![("IVA".to_string(), 2100, 609_000)]);
        assert_eq!(s.total, 3_509_000);
        let s = b.summary(&plan, Period::Year, Some("CL")).unwrap();
        assert_eq!(
            (s.currency.as_str(), s.subtotal, s.total),
            ("USD", 29_000, 29_000)
        );
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    days_from_civil(y + i64::from(m == 12), m % 12 + 1, 1) - days_from_civil(y, m, 1)
}

/// The UTC date of a time: year, month, day.
pub fn civil_date(ms: i64) -> (i64, i64, i64) {
    civil_from_days(ms.div_euclid(86_400_000))
}

/// The UTC year and month of a time.
pub fn year_month(ms: i64) -> (u32, u32) {
    let (y, m, _) = civil_from_days(ms.div_euclid(86_400_000));
    (u32::try_from(y).unwrap_or(0), u32::try_from(m).unwrap_or(1))
}

/// `ms` plus whole calendar months (UTC), the day kept or cut to the month's last: a
/// subscription started on 31 January renews on 28 or 29 February.
pub fn add_months(ms: i64, months: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    let (days, rest) = (ms.div_euclid(DAY), ms.rem_euclid(DAY));
    let (y, m, d) = civil_from_days(days);
    let index = y * 12 + (m - 1) + months;
    let (ny, nm) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * DAY + rest
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn months_are_calendar_months() {
        let jan31 = days_from_civil(2026, 1, 31) * DAY + 5_000;
        assert_eq!(add_months(jan31, 1), days_from_civil(2026, 2, 28) * DAY + 5_000);
        assert_eq!(
            add_months(days_from_civil(2028, 1, 31) * DAY, 1),
            days_from_civil(2028, 2, 29) * DAY
        );
        assert_eq!(
            add_months(days_from_civil(2026, 11, 21) * DAY, 12),
            days_from_civil(2027, 11, 21) * DAY
        );
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }
}
