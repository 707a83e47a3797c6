//! Company data, orders and subscriptions: each step moves the organization on once, an order is
//! found again by its idempotency key, and a completion counts once, also from a second pool (as a
//! second node, or a webhook delivered twice at once).

use umbral_core::audit::AuditEvent;
use umbral_core::billing::Period;
use umbral_core::company::{CompanyInput, validate};
use umbral_core::ports::*;
use umbral_core::types::OrgId;
use umbral_store::SqlStore;

use crate::conformance::{NOW, meta, signup, uid};
use crate::each_store_at;

fn company() -> umbral_core::company::Company {
    let input = CompanyInput {
        legal_name: "Acme Ltda".into(),
        country: "BR".into(),
        tax_id: "11.222.333/0001-81".into(),
        employees: "11-50".into(),
        segment: "technology".into(),
        postal_code: "01310-100".into(),
        street: "Avenida Paulista".into(),
        number: "1578".into(),
        complement: "".into(),
        neighbourhood: "Bela Vista".into(),
        city: "São Paulo".into(),
        state: "SP".into(),
    };
    validate(&input, &["technology".to_string()]).unwrap()
}

fn order(org: &str, key: &str) -> Order {
    Order {
        id: umbral_core::secrets::new_id(NOW).unwrap(),
        org_id: OrgId::from(org.to_string()),
        idempotency_key: key.to_string(),
        plan: "starter".into(),
        period: Period::Month,
        currency: "BRL".into(),
        subtotal: 14_900,
        tax: 0,
        total: 14_900,
        gateway: "sandbox".into(),
        status: umbral_core::ports::OrderStatus::Pending,
        gateway_ref: None,
        decline_code: None,
        created_at: NOW,
    }
}

fn audit(event: &str) -> AuditEvent {
    AuditEvent::new(NOW, event, None, &meta()).unwrap()
}

#[tokio::test]
async fn each_step_moves_the_organization_on_once() {
    each_store_at(|name, url, store| async move {
        let s = signup("owner@example.com");
        store.create_signup(&s).await.unwrap();
        let org = s.account.as_ref().unwrap().1.id.clone();
        let setup = |store: SqlStore| {
            let hash = s.session.id_hash.clone();
            async move {
                store
                    .session_context(&hash)
                    .await
                    .unwrap()
                    .unwrap()
                    .membership
                    .unwrap()
                    .setup
            }
        };
        assert_eq!(setup(store.clone()).await, OrgSetup::Company, "{name}");
        assert_eq!(
            store
                .org_commerce(&OrgId::from(org.as_str()))
                .await
                .unwrap()
                .plan_choice
                .as_deref(),
            Some("starter")
        );
        assert!(
            store
                .save_company(
                    &OrgId::from(org.as_str()),
                    &company(),
                    NOW,
                    &audit("organization.company_saved")
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .save_company(
                    &OrgId::from(org.as_str()),
                    &company(),
                    NOW,
                    &audit("organization.company_saved")
                )
                .await
                .unwrap(),
            "{name}: once"
        );
        let saved = store
            .org_commerce(&OrgId::from(org.as_str()))
            .await
            .unwrap()
            .company
            .unwrap();
        assert_eq!(saved, company(), "{name}: read back whole");
        assert_eq!(setup(store.clone()).await, OrgSetup::Checkout, "{name}");

        // The same key finds the same order.
        let first = store.open_order(&order(&org, "key-1")).await.unwrap();
        let again = store.open_order(&order(&org, "key-1")).await.unwrap();
        assert_eq!(first.id, again.id, "{name}");
        let declined = store.open_order(&order(&org, "key-2")).await.unwrap();
        assert!(
            store
                .decline_order(&declined.id, "payment.declined", NOW, &audit("payment.declined"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .decline_order(&declined.id, "payment.declined", NOW, &audit("payment.declined"))
                .await
                .unwrap()
        );

        // Two completions at once, from two pools: one activates.
        let other = SqlStore::connect(&url, 4).await.unwrap();
        let sub = Subscription {
            org_id: OrgId::from(org.clone()),
            plan: "starter".into(),
            period: Period::Month,
            status: umbral_core::ports::SubscriptionStatus::Active,
            started_at: NOW,
            renews_at: umbral_core::billing::add_months(NOW, 1),
            order_id: first.id.clone(),
        };
        let (e1, e2) = (audit("payment.completed"), audit("payment.completed"));
        let (a, b) = tokio::join!(
            store.complete_order(&first.id, "ref", &sub, NOW, &e1),
            other.complete_order(&first.id, "ref", &sub, NOW, &e2),
        );
        assert_eq!(
            u8::from(a.unwrap()) + u8::from(b.unwrap()),
            1,
            "{name}: activated once"
        );
        assert_eq!(
            store
                .org_commerce(&OrgId::from(org.as_str()))
                .await
                .unwrap()
                .subscription,
            Some(sub),
            "{name}"
        );
        // (SQLite keeps sessions in memory for its one process: read as a new process would.)
        let fresh = SqlStore::connect(&url, 2).await.unwrap();
        assert_eq!(setup(fresh.clone()).await, OrgSetup::FirstSteps, "{name}");
        let orders = store.orders_of(&OrgId::from(org.as_str())).await.unwrap();
        let statuses: Vec<&str> = orders.iter().map(|o| o.status.as_str()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == "paid").count(), 1);
        assert_eq!(statuses.iter().filter(|s| **s == "declined").count(), 1);
        fresh
            .finish_first_steps(&OrgId::from(org.as_str()))
            .await
            .unwrap();
        assert_eq!(setup(fresh.clone()).await, OrgSetup::Ready, "{name}");
        fresh.close().await;
        let _ = uid(&s);
        other.close().await;
    })
    .await;
}
