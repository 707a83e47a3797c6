//! `umbral postal import`: fills the postal code table from a GeoNames postal-code dump
//! (tab-separated, city and state level) or a street-level CSV (`postal_code,street,
//! neighbourhood,city,state`, e.g. Brazil's CEPs). The whole file is one transaction: a malformed
//! line is reported with its number and nothing is imported; importing again replaces the same
//! countries' rows, so the result does not depend on how often it ran.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use umbral_core::company::{known_country, postal};
use umbral_store::{ImportError, ImportReport, PostalLevel, PostalRow, SqlStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GeoNames: country, postal code, place name, admin name1, admin code1, ... (12 columns).
    Geonames,
    /// `postal_code,street,neighbourhood,city,state` for one country; a header line is skipped.
    Csv,
}

fn bad(line: u64, message: impl Into<String>) -> ImportError {
    ImportError::Line {
        line,
        message: message.into(),
    }
}

fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.chars().take(200).collect())
}

/// A code as city-level tables write it (Canada's `T0A`, the British `AB10`): letters and
/// digits, 2 to 10 of them.
fn loose_code(raw: &str) -> Option<String> {
    let n: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    ((2..=10).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric())).then_some(n)
}

/// One GeoNames line.
fn geonames_row(line: u64, text: &str) -> Result<PostalRow, ImportError> {
    let cols: Vec<&str> = text.split('\t').collect();
    if cols.len() < 5 {
        return Err(bad(
            line,
            format!("expected 12 tab-separated columns, found {}", cols.len()),
        ));
    }
    let country = cols[0].trim().to_ascii_uppercase();
    if !known_country(&country) {
        return Err(bad(line, format!("unknown country code {:?}", cols[0])));
    }
    let code = loose_code(cols[1]).ok_or_else(|| {
        bad(
            line,
            format!("postal code {:?} is not 2-10 letters and digits", cols[1]),
        )
    })?;
    let city = clean(cols[2]).ok_or_else(|| bad(line, "the place name is empty"))?;
    let state = clean(cols[3]).or_else(|| clean(cols[4])).unwrap_or_default();
    Ok(PostalRow {
        country,
        code,
        street: None,
        neighbourhood: None,
        city,
        state,
    })
}

/// One street-level CSV record.
fn csv_row(line: u64, country: &str, rec: &csv::StringRecord) -> Result<PostalRow, ImportError> {
    if rec.len() != 5 {
        return Err(bad(
            line,
            format!(
                "expected 5 columns (postal_code,street,neighbourhood,city,state), found {}",
                rec.len()
            ),
        ));
    }
    let code = postal::normalize(country, &rec[0])
        .map_err(|_| bad(line, format!("{:?} is not a postal code of {country}", &rec[0])))?;
    Ok(PostalRow {
        country: country.to_string(),
        code,
        street: clean(&rec[1]),
        neighbourhood: clean(&rec[2]),
        city: clean(&rec[3]).ok_or_else(|| bad(line, "the city is empty"))?,
        state: clean(&rec[4]).ok_or_else(|| bad(line, "the state is empty"))?,
    })
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The rows of a file, each with its line number.
pub fn rows<R: Read + Send + 'static>(
    format: Format,
    country: Option<String>,
    reader: R,
) -> Box<dyn Iterator<Item = Result<(u64, PostalRow), ImportError>> + Send> {
    match format {
        Format::Geonames => Box::new(BufReader::new(reader).lines().enumerate().filter_map(|(i, l)| {
            let line = i as u64 + 1;
            match l {
                Err(e) => Some(Err(bad(line, e.to_string()))),
                Ok(t) if t.trim().is_empty() => None,
                Ok(t) => Some(geonames_row(line, &t).map(|r| (line, r))),
            }
        })),
        Format::Csv => {
            let country = country.unwrap_or_default();
            let records = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(reader)
                .into_records();
            Box::new(records.enumerate().filter_map(move |(i, r)| {
                let line = i as u64 + 1;
                match r {
                    Err(e) => Some(Err(bad(line, e.to_string()))),
                    Ok(rec) if line == 1 && rec.get(0).is_some_and(|h| h.trim() == "postal_code") => None,
                    Ok(rec) if rec.iter().all(|f| f.trim().is_empty()) => None,
                    Ok(rec) => Some(csv_row(line, &country, &rec).map(|r| (line, r))),
                }
            }))
        }
    }
}

