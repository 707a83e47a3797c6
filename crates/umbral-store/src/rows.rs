//! Rows to core types.

use sqlx::any::AnyRow;
use umbral_core::accounts::{Membership, Role, User, UserStatus};
use umbral_core::error::EndReason;
use umbral_core::factors::{Factor, FactorKind, MfaVia};
use umbral_core::policy::TwoFactorPolicy;
use umbral_core::ports::{OrgSetup, SessionRecord, StoreResult};
use umbral_core::types::{FactorId, OrgId, SessionId, UserId};

use crate::db;

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.phone, u.password_hash, u.locale, u.status, \
     u.email_confirmed_at, u.created_at, u.mfa_enabled, u.security_epoch, u.is_staff, \
     (SELECT COUNT(*) FROM factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS factor_count";

/// A column value that both sqlx's rows and the inline connections' rows (ADR 0009) decode.
pub(crate) trait Value:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}
impl Value for String {}
impl Value for Option<String> {}
impl Value for i64 {}
impl Value for Option<i64> {}

/// A row read by column name, from sqlx or from an inline connection.
pub(crate) trait Cols {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error>;
}

impl Cols for AnyRow {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(self, name)
    }
}

/// A row's columns whose names carry `prefix` (a query that reads two tables with columns of
/// the same name), read by their names without it.
pub(crate) struct Prefixed<'a, R> {
    pub row: &'a R,
    pub prefix: &'static str,
}

impl<R: Cols> Cols for Prefixed<'_, R> {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error> {
        self.row.col(&format!("{}{name}", self.prefix))
    }
}

/// `columns` (a list of bare names) of `table`'s alias, each renamed with `prefix`: the select
/// list that [`Prefixed`] reads.
pub(crate) fn prefixed_columns(columns: &str, table: &str, prefix: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{table}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of an inline read (ADR 0009). Its columns are found by name among the statement's
/// names, read once per query: rusqlite's own lookup by name asks SQLite for every column's name
/// on every call, which made a 30-column session read compare names hundreds of times.
pub(crate) struct InlineRow<'a> {
    row: &'a rusqlite::Row<'a>,
    names: &'a [String],
    /// Where the next column is likely to be: mappers read columns in the order selected.
    next: std::cell::Cell<usize>,
}

impl<'a> InlineRow<'a> {
    pub(crate) fn new(row: &'a rusqlite::Row<'a>, names: &'a [String]) -> Self {
        Self {
            row,
            names,
            next: std::cell::Cell::new(0),
        }
    }

    /// A column by its place, as rusqlite reads it.
    pub(crate) fn at<T: rusqlite::types::FromSql>(&self, i: usize) -> Result<T, sqlx::Error> {
        self.row.get(i).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    fn index(&self, name: &str) -> Option<usize> {
        let same = |i: &usize| self.names.get(*i).is_some_and(|n| n.eq_ignore_ascii_case(name));
        Some(self.next.get())
            .filter(same)
            .or_else(|| (0..self.names.len()).find(same))
    }
}

impl Cols for InlineRow<'_> {
    fn col<T: Value>(&self, name: &str) -> Result<T, sqlx::Error> {
        let i = self
            .index(name)
            .ok_or_else(|| sqlx::Error::ColumnNotFound(name.to_string()))?;
        self.next.set(i + 1);
        self.at(i)
    }
}

pub(crate) fn user(row: &impl Cols) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(row.col("id")?),
        email: row.col("email")?,
        name: row.col("name")?,
        phone: row.col("phone")?,
        password_hash: row.col("password_hash")?,
        locale: row.col("locale")?,
        status: UserStatus::parse(&row.col::<String>("status")?),
        email_confirmed_at: row.col("email_confirmed_at")?,
        created_at: row.col("created_at")?,
        mfa_enabled: row.col::<i64>("mfa_enabled")? != 0,
        security_epoch: row.col("security_epoch")?,
        factor_count: row.col("factor_count")?,
        is_staff: row.col::<i64>("is_staff")? != 0,
    })
}

pub(crate) const MEMBERSHIP_COLUMNS: &str = "m.org_id AS m_org_id, o.name AS m_org_name, m.role AS m_role, o.single_session AS m_single_session, \
     o.mfa_policy AS m_mfa_policy, o.owner_epoch AS m_owner_epoch, o.setup AS m_setup";

/// A membership from a row that may have none (LEFT JOIN).
pub(crate) fn membership(row: &impl Cols) -> Result<Option<Membership>, sqlx::Error> {
    let Some(org_id) = row.col::<Option<String>>("m_org_id")? else {
        return Ok(None);
    };
    Ok(Some(Membership {
        org_id: OrgId(org_id),
        org_name: row.col::<Option<String>>("m_org_name")?.unwrap_or_default(),
        role: Role::parse(&row.col::<Option<String>>("m_role")?.unwrap_or_default()),
        single_session: row.col::<Option<i64>>("m_single_session")?.map(|v| v != 0),
        mfa_policy: row
            .col::<Option<String>>("m_mfa_policy")?
            .as_deref()
            .and_then(TwoFactorPolicy::parse),
        owner_epoch: row.col::<Option<i64>>("m_owner_epoch")?.unwrap_or(0),
        setup: OrgSetup::parse(&row.col::<Option<String>>("m_setup")?.unwrap_or_default()),
    }))
}

pub(crate) const SESSION_COLUMNS: &str = "s.id_hash, s.user_id AS s_user_id, s.created_at AS s_created_at, \
     s.last_seen_at, s.expires_at, s.ended_at, s.end_reason, s.ip, s.user_agent, s.mfa_at, s.mfa_method, s.first_factor";

