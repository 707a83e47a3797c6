//! Rows to core types.

use sqlx::Row;
use sqlx::any::AnyRow;
use umbral_core::accounts::{Membership, Role, User, UserStatus};
use umbral_core::factors::{Factor, FactorKind};
use umbral_core::policy::TwoFactorPolicy;
use umbral_core::ports::{OrgSetup, SessionRecord};
use umbral_core::types::{OrgId, UserId};

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.phone, u.password_hash, u.locale, u.status, \
     u.email_confirmed_at, u.created_at, u.mfa_enabled, u.security_epoch, u.is_staff, \
     (SELECT COUNT(*) FROM factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS factor_count";

pub(crate) fn user(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        password_hash: row.try_get("password_hash")?,
        locale: row.try_get("locale")?,
        status: UserStatus::parse(&row.try_get::<String, _>("status")?),
        email_confirmed_at: row.try_get("email_confirmed_at")?,
        created_at: row.try_get("created_at")?,
        mfa_enabled: row.try_get::<i64, _>("mfa_enabled")? != 0,
        security_epoch: row.try_get("security_epoch")?,
        factor_count: row.try_get("factor_count")?,
        is_staff: row.try_get::<i64, _>("is_staff")? != 0,
    })
}

pub(crate) const MEMBERSHIP_COLUMNS: &str = "m.org_id AS m_org_id, o.name AS m_org_name, m.role AS m_role, o.single_session AS m_single_session, \
     o.mfa_policy AS m_mfa_policy, o.owner_epoch AS m_owner_epoch, o.setup AS m_setup";

/// A membership from a row that may have none (LEFT JOIN).
pub(crate) fn membership(row: &AnyRow) -> Result<Option<Membership>, sqlx::Error> {
    let Some(org_id) = row.try_get::<Option<String>, _>("m_org_id")? else {
        return Ok(None);
    };
    Ok(Some(Membership {
        org_id: OrgId(org_id),
        org_name: row
            .try_get::<Option<String>, _>("m_org_name")?
            .unwrap_or_default(),
        role: Role::parse(&row.try_get::<Option<String>, _>("m_role")?.unwrap_or_default()),
        single_session: row.try_get::<Option<i64>, _>("m_single_session")?.map(|v| v != 0),
        mfa_policy: row
            .try_get::<Option<String>, _>("m_mfa_policy")?
            .as_deref()
            .and_then(TwoFactorPolicy::parse),
        owner_epoch: row.try_get::<Option<i64>, _>("m_owner_epoch")?.unwrap_or(0),
        setup: OrgSetup::parse(&row.try_get::<Option<String>, _>("m_setup")?.unwrap_or_default()),
    }))
}

pub(crate) const SESSION_COLUMNS: &str = "s.id_hash, s.user_id AS s_user_id, s.created_at AS s_created_at, \
     s.last_seen_at, s.expires_at, s.ended_at, s.end_reason, s.ip, s.user_agent, s.mfa_at, s.mfa_method";

pub(crate) fn session(row: &AnyRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id_hash: row.try_get("id_hash")?,
        user_id: row.try_get("s_user_id")?,
        created_at: row.try_get("s_created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        ended_at: row.try_get("ended_at")?,
        end_reason: row.try_get("end_reason")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        mfa_at: row.try_get("mfa_at")?,
        mfa_method: row.try_get("mfa_method")?,
    })
}

/// A confirmed factor joined to another row (`f_` columns), if the row has one.
pub(crate) const FACTOR_COLUMNS: &str = "f.id AS f_id, f.user_id AS f_user_id, f.kind AS f_kind, f.phone AS f_phone, \
     f.secret_sealed AS f_secret_sealed, f.created_at AS f_created_at, f.confirmed_at AS f_confirmed_at, \
     f.last_used_at AS f_last_used_at, f.last_step AS f_last_step";

pub(crate) fn joined_factor(row: &AnyRow) -> Result<Option<Factor>, sqlx::Error> {
    let Some(id) = row.try_get::<Option<String>, _>("f_id")? else {
        return Ok(None);
    };
    let kind: String = row.try_get::<Option<String>, _>("f_kind")?.unwrap_or_default();
    Ok(Some(Factor {
        id,
        user_id: row.try_get::<Option<String>, _>("f_user_id")?.unwrap_or_default(),
        kind: FactorKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("factor kind {kind}").into()))?,
        phone: row.try_get("f_phone")?,
        secret_sealed: row.try_get("f_secret_sealed")?,
        created_at: row.try_get::<Option<i64>, _>("f_created_at")?.unwrap_or_default(),
        confirmed_at: row.try_get("f_confirmed_at")?,
        last_used_at: row.try_get("f_last_used_at")?,
        last_step: row.try_get("f_last_step")?,
    }))
}