/// Imports a file, showing a progress bar on a terminal.
pub async fn import(
    store: &SqlStore,
    path: &Path,
    format: Format,
    country: Option<&str>,
) -> Result<ImportReport, String> {
    let country = match (format, country) {
        (Format::Csv, Some(c)) if known_country(&c.to_ascii_uppercase()) => Some(c.to_ascii_uppercase()),
        (Format::Csv, Some(c)) => return Err(format!("--country {c:?} is not an ISO 3166 country code")),
        (Format::Csv, None) => return Err("a CSV file needs --country (e.g. --country BR)".to_string()),
        (Format::Geonames, _) => None,
    };
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} · {msg} · {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let counting = Counting {
        inner: file,
        read: read.clone(),
    };
    let level = match format {
        Format::Geonames => PostalLevel::City,
        Format::Csv => PostalLevel::Street,
    };
    let result = store
        .import_postal(level, rows(format, country, counting), |lines| {
            bar.set_position(read.load(Ordering::Relaxed));
            bar.set_message(format!("{lines} lines"));
        })
        .await;
    bar.finish_and_clear();
    result.map_err(|e| match e {
        ImportError::Line { .. } => format!("{}: {e}; nothing was imported", path.display()),
        ImportError::Store(e) => format!("{e}; nothing was imported"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn collect(
        format: Format,
        country: Option<&str>,
        text: &'static str,
    ) -> Vec<Result<(u64, PostalRow), String>> {
        rows(format, country.map(str::to_string), text.as_bytes())
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn geonames_lines_become_city_rows() {
        let got = collect(
            Format::Geonames,
            None,
            "AR\t1425\tPalermo\tCiudad Autónoma de Buenos Aires\tC\t\t\t\t\t-34.58\t-58.42\t4\n\nCA\tT0A\tEastern Alberta\tAlberta\tAB\t\t\t\t\t54\t-111\t\n",
        );
        let (line, row) = got[0].clone().unwrap();
        assert_eq!(
            (line, row.code.as_str(), row.city.as_str()),
            (1, "1425", "Palermo")
        );
        assert_eq!(got[1].clone().unwrap().0, 3, "line numbers count blank lines");
        assert_eq!(got[1].clone().unwrap().1.code, "T0A");
        let got = collect(Format::Geonames, None, "XX\t1425\tPalermo\tBA\tC\n");
        assert_eq!(got[0].clone().unwrap_err(), "line 1: unknown country code \"XX\"");
        let got = collect(Format::Geonames, None, "AR 1425 Palermo\n");
        assert!(
            got[0]
                .clone()
                .unwrap_err()
                .starts_with("line 1: expected 12 tab-separated columns")
        );
    }

    #[test]
    fn csv_lines_become_street_rows() {
        let got = collect(
            Format::Csv,
            Some("BR"),
            "postal_code,street,neighbourhood,city,state\n01310-100,\"Avenida Paulista, de 1 a 610\",Bela Vista,São Paulo,SP\n0131,x,y,z,SP\n",
        );
        let (line, row) = got[0].clone().unwrap();
        assert_eq!(line, 2);
        assert_eq!(row.code, "01310100");
        assert_eq!(row.street.as_deref(), Some("Avenida Paulista, de 1 a 610"));
        assert_eq!(
            got[1].clone().unwrap_err(),
            "line 3: \"0131\" is not a postal code of BR"
        );
    }
}