pub(crate) fn session(row: &impl Cols) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: SessionId(row.col("id_hash")?),
        user_id: row.col::<Option<String>>("s_user_id")?.map(UserId),
        created_at: row.col("s_created_at")?,
        last_seen_at: row.col("last_seen_at")?,
        expires_at: row.col("expires_at")?,
        ended_at: row.col("ended_at")?,
        end_reason: row
            .col::<Option<String>>("end_reason")?
            .map(|r| EndReason::parse(&r)),
        ip: row.col("ip")?,
        user_agent: row.col("user_agent")?,
        mfa_at: row.col("mfa_at")?,
        mfa_method: row
            .col::<Option<String>>("mfa_method")?
            .and_then(|m| MfaVia::parse(&m)),
        first_factor: umbral_core::ports::FirstFactor::parse(
            row.col::<Option<String>>("first_factor")?.as_deref(),
        ),
    })
}

/// A confirmed factor joined to another row (`f_` columns), if the row has one.
pub(crate) const FACTOR_COLUMNS: &str = "f.id AS f_id, f.user_id AS f_user_id, f.kind AS f_kind, f.phone AS f_phone, \
     f.secret_sealed AS f_secret_sealed, f.created_at AS f_created_at, f.confirmed_at AS f_confirmed_at, \
     f.last_used_at AS f_last_used_at, f.last_step AS f_last_step, f.name AS f_name, f.credential_id AS f_credential_id";

pub(crate) fn joined_factor(row: &impl Cols) -> Result<Option<Factor>, sqlx::Error> {
    let Some(id) = row.col::<Option<String>>("f_id")? else {
        return Ok(None);
    };
    let kind: String = row.col::<Option<String>>("f_kind")?.unwrap_or_default();
    Ok(Some(Factor {
        id: FactorId(id),
        user_id: UserId(row.col::<Option<String>>("f_user_id")?.unwrap_or_default()),
        kind: FactorKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("factor kind {kind}").into()))?,
        phone: row.col("f_phone")?,
        secret_sealed: row.col("f_secret_sealed")?,
        created_at: row.col::<Option<i64>>("f_created_at")?.unwrap_or_default(),
        confirmed_at: row.col("f_confirmed_at")?,
        last_used_at: row.col("f_last_used_at")?,
        last_step: row.col("f_last_step")?,
        name: row.col("f_name")?,
        credential_id: row.col("f_credential_id")?,
    }))
}

/// Every row `args` find (text bound to `$1`, `$2`, ...), each read by `inline` or `pooled`
/// (the same columns from either kind of row): on a SQLite file on this thread (ADR 0009), else
/// through the read pool.
pub(crate) async fn read_all<T>(
    read: &crate::conn::Conns,
    sql: &str,
    args: &[&str],
    mut inline: impl FnMut(&InlineRow<'_>) -> Result<T, sqlx::Error>,
    pooled: impl FnMut(&AnyRow) -> Result<T, sqlx::Error>,
) -> StoreResult<Vec<T>> {
    let mut query = |c: &rusqlite::Connection| {
        let mut statement = c.prepare_cached(sql)?;
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as _).collect();
        crate::conn::bind_inline(&mut statement, &args)?;
        let names: Vec<String> = statement.column_names().into_iter().map(str::to_string).collect();
        let mut rows = statement.raw_query();
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            found.push(inline(&InlineRow::new(row, &names)));
        }
        Ok(found)
    };
    // The writer's connection when it is free (its pages are warm), else a reader.
    let mut found = match read.writer_inline() {
        Some(writer) => writer.try_with(&mut query)?,
        None => None,
    };
    if found.is_none()
        && let Some(readers) = read.inline()
    {
        found = readers.with(&mut query)?;
    }
    if let Some(found) = found {
        return found.into_iter().collect::<Result<_, _>>().map_err(db);
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        q = q.bind(*a);
    }
    let rows = q.fetch_all(&mut *read.get().await?).await.map_err(db)?;
    rows.iter().map(pooled).collect::<Result<_, _>>().map_err(db)
}

/// The first row `args` find: [`read_all`] for a lookup by key.
pub(crate) async fn read_one<T>(
    read: &crate::conn::Conns,
    sql: &str,
    args: &[&str],
    inline: impl FnMut(&InlineRow<'_>) -> Result<T, sqlx::Error>,
    pooled: impl FnMut(&AnyRow) -> Result<T, sqlx::Error>,
) -> StoreResult<Option<T>> {
    Ok(read_all(read, sql, args, inline, pooled)
        .await?
        .into_iter()
        .next())
}

#[cfg(test)]
mod tests {
    use super::{Cols, InlineRow};

    /// Columns are found by name whatever order the mapper reads them in, in any case, and a
    /// name the statement does not have is an error rather than another column's value.
    #[test]
    fn inline_rows_find_columns_by_name_in_any_order() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let mut statement = c.prepare("SELECT 1 AS a, 'two' AS b, NULL AS c, 4 AS D").unwrap();
        let names: Vec<String> = statement.column_names().into_iter().map(str::to_string).collect();
        let mut rows = statement.raw_query();
        let row = InlineRow::new(rows.next().unwrap().unwrap(), &names);
        assert_eq!(row.col::<String>("b").unwrap(), "two");
        assert_eq!(row.col::<i64>("a").unwrap(), 1);
        assert_eq!(row.col::<i64>("d").unwrap(), 4);
        assert_eq!(row.col::<Option<i64>>("c").unwrap(), None);
        assert_eq!(row.col::<i64>("a").unwrap(), 1);
        assert!(matches!(row.col::<i64>("e"), Err(sqlx::Error::ColumnNotFound(n)) if n == "e"));
        assert_eq!(row.at::<String>(1).unwrap(), "two");
    }
}
