//! Store conformance: every store contract, run on SQLite always and on PostgreSQL when
//! `UMBRAL_TEST_POSTGRES_URL` is set (mandatory under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cache;
mod commerce;
mod conformance;
mod directory;
mod factors;
mod oidc;
mod outbox;
mod passkeys;
mod sessions;
mod upstream;

use umbral_store::SqlStore;
use umbral_store::test_support::TestDatabase;

/// Runs `f` on a fresh, migrated store of every backend.
pub async fn each_store<F, Fut>(f: F)
where
    F: Fn(&'static str, SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    each_store_at(|name, _, store| f(name, store)).await
}

/// [`each_store`], also giving the database's URL (to open a second pool, as a second node would).
pub async fn each_store_at<F, Fut>(f: F)
where
    F: Fn(&'static str, String, SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (name, db) in TestDatabase::all().await {
        let store = SqlStore::connect(&db.url, 8)
            .await
            .unwrap_or_else(|e| panic!("{name}: connect: {e}"));
        store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("{name}: migrate: {e}"));
        store.serve_from_cache().await.unwrap();
        f(name, db.url.clone(), store.clone()).await;
        store.close().await;
        drop(db);
    }
}
