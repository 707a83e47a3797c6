//! The provider's single-use rules hold between two pools (as two nodes would have): a code is
//! exchanged once, a refresh token rotates once, and the loser of a refresh race gets the
//! winner's successor rather than revoking the family.

use umbral_core::oidc::grant::{CodeGrant, NextRefresh, RefreshGrant, RefreshUse};
use umbral_core::ports::{CodeUse, OidcStore};
use umbral_core::types::{SessionId, UserId};
use umbral_store::SqlStore;

use crate::conformance::NOW;
use crate::each_store_at;

fn code(hash: &str) -> CodeGrant {
    CodeGrant {
        code_hash: hash.into(),
        client_id: "c1".into(),
        redirect_uri: "https://app.example.com/cb".into(),
        user_id: UserId::from("u1"),
        session_id: SessionId::from("s1"),
        scopes: vec!["openid".into()],
        nonce: Some("n".into()),
        code_challenge: None,
        auth_time: NOW / 1000,
        amr: vec!["pwd".into()],
        issued_at: NOW,
        expires_at: NOW + 60_000,
    }
}

fn grant() -> RefreshGrant {
    RefreshGrant {
        client_id: "c1".into(),
        user_id: UserId::from("u1"),
        session_id: SessionId::from("s1"),
        scopes: vec!["openid".into()],
        auth_time: NOW / 1000,
        amr: vec!["pwd".into()],
        grant_id: "g1".into(),
    }
}

fn next(n: &str) -> NextRefresh {
    NextRefresh {
        token_hash: format!("next-{n}"),
        sealed: format!("sealed-{n}"),
        expires_at: NOW + 86_400_000,
    }
}

#[tokio::test]
async fn a_code_and_a_refresh_token_are_used_once_between_nodes() {
    each_store_at(|name, url, store| async move {
        let other = SqlStore::connect(&url, 4).await.unwrap();
        // A code raced on two nodes: one exchange.
        store.put_code(&code("code-1")).await.unwrap();
        let (a, b) = tokio::join!(
            store.use_code("code-1", NOW + 1),
            other.use_code("code-1", NOW + 1)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let fresh = [&a, &b].iter().filter(|u| matches!(u, CodeUse::Fresh(_))).count();
        let reused = [&a, &b]
            .iter()
            .filter(|u| matches!(u, CodeUse::Reused(_)))
            .count();
        assert_eq!((fresh, reused), (1, 1), "{name}: {a:?} {b:?}");
        // Expired or unknown codes give nothing.
        store.put_code(&code("code-2")).await.unwrap();
        assert_eq!(
            store.use_code("code-2", NOW + 60_000).await.unwrap(),
            CodeUse::Unknown,
            "{name}"
        );
        assert_eq!(
            store.use_code("nope", NOW).await.unwrap(),
            CodeUse::Unknown,
            "{name}"
        );

        // A refresh token raced on two nodes: one rotation; the other gets that successor.
        store
            .put_refresh("r1", "fam-1", &grant(), NOW, NOW + 86_400_000)
            .await
            .unwrap();
        let (na, nb) = (next("a"), next("b"));
        let (a, b) = tokio::join!(
            store.rotate_refresh("r1", "c1", &na, NOW + 1),
            other.rotate_refresh("r1", "c1", &nb, NOW + 1),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let rotated: Vec<_> = [&a, &b]
            .into_iter()
            .filter(|u| matches!(u, RefreshUse::Rotated(_)))
            .collect();
        assert_eq!(rotated.len(), 1, "{name}: {a:?} {b:?}");
        let winner = if matches!(a, RefreshUse::Rotated(_)) {
            "a"
        } else {
            "b"
        };
        let loser = if winner == "a" { &b } else { &a };
        assert_eq!(
            loser,
            &RefreshUse::Retried {
                grant: grant(),
                successor_sealed: format!("sealed-{winner}"),
            },
            "{name}"
        );
        // Another client's token is unknown to this one.
        assert_eq!(
            store
                .rotate_refresh(&format!("next-{winner}"), "c2", &next("x"), NOW + 2)
                .await
                .unwrap(),
            RefreshUse::Unknown,
            "{name}"
        );
        // The successor is used; the spent token again: the family is revoked.
        assert!(matches!(
            store
                .rotate_refresh(&format!("next-{winner}"), "c1", &next("c"), NOW + 3)
                .await
                .unwrap(),
            RefreshUse::Rotated(_)
        ));
        assert_eq!(
            store
                .rotate_refresh("r1", "c1", &next("d"), NOW + 4)
                .await
                .unwrap(),
            RefreshUse::Reused(grant()),
            "{name}"
        );
        assert_eq!(
            store
                .rotate_refresh("next-c", "c1", &next("e"), NOW + 5)
                .await
                .unwrap(),
            RefreshUse::Unknown,
            "{name}: the family was not revoked"
        );
        other.close().await;
    })
    .await;
}
