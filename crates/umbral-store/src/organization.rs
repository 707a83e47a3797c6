//! An organization's members.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{AssertSqlSafe, Row};
use umbral_core::accounts::Role;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::factors::Proof;
use umbral_core::ports::{MemberRow, OrganizationStore, StoreResult};

use crate::audit::insert_audit;
use crate::factors::use_proof;
use crate::rows::{self, USER_COLUMNS};
use crate::sessions::revoke_user_sessions;
use crate::{SqlStore, db};

#[async_trait]
impl OrganizationStore for SqlStore {
    async fn members_of(&self, org_id: &str) -> StoreResult<Vec<MemberRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, m.role AS member_role, m.created_at AS joined_at FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at, u.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(org_id)
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| -> Result<MemberRow, sqlx::Error> {
                Ok(MemberRow {
                    user: rows::user(r)?,
                    role: Role::parse(&r.try_get::<String, _>("member_role")?),
                    joined_at: r.try_get("joined_at")?,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(db)
    }

    async fn set_member_role(
        &self,
        org_id: &str,
        user_id: &str,
        role: Role,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query(
            "UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3 AND role <> 'owner'",
        )
        .bind(role.as_str())
        .bind(org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id);
        Ok(true)
    }

    async fn set_member_active(
        &self,
        org_id: &str,
        user_id: &str,
        active: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query(
            "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3 \
             AND id IN (SELECT user_id FROM memberships WHERE org_id = $4 AND role <> 'owner')",
        )
        .bind(if active { "active" } else { "disabled" })
        .bind(audit.at)
        .bind(user_id)
        .bind(org_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        if !active {
            revoke_user_sessions(&mut tx, user_id, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id);
        Ok(true)
    }

    async fn remove_member(&self, org_id: &str, user_id: &str, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND role <> 'owner'")
            .bind(org_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        revoke_user_sessions(&mut tx, user_id, audit.at).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id);
        Ok(true)
    }

    async fn transfer_ownership(
        &self,
        org_id: &str,
        old_owner: &str,
        new_owner: &str,
        proof: &Proof,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !use_proof(&mut tx, old_owner, proof, now).await? {
            return Ok(false);
        }
        let demoted = sqlx::query(
            "UPDATE memberships SET role = 'admin' WHERE org_id = $1 AND user_id = $2 AND role = 'owner'",
        )
        .bind(org_id)
        .bind(old_owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let promoted = sqlx::query(
            "UPDATE memberships SET role = 'owner' WHERE org_id = $1 AND user_id = $2 AND role <> 'owner'",
        )
        .bind(org_id)
        .bind(new_owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if demoted != 1 || promoted != 1 {
            // Exactly one owner, always: anything else rolls back.
            return Err(umbral_core::ports::StoreError::Conflict(
                "owner changed meanwhile".into(),
            ));
        }
        sqlx::query("UPDATE organizations SET owner_epoch = owner_epoch + 1 WHERE id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        // Every member's next step and trusted devices may change.
        self.everything_changed();
        Ok(true)
    }
}
