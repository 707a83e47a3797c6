//! The postal code table: looked up by the company form, filled by `umbral postal import`.
//! An import is one transaction: a bad line leaves the table as it was. Re-importing a country
//! at a level replaces its rows, so running an import twice gives the same table.

use std::collections::HashSet;

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::Row;
use sqlx::{AssertSqlSafe, SqlSafeStr};
use umbral_core::company::postal::{Address, lookup_keys};
use umbral_core::ports::{AddressLookup, LookupError, StoreError};

use crate::{SqlStore, db};

/// One postal code of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalRow {
    pub country: String,
    /// Normalised: upper case, no spaces or hyphens.
    pub code: String,
    pub street: Option<String>,
    pub neighbourhood: Option<String>,
    pub city: String,
    pub state: String,
}

/// Street-level rows (a street per code) or city-level ones (GeoNames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostalLevel {
    Street,
    City,
}

impl PostalLevel {
    fn as_str(self) -> &'static str {
        match self {
            PostalLevel::Street => "street",
            PostalLevel::City => "city",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Lines read (with the header, if any).
    pub lines: u64,
    /// Rows in the table for the imported countries at this level.
    pub rows: u64,
    pub countries: usize,
}

/// Rows per INSERT statement (7 values each). SQLite's driver looks each `$n` up by name among
/// all of the statement's parameters, a cost that grows with the square of their number: there a
/// short batch is faster.
const fn batch_rows(backend: crate::Backend) -> usize {
    match backend {
        crate::Backend::Sqlite => 40,
        crate::Backend::Postgres => 500,
    }
}

impl SqlStore {
    /// Replaces the postal codes of every country in `rows` at `level`, in one transaction.
    /// `rows` yields each line's row, or an error naming the line; `progress` is called after
    /// every batch with the number of lines read so far. The first row of a code wins.
    pub async fn import_postal<I>(
        &self,
        level: PostalLevel,
        rows: I,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<ImportReport, ImportError>
    where
        I: Iterator<Item = Result<(u64, PostalRow), ImportError>> + Send,
    {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let mut seen: HashSet<String> = HashSet::new();
        let size = batch_rows(self.backend);
        let mut batch: Vec<PostalRow> = Vec::with_capacity(size);
        let mut lines = 0;
        for item in rows {
            let (line, row) = item?;
            lines = line;
            if !seen.contains(&row.country) {
                flush(&mut tx, level, &mut batch).await?;
                sqlx::query("DELETE FROM postal_codes WHERE country = $1 AND level = $2")
                    .bind(&row.country)
                    .bind(level.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                seen.insert(row.country.clone());
            }
            batch.push(row);
            if batch.len() == size {
                flush(&mut tx, level, &mut batch).await?;
                progress(lines);
            }
        }
        flush(&mut tx, level, &mut batch).await?;
        let mut count = 0;
        for c in &seen {
            let n: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM postal_codes WHERE country = $1 AND level = $2")
                    .bind(c)
                    .bind(level.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?
                    .try_get("n")
                    .map_err(db)?;
            count += u64::try_from(n).unwrap_or(0);
        }
        tx.commit().await.map_err(db)?;
        progress(lines);
        Ok(ImportReport {
            lines,
            rows: count,
            countries: seen.len(),
        })
    }
}

async fn flush(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    level: PostalLevel,
    batch: &mut Vec<PostalRow>,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO postal_codes (country, code, level, street, neighbourhood, city, state) VALUES ",
    );
    for i in 0..batch.len() {
        let b = i * 7;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7
        ));
    }
    sql.push_str(" ON CONFLICT (country, code, level) DO NOTHING");
    let mut q = sqlx::query(AssertSqlSafe(sql).into_sql_str());
    for r in batch.iter() {
        q = q
            .bind(r.country.clone())
            .bind(r.code.clone())
            .bind(level.as_str())
            .bind(r.street.clone())
            .bind(r.neighbourhood.clone())
            .bind(r.city.clone())
            .bind(r.state.clone());
    }
    q.execute(&mut **tx).await.map_err(db)?;
    batch.clear();
    Ok(())
}

#[async_trait]
impl AddressLookup for SqlStore {
    /// The best row for the code: street level before city level, the whole code before its
    /// shorter forms.
    async fn lookup(&self, country: &str, code: &str) -> Result<Option<Address>, LookupError> {
        let mut conn = self.read.get().await.map_err(|e| LookupError(e.to_string()))?;
        for key in lookup_keys(country, code) {
            let row = sqlx::query(
                "SELECT street, neighbourhood, city, state FROM postal_codes \
                 WHERE country = $1 AND code = $2 ORDER BY level DESC LIMIT 1",
            )
            .bind(country)
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| LookupError(e.to_string()))?;
            if let Some(r) = row {
                let get = |c: &str| {
                    r.try_get::<Option<String>, _>(c)
                        .map_err(|e| LookupError(e.to_string()))
                };
                return Ok(Some(Address {
                    street: get("street")?.filter(|s| !s.is_empty()),
                    neighbourhood: get("neighbourhood")?.filter(|s| !s.is_empty()),
                    city: get("city")?.unwrap_or_default(),
                    state: get("state")?.unwrap_or_default(),
                }));
            }
        }
        Ok(None)
    }
}
