//! Company data, orders and subscriptions. Each change is one transaction that also moves the
//! organization's set-up on, conditionally, so a repeated request changes nothing.

use async_trait::async_trait;
use sqlx::Connection;
use sqlx::Row;
use sqlx::any::AnyRow;
use umbral_core::audit::AuditEvent;
use umbral_core::billing::Period;
use umbral_core::clock::UnixMillis;
use umbral_core::company::Company;
use umbral_core::company::postal::Address;
use umbral_core::company::tax_id::{TaxId, TaxIdKind};
use umbral_core::ports::{
    CommerceStore, Order, OrderStatus, OrgCommerce, StoreResult, Subscription, SubscriptionStatus,
};
use umbral_core::types::OrgId;

use crate::audit::insert_audit;
use crate::{SqlStore, db};

const ORDER_COLUMNS: &str = "id, org_id, idempotency_key, plan, period, currency, subtotal, tax, total, gateway, \
     status, gateway_ref, decline_code, created_at";

fn period(s: &str) -> Result<Period, sqlx::Error> {
    Period::parse(s).ok_or_else(|| sqlx::Error::Decode(format!("period {s}").into()))
}

fn order_status(s: &str) -> Result<OrderStatus, sqlx::Error> {
    OrderStatus::parse(s).ok_or_else(|| sqlx::Error::Decode(format!("order status {s}").into()))
}

fn subscription_status(s: &str) -> Result<SubscriptionStatus, sqlx::Error> {
    SubscriptionStatus::parse(s).ok_or_else(|| sqlx::Error::Decode(format!("subscription status {s}").into()))
}

fn order(r: &AnyRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: r.try_get("id")?,
        org_id: OrgId(r.try_get("org_id")?),
        idempotency_key: r.try_get("idempotency_key")?,
        plan: r.try_get("plan")?,
        period: period(&r.try_get::<String, _>("period")?)?,
        currency: r.try_get("currency")?,
        subtotal: r.try_get("subtotal")?,
        tax: r.try_get("tax")?,
        total: r.try_get("total")?,
        gateway: r.try_get("gateway")?,
        status: order_status(&r.try_get::<String, _>("status")?)?,
        gateway_ref: r.try_get("gateway_ref")?,
        decline_code: r.try_get("decline_code")?,
        created_at: r.try_get("created_at")?,
    })
}

fn kind(s: &str) -> TaxIdKind {
    use TaxIdKind::*;
    [Cuit, Cnpj, Cpf, Rfc, Rut, Nit, Ruc, Nif, Nie, Cif, Ein]
        .into_iter()
        .find(|k| k.as_str() == s)
        .unwrap_or(Other)
}

fn company(r: &AnyRow) -> Result<Company, sqlx::Error> {
    Ok(Company {
        legal_name: r.try_get("legal_name")?,
        tax_id: TaxId {
            country: r.try_get("country")?,
            kind: kind(&r.try_get::<String, _>("tax_id_kind")?),
            normalized: r.try_get("tax_id")?,
        },
        employees: r.try_get("employees")?,
        segment: r.try_get("segment")?,
        postal_code: r.try_get("postal_code")?,
        address: Address {
            street: r.try_get("street")?,
            neighbourhood: r.try_get("neighbourhood")?,
            city: r.try_get("city")?,
            state: r.try_get("state")?,
        },
        number: r.try_get("number")?,
        complement: r.try_get("complement")?,
    })
}

fn subscription(r: &AnyRow) -> Result<Subscription, sqlx::Error> {
    Ok(Subscription {
        org_id: OrgId(r.try_get("org_id")?),
        plan: r.try_get("plan")?,
        period: period(&r.try_get::<String, _>("period")?)?,
        status: subscription_status(&r.try_get::<String, _>("status")?)?,
        started_at: r.try_get("started_at")?,
        renews_at: r.try_get("renews_at")?,
        order_id: r.try_get("order_id")?,
    })
}

