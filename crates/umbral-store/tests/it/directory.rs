//! The staff console's searches on a grown installation (issue 18): a substring of the email or
//! the name, newest first, answered from an index whether few users match or most do.

use sqlx::Connection;
use umbral_core::ports::*;

use crate::conformance::signup;
use crate::each_store_at;

async fn emails(store: &dyn Store, q: &str) -> Vec<String> {
    store
        .search_users(q, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|(u, _)| u.email)
        .collect()
}

#[tokio::test]
async fn users_are_found_by_any_part_of_their_email_or_name() {
    each_store_at(|name, url, store| async move {
        for (i, email) in ["ana.maria@acme.com", "bruno@ejemplo.com.ar", "carla@acme.com"]
            .into_iter()
            .enumerate()
        {
            let mut s = signup(email);
            let user = &mut s.account.as_mut().unwrap().0;
            user.name = ["Ana María Pérez", "Bruno Díaz", "Carla Gómez"][i].into();
            user.created_at += i as i64;
            store.create_signup(&s).await.unwrap();
        }
        let newest_first = ["carla@acme.com", "bruno@ejemplo.com.ar", "ana.maria@acme.com"];
        assert_eq!(emails(&store, "").await, newest_first, "{name}");
        assert_eq!(
            emails(&store, "acme").await,
            ["carla@acme.com", "ana.maria@acme.com"],
            "{name}"
        );
        assert_eq!(
            emails(&store, "maría pé").await,
            ["ana.maria@acme.com"],
            "{name}: a name's middle"
        );
        assert_eq!(emails(&store, "díaz").await, ["bruno@ejemplo.com.ar"], "{name}");
        assert_eq!(emails(&store, "om").await, newest_first, "{name}: two letters");
        assert!(emails(&store, "nobody").await.is_empty(), "{name}");
        assert!(
            emails(&store, "\"").await.is_empty(),
            "{name}: a quote is a letter"
        );

        // A name changed is found by its new name only (the index follows the row).
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE users SET name = 'Carla Ruiz' WHERE email_key = 'carla@acme.com'")
            .execute(&mut c)
            .await
            .unwrap();
        assert!(emails(&store, "gómez").await.is_empty(), "{name}");
        assert_eq!(emails(&store, "ruiz").await, ["carla@acme.com"], "{name}");

        // Six thousand newer users: the three are no longer among the newest, and are still
        // found, by any part of three letters or more, or by the start of the email.
        let many = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) \
             INSERT INTO users (id, email, email_key, name, phone, locale, status, created_at, updated_at) \
             SELECT 'many-' || CAST(i AS TEXT), 'many' || CAST(i AS TEXT) || '@acme.com', \
             'many' || CAST(i AS TEXT) || '@acme.com', 'Many', '', 'en', 'active', {at} + i, {at} + i FROM n",
            at = crate::conformance::NOW + 1000
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(many))
            .execute(&mut c)
            .await
            .unwrap();
        let found = emails(&store, "acme").await;
        assert_eq!(found.len(), 50, "{name}");
        assert_eq!(found[0], "many6000@acme.com", "{name}: newest first");
        assert_eq!(emails(&store, "díaz").await, ["bruno@ejemplo.com.ar"], "{name}");
        assert_eq!(
            emails(&store, "br").await,
            ["bruno@ejemplo.com.ar"],
            "{name}: two letters"
        );
        assert_eq!(emails(&store, "ruiz").await, ["carla@acme.com"], "{name}");
        assert_eq!(emails(&store, "many12@").await, ["many12@acme.com"], "{name}");
    })
    .await;
}
