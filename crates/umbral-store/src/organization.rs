//! An organization's members.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::{AssertSqlSafe, Row};
use umbral_core::accounts::Role;
use umbral_core::audit::AuditEvent;
use umbral_core::clock::UnixMillis;
use umbral_core::factors::Proof;
use umbral_core::outbox::OutboxMessage;
use umbral_core::ports::{JoinInvitation, JoinOffer, JoinOutcome, MemberRow, OrganizationStore, StoreResult};
use umbral_core::types::{OrgId, UserId};

use crate::audit::insert_audit;
use crate::factors::use_proof;
use crate::outbox::insert_outbox;
use crate::rows::{self, USER_COLUMNS};
use crate::sessions::revoke_user_sessions;
use crate::{SqlStore, db};

#[async_trait]
impl OrganizationStore for SqlStore {
    async fn members_of(&self, org_id: &OrgId, now: UnixMillis) -> StoreResult<Vec<MemberRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, m.role AS member_role, m.created_at AS joined_at FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at, u.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(org_id.as_str())
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?;
        let mut members = rows
            .iter()
            .map(|r| -> Result<MemberRow, sqlx::Error> {
                let user = rows::user(r)?;
                Ok(MemberRow {
                    invited: user.password_hash.is_none() && user.email_confirmed_at.is_none(),
                    user,
                    role: Role::parse(&r.try_get::<String, _>("member_role")?),
                    joined_at: r.try_get("joined_at")?,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        // Invitations to existing accounts look like a new account's invitation: the
        // invitation's id, the typed name, and nothing else of the account.
        let pending = sqlx::query(
            "SELECT i.id, i.name, i.role, i.created_at, u.email, u.locale FROM org_invitations i \
             JOIN users u ON u.id = i.user_id \
             WHERE i.org_id = $1 AND i.ended_at IS NULL AND i.expires_at > $2 ORDER BY i.created_at, i.id",
        )
        .bind(org_id.as_str())
        .bind(now)
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        for r in &pending {
            let created_at: i64 = r.try_get("created_at").map_err(db)?;
            members.push(MemberRow {
                user: umbral_core::accounts::User {
                    id: umbral_core::types::UserId(r.try_get("id").map_err(db)?),
                    email: r.try_get("email").map_err(db)?,
                    name: r.try_get("name").map_err(db)?,
                    phone: String::new(),
                    password_hash: None,
                    locale: r.try_get("locale").map_err(db)?,
                    status: umbral_core::accounts::UserStatus::Active,
                    email_confirmed_at: None,
                    created_at,
                    mfa_enabled: false,
                    security_epoch: 0,
                    factor_count: 0,
                    is_staff: false,
                },
                role: Role::parse(&r.try_get::<String, _>("role").map_err(db)?),
                joined_at: created_at,
                invited: true,
            });
        }
        members.sort_by(|a, b| {
            a.joined_at
                .cmp(&b.joined_at)
                .then_with(|| a.user.id.0.cmp(&b.user.id.0))
        });
        Ok(members)
    }

    async fn set_member_role(
        &self,
        org_id: &OrgId,
        user_id: &UserId,
        role: Role,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let mut n = sqlx::query(
            "UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3 AND role <> 'owner'",
        )
        .bind(role.as_str())
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n == 0 {
            // An invitation not yet accepted: the role it offers.
            n = sqlx::query(
                "UPDATE org_invitations SET role = $1 WHERE org_id = $2 AND id = $3 AND ended_at IS NULL AND expires_at > $4",
            )
            .bind(role.as_str())
            .bind(org_id.as_str())
            .bind(user_id.as_str())
            .bind(audit.at)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        }
        if n != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }

    async fn set_member_active(
        &self,
        org_id: &OrgId,
        user_id: &UserId,
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
        .bind(user_id.as_str())
        .bind(org_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        if !active {
            revoke_user_sessions(&mut tx, user_id.as_str(), audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }

    async fn remove_member(&self, org_id: &OrgId, user_id: &UserId, audit: &AuditEvent) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let n = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND role <> 'owner'")
            .bind(org_id.as_str())
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if n != 1 {
            // An invitation not yet accepted is withdrawn.
            let withdrawn = sqlx::query(
                "UPDATE org_invitations SET ended_at = $1 WHERE org_id = $2 AND id = $3 AND ended_at IS NULL AND expires_at > $1",
            )
            .bind(audit.at)
            .bind(org_id.as_str())
            .bind(user_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if withdrawn != 1 {
                return Ok(false);
            }
            insert_audit(&mut tx, audit).await?;
            tx.commit().await.map_err(db)?;
            return Ok(true);
        }
        revoke_user_sessions(&mut tx, user_id.as_str(), audit.at).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.user_changed(user_id.as_str()).await;
        Ok(true)
    }

    async fn transfer_ownership(
        &self,
        org_id: &OrgId,
        old_owner: &UserId,
        new_owner: &UserId,
        proof: &Proof,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !use_proof(&mut tx, old_owner.as_str(), proof, now).await? {
            return Ok(false);
        }
        let demoted = sqlx::query(
            "UPDATE memberships SET role = 'admin' WHERE org_id = $1 AND user_id = $2 AND role = 'owner'",
        )
        .bind(org_id.as_str())
        .bind(old_owner.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let promoted = sqlx::query(
            "UPDATE memberships SET role = 'owner' WHERE org_id = $1 AND user_id = $2 AND role <> 'owner'",
        )
        .bind(org_id.as_str())
        .bind(new_owner.as_str())
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
            .bind(org_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        // Every member's next step and trusted devices may change.
        self.everything_changed().await;
        Ok(true)
    }

    async fn invite_to_join(
        &self,
        inv: &JoinInvitation,
        message: &OutboxMessage,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "UPDATE org_invitations SET ended_at = $1 WHERE org_id = $2 AND user_id = $3 AND ended_at IS NULL",
        )
        .bind(inv.created_at)
        .bind(inv.org_id.as_str())
        .bind(inv.user_id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO org_invitations (id, org_id, user_id, name, role, invited_by, created_at, expires_at, ended_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, NULL WHERE EXISTS (SELECT 1 FROM organizations WHERE id = $2)",
        )
        .bind(&inv.id)
        .bind(inv.org_id.as_str())
        .bind(inv.user_id.as_str())
        .bind(&inv.name)
        .bind(inv.role.as_str())
        .bind(&inv.invited_by)
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_outbox(&mut tx, self.outbox_key(), message).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn join_offers(&self, user_id: &UserId, now: UnixMillis) -> StoreResult<Vec<JoinOffer>> {
        let rows = sqlx::query(
            "SELECT i.*, o.name AS org_name FROM org_invitations i JOIN organizations o ON o.id = i.org_id \
             WHERE i.user_id = $1 AND i.ended_at IS NULL AND i.expires_at > $2 ORDER BY i.created_at DESC, i.id",
        )
        .bind(user_id.as_str())
        .bind(now)
        .fetch_all(&mut *self.read.get().await?)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| -> Result<JoinOffer, sqlx::Error> {
                Ok(JoinOffer {
                    invitation: JoinInvitation {
                        id: r.try_get("id")?,
                        org_id: OrgId(r.try_get("org_id")?),
                        user_id: UserId(r.try_get("user_id")?),
                        name: r.try_get("name")?,
                        role: Role::parse(&r.try_get::<String, _>("role")?),
                        invited_by: r.try_get("invited_by")?,
                        created_at: r.try_get("created_at")?,
                        expires_at: r.try_get("expires_at")?,
                    },
                    org_name: r.try_get("org_name")?,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(db)
    }

    async fn accept_join(
        &self,
        invitation_id: &str,
        user_id: &UserId,
        now: UnixMillis,
        joined: &AuditEvent,
        left: &AuditEvent,
    ) -> StoreResult<JoinOutcome> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let Some(inv) = sqlx::query(
            "SELECT org_id, role FROM org_invitations WHERE id = $1 AND user_id = $2 AND ended_at IS NULL AND expires_at > $3",
        )
        .bind(invitation_id)
        .bind(user_id.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(JoinOutcome::NotFound);
        };
        let org_id: String = inv.try_get("org_id").map_err(db)?;
        let role: String = inv.try_get("role").map_err(db)?;
        let current = sqlx::query("SELECT org_id, role FROM memberships WHERE user_id = $1")
            .bind(user_id.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let mut left_written = false;
        for m in &current {
            let old_org: String = m.try_get("org_id").map_err(db)?;
            if old_org == org_id {
                continue;
            }
            if m.try_get::<String, _>("role").map_err(db)? == "owner" {
                // An organization owned alone and without a plan closes; any other stays, and
                // so does its owner.
                let busy = sqlx::query(
                    "SELECT 1 FROM memberships WHERE org_id = $1 AND user_id <> $2 \
                     UNION ALL SELECT 1 FROM subscriptions WHERE org_id = $1",
                )
                .bind(&old_org)
                .bind(user_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
                if busy.is_some() {
                    return Ok(JoinOutcome::OwnerOfActiveOrganization);
                }
                sqlx::query("DELETE FROM organizations WHERE id = $1")
                    .bind(&old_org)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            } else {
                sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
                    .bind(&old_org)
                    .bind(user_id.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            // An account is in one organization; should there be more, the event names the first.
            if !left_written {
                let mut event = left.clone();
                event.org_id = Some(old_org);
                insert_audit(&mut tx, &event).await?;
                left_written = true;
            }
        }
        if !current
            .iter()
            .any(|m| m.try_get::<String, _>("org_id").is_ok_and(|o| o == org_id))
        {
            sqlx::query(
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&org_id)
            .bind(user_id.as_str())
            .bind(&role)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query("UPDATE org_invitations SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL AND (id = $3 OR org_id = $4)")
            .bind(now)
            .bind(user_id.as_str())
            .bind(invitation_id)
            .bind(&org_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut event = joined.clone();
        event.org_id = Some(org_id);
        insert_audit(&mut tx, &event).await?;
        tx.commit().await.map_err(db)?;
        // The user's organization, its policies and next step change.
        self.user_changed(user_id.as_str()).await;
        Ok(JoinOutcome::Joined)
    }

    async fn decline_join(
        &self,
        invitation_id: &str,
        user_id: &UserId,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        let Some(row) = sqlx::query(
            "UPDATE org_invitations SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL AND expires_at > $1 \
             RETURNING org_id",
        )
        .bind(audit.at)
        .bind(invitation_id)
        .bind(user_id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(false);
        };
        let mut event = audit.clone();
        event.org_id = Some(row.try_get("org_id").map_err(db)?);
        insert_audit(&mut tx, &event).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }
}