impl SqlStore {
    /// The row an organization has in a table, read by `read`.
    async fn row_of_org<T>(
        &self,
        sql: &'static str,
        org_id: &str,
        read: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
    ) -> StoreResult<Option<T>> {
        sqlx::query(sql)
            .bind(org_id)
            .fetch_optional(&mut *self.read.get().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(read)
            .transpose()
            .map_err(db)
    }
}

/// How a pending order ends, with what the gateway said.
enum Settled<'a> {
    Paid(&'a str),
    Declined(&'a str),
}

/// Ends a pending order; `false` when it was not pending (already paid or declined), so that a
/// second completion changes nothing.
async fn settle(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    how: Settled<'_>,
    now: UnixMillis,
) -> StoreResult<bool> {
    let (sql, value) = match how {
        Settled::Paid(gateway_ref) => (
            "UPDATE orders SET status = 'paid', gateway_ref = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'",
            gateway_ref,
        ),
        Settled::Declined(code) => (
            "UPDATE orders SET status = 'declined', decline_code = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'",
            code,
        ),
    };
    let n = sqlx::query(sql)
        .bind(value)
        .bind(now)
        .bind(order_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?
        .rows_affected();
    Ok(n == 1)
}

#[async_trait]
impl CommerceStore for SqlStore {
    async fn org_commerce(&self, org_id: &OrgId) -> StoreResult<OrgCommerce> {
        let plan_choice = self
            .row_of_org(
                "SELECT plan_choice FROM organizations WHERE id = $1",
                org_id.as_str(),
                |r| r.try_get::<Option<String>, _>("plan_choice"),
            )
            .await?
            .flatten();
        let company = self
            .row_of_org(
                "SELECT * FROM companies WHERE org_id = $1",
                org_id.as_str(),
                company,
            )
            .await?;
        let subscription = self
            .row_of_org(
                "SELECT * FROM subscriptions WHERE org_id = $1",
                org_id.as_str(),
                subscription,
            )
            .await?;
        Ok(OrgCommerce {
            plan_choice,
            company,
            subscription,
        })
    }

    async fn set_plan_choice(&self, org_id: &OrgId, plan: &str) -> StoreResult<()> {
        sqlx::query("UPDATE organizations SET plan_choice = $1 WHERE id = $2")
            .bind(plan)
            .bind(org_id.as_str())
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn save_company(
        &self,
        org_id: &OrgId,
        c: &Company,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        // From now on the organization is known by the company's legal name, not its person's.
        let moved = sqlx::query(
            "UPDATE organizations SET setup = 'checkout', name = $2 WHERE id = $1 AND setup = 'company'",
        )
        .bind(org_id.as_str())
        .bind(&c.legal_name)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO companies (org_id, legal_name, country, tax_id, tax_id_kind, employees, segment, \
             postal_code, street, number, complement, neighbourhood, city, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(org_id.as_str())
        .bind(&c.legal_name)
        .bind(c.country())
        .bind(&c.tax_id.normalized)
        .bind(c.tax_id.kind.as_str())
        .bind(&c.employees)
        .bind(&c.segment)
        .bind(&c.postal_code)
        .bind(&c.address.street)
        .bind(&c.number)
        .bind(&c.complement)
        .bind(&c.address.neighbourhood)
        .bind(&c.address.city)
        .bind(&c.address.state)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.everything_changed().await;
        Ok(true)
    }

    async fn open_order(&self, o: &Order) -> StoreResult<Order> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO orders (id, org_id, idempotency_key, plan, period, currency, subtotal, tax, total, gateway, \
             status, gateway_ref, decline_code, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', NULL, NULL, $11, $11) \
             ON CONFLICT (org_id, idempotency_key) DO NOTHING",
        )
        .bind(&o.id)
        .bind(o.org_id.as_str())
        .bind(&o.idempotency_key)
        .bind(&o.plan)
        .bind(o.period.as_str())
        .bind(&o.currency)
        .bind(o.subtotal)
        .bind(o.tax)
        .bind(o.total)
        .bind(&o.gateway)
        .bind(o.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE org_id = $1 AND idempotency_key = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(o.org_id.as_str())
            .bind(&o.idempotency_key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        order(&row).map_err(db)
    }

    async fn order_by_id(&self, id: &str) -> StoreResult<Option<Order>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *self.write.get().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(order)
            .transpose()
            .map_err(db)
    }

    async fn orders_of(&self, org_id: &OrgId) -> StoreResult<Vec<Order>> {
        let sql =
            format!("SELECT {ORDER_COLUMNS} FROM orders WHERE org_id = $1 ORDER BY created_at DESC, id DESC");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.as_str())
            .fetch_all(&mut *self.read.get().await?)
            .await
            .map_err(db)?
            .iter()
            .map(order)
            .collect::<Result<_, _>>()
            .map_err(db)
    }

    async fn complete_order(
        &self,
        order_id: &str,
        gateway_ref: &str,
        s: &Subscription,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !settle(&mut tx, order_id, Settled::Paid(gateway_ref), now).await? {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO subscriptions (org_id, plan, period, status, started_at, renews_at, order_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (org_id) DO UPDATE SET plan = excluded.plan, period = excluded.period, \
             status = excluded.status, started_at = excluded.started_at, renews_at = excluded.renews_at, \
             order_id = excluded.order_id",
        )
        .bind(s.org_id.as_str())
        .bind(&s.plan)
        .bind(s.period.as_str())
        .bind(s.status.as_str())
        .bind(s.started_at)
        .bind(s.renews_at)
        .bind(&s.order_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE organizations SET setup = 'first_steps' WHERE id = $1 AND setup = 'checkout'")
            .bind(s.org_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        self.everything_changed().await;
        Ok(true)
    }

    async fn decline_order(
        &self,
        order_id: &str,
        code: &str,
        now: UnixMillis,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut conn = self.write.get().await?;
        let mut tx = conn.begin().await.map_err(db)?;
        if !settle(&mut tx, order_id, Settled::Declined(code), now).await? {
            return Ok(false);
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn set_order_ref(&self, order_id: &str, gateway_ref: &str) -> StoreResult<()> {
        sqlx::query("UPDATE orders SET gateway_ref = $1 WHERE id = $2 AND status = 'pending'")
            .bind(gateway_ref)
            .bind(order_id)
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn finish_first_steps(&self, org_id: &OrgId) -> StoreResult<()> {
        sqlx::query("UPDATE organizations SET setup = 'ready' WHERE id = $1 AND setup = 'first_steps'")
            .bind(org_id.as_str())
            .execute(&mut *self.write.get().await?)
            .await
            .map_err(db)?;
        self.everything_changed().await;
        Ok(())
    }
}
