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

/// A family in use keeps its own spent tokens only through the grace window; the hourly upkeep
/// deletes what nobody can use (spent, revoked, expired, of an ended session) and nothing else.
#[tokio::test]
async fn spent_refresh_tokens_are_deleted_past_the_grace_window() {
    use umbral_core::oidc::grant::REFRESH_GRACE_MS as GRACE;
    each_store_at(|name, _, store| async move {
        store
            .put_refresh("t0", "fam", &grant(), NOW, NOW + 86_400_000)
            .await
            .unwrap();
        let mut current = "t0".to_string();
        for (i, at) in [NOW + 1, NOW + 2, NOW + 3].into_iter().enumerate() {
            let n = next(&i.to_string());
            let used = store.rotate_refresh(&current, "c1", &n, at).await.unwrap();
            assert!(matches!(used, RefreshUse::Rotated(_)), "{name}: {used:?}");
            current = n.token_hash;
        }
        // Within the grace window nothing goes; the upkeep has nothing to do either.
        assert_eq!(
            store
                .purge_refresh_tokens(NOW + 3 - GRACE, NOW + 3)
                .await
                .unwrap(),
            0
        );
        // Past it, the family's next rotation deletes the three spent tokens.
        let later = NOW + 3 + GRACE + 1;
        let n = next("late");
        let used = store.rotate_refresh(&current, "c1", &n, later).await.unwrap();
        assert!(matches!(used, RefreshUse::Rotated(_)), "{name}: {used:?}");
        assert_eq!(
            store.purge_refresh_tokens(later - GRACE, later).await.unwrap(),
            0,
            "{name}: the rotation left nothing to purge"
        );
        // A spent token deleted is unknown; the live one still rotates.
        let gone = store.rotate_refresh("t0", "c1", &next("x"), later).await.unwrap();
        assert_eq!(gone, RefreshUse::Unknown, "{name}");
        // An idle family's spent token goes with the upkeep, its live one stays.
        let much_later = later + GRACE + 1;
        assert_eq!(
            store
                .purge_refresh_tokens(much_later - GRACE, much_later)
                .await
                .unwrap(),
            1,
            "{name}: the token spent by the late rotation"
        );
        let used = store
            .rotate_refresh(&n.token_hash, "c1", &next("last"), much_later)
            .await
            .unwrap();
        assert!(matches!(used, RefreshUse::Rotated(_)), "{name}: {used:?}");
        // Expired: gone.
        let end = NOW + 86_400_000 * 3;
        assert!(
            store.purge_refresh_tokens(end - GRACE, end).await.unwrap() >= 1,
            "{name}"
        );
    })
    .await;
}
