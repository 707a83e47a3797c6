//! Upstream identity providers: sign-ins under way are spent once; an identity belongs to one
//! user; a provider's sign-up discards a never-confirmed account of the same email, whole.

use umbral_core::audit::AuditEvent;
use umbral_core::ports::*;
use umbral_core::secrets;
use umbral_core::types::UserId;
use umbral_core::upstream::UpstreamIdentity;

use crate::conformance::{NOW, meta, session, signup};
use crate::each_store;

fn under_way(id_hash: &str) -> UpstreamLogin {
    UpstreamLogin {
        id_hash: id_hash.into(),
        provider_id: "corp".into(),
        purpose: UpstreamPurpose::SignIn {
            plan: Some("starter".into()),
        },
        browser_hash: "b".into(),
        nonce: "n".into(),
        verifier_sealed: "v".into(),
        identity: Some(UpstreamIdentity {
            issuer: "https://idp.example".into(),
            subject: "s-1".into(),
            email: Some("ana@example.com".into()),
            email_verified: true,
            name: None,
            hosted_domain: Some("example.com".into()),
            amr: vec!["mfa".into()],
        }),
        created_at: NOW,
        expires_at: NOW + 600_000,
    }
}

fn identity(user: &UserId, subject: &str) -> LinkedIdentity {
    LinkedIdentity {
        user_id: user.clone(),
        provider_id: "corp".into(),
        issuer: "https://idp.example".into(),
        subject: subject.into(),
        email: Some("ana@example.com".into()),
        created_at: NOW,
    }
}

#[tokio::test]
async fn a_sign_in_under_way_is_spent_once_and_expires() {
    each_store(|name, store| async move {
        store.put_upstream_login(&under_way("h1")).await.unwrap();
        let read = store.upstream_login("h1", NOW).await.unwrap().expect(name);
        assert_eq!(read.purpose, under_way("h1").purpose);
        assert_eq!(read.identity, under_way("h1").identity);
        let (a, b) = tokio::join!(
            store.take_upstream_login("h1", NOW),
            store.take_upstream_login("h1", NOW)
        );
        assert_eq!(
            [a.unwrap().is_some(), b.unwrap().is_some()]
                .iter()
                .filter(|x| **x)
                .count(),
            1,
            "{name}: one winner"
        );
        assert!(store.upstream_login("h1", NOW).await.unwrap().is_none());
        store.put_upstream_login(&under_way("h2")).await.unwrap();
        assert!(
            store
                .take_upstream_login("h2", NOW + 600_000)
                .await
                .unwrap()
                .is_none(),
            "{name}: expired"
        );
    })
    .await;
}

#[tokio::test]
async fn an_identity_is_one_users_and_unlinking_ends_other_sessions() {
    each_store(|name, store| async move {
        let a = signup("a@example.com");
        let b = signup("b@example.com");
        store.create_signup(&a).await.unwrap();
        store.create_signup(&b).await.unwrap();
        let (ua, ub) = (
            a.session.user_id.clone().unwrap(),
            b.session.user_id.clone().unwrap(),
        );
        let other = session(Some(ua.as_str()), NOW);
        store
            .create_signup(&NewSignup {
                account: None,
                session: other.clone(),
                ..signup("x@example.com")
            })
            .await
            .unwrap();
        let event = AuditEvent::new(NOW, "identity.linked", Some(ua.as_str()), &meta()).unwrap();
        store
            .link_identity(&identity(&ua, "s-1"), &a.session.id_hash, NOW, &event)
            .await
            .unwrap();
        let taken = store
            .link_identity(&identity(&ub, "s-1"), &b.session.id_hash, NOW, &event)
            .await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))), "{name}: {taken:?}");
        assert_eq!(
            store
                .user_by_identity("https://idp.example", "s-1")
                .await
                .unwrap(),
            Some(ua.clone())
        );
        assert_eq!(store.identities_of(&ua).await.unwrap().len(), 1);
        assert!(store.identities_of(&ub).await.unwrap().is_empty());
        let ctx = store.session_context(&other.id_hash).await.unwrap().unwrap();
        assert!(
            ctx.session.ended_at.is_some(),
            "{name}: linking ends the other sessions"
        );
        let kept = store.session_context(&a.session.id_hash).await.unwrap().unwrap();
        assert!(kept.session.ended_at.is_none());
        let unlinked = || AuditEvent::new(NOW, "identity.unlinked", Some(ua.as_str()), &meta()).unwrap();
        assert!(
            store
                .unlink_identity(&ua, "corp", &a.session.id_hash, NOW, &unlinked())
                .await
                .unwrap()
        );
        assert!(
            !store
                .unlink_identity(&ua, "corp", &a.session.id_hash, NOW, &unlinked())
                .await
                .unwrap()
        );
        assert!(
            store
                .user_by_identity("https://idp.example", "s-1")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn a_providers_sign_up_discards_the_unconfirmed_account_whole() {
    each_store(|name, store| async move {
        let squatter = signup("ana@example.com");
        store.create_signup(&squatter).await.unwrap();
        let old = squatter.session.user_id.clone().unwrap();
        let fresh = signup("ana@example.com");
        let (mut user, org, terms) = fresh.account.clone().unwrap();
        user.email_confirmed_at = Some(NOW);
        user.password_hash = None;
        let new_id = user.id.clone();
        let s = UpstreamSignup {
            identity: identity(&new_id, "s-2"),
            user,
            org: OrgPlace::New(org),
            terms,
            session: session(Some(new_id.as_str()), NOW),
            discard: Some(old.clone()),
            audit: vec![AuditEvent::new(NOW, "user.signed_up", Some(new_id.as_str()), &meta()).unwrap()],
        };
        store.create_upstream_signup(&s).await.unwrap();
        let u = store
            .user_by_email_key("ana@example.com")
            .await
            .unwrap()
            .expect(name);
        assert_eq!((u.id.clone(), u.email_confirmed_at), (new_id.clone(), Some(NOW)));
        assert!(store.user_by_id(&old).await.unwrap().is_none());
        assert!(
            store
                .session_context(&squatter.session.id_hash)
                .await
                .unwrap()
                .is_none_or(|c| c.user.is_none()),
            "{name}: the squatter's session is gone"
        );
        assert_eq!(
            store
                .user_by_identity("https://idp.example", "s-2")
                .await
                .unwrap(),
            Some(new_id)
        );
        // The same again: the email is taken now (confirmed), nothing is written.
        let again = UpstreamSignup {
            discard: None,
            identity: identity(&UserId(secrets::new_id(NOW).unwrap()), "s-3"),
            ..s.clone()
        };
        let r = store.create_upstream_signup(&again).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{name}: {r:?}");
        assert!(
            store
                .user_by_identity("https://idp.example", "s-3")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn a_provider_of_an_organization_makes_members_of_it() {
    each_store(|name, store| async move {
        let owner = signup("boss@corp.example");
        store.create_signup(&owner).await.unwrap();
        let org = owner.account.as_ref().unwrap().1.id.clone();
        let (mut user, _, terms) = signup("nina@corp.example").account.unwrap();
        user.email_confirmed_at = Some(NOW);
        let id = user.id.clone();
        let s = UpstreamSignup {
            identity: identity(&id, "s-9"),
            user,
            org: OrgPlace::Join(org.clone().into()),
            terms,
            session: session(Some(id.as_str()), NOW),
            discard: None,
            audit: vec![],
        };
        store.create_upstream_signup(&s).await.unwrap();
        let (_, m) = store
            .sign_in_lookup("nina@corp.example", ["a", "b", "c"])
            .await
            .unwrap()
            .account
            .expect(name);
        let m = m.expect("membership");
        assert_eq!(
            (m.org_id.as_str(), m.role.as_str()),
            (org.as_str(), "member"),
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_invitation_is_accepted_through_a_provider_once() {
    each_store(|name, store| async move {
        let mut invited = signup("pat@example.com");
        if let Some((user, _, _)) = invited.account.as_mut() {
            user.password_hash = None;
        }
        store.create_signup(&invited).await.unwrap();
        let id = invited.session.user_id.clone().unwrap();
        let event = || AuditEvent::new(NOW, "user.invitation_accepted", Some(id.as_str()), &meta()).unwrap();
        assert!(
            store
                .accept_invitation_via_identity(&identity(&id, "s-7"), NOW, &event())
                .await
                .unwrap()
        );
        let u = store.user_by_id(&id).await.unwrap().expect(name);
        assert_eq!(u.email_confirmed_at, Some(NOW));
        assert_eq!(
            store
                .user_by_identity("https://idp.example", "s-7")
                .await
                .unwrap(),
            Some(id.clone())
        );
        assert!(
            !store
                .accept_invitation_via_identity(&identity(&id, "s-8"), NOW, &event())
                .await
                .unwrap(),
            "{name}: accepted already"
        );
        // A sign-up with a password is no invitation.
        let own = signup("own@example.com");
        store.create_signup(&own).await.unwrap();
        let other = own.session.user_id.clone().unwrap();
        assert!(
            !store
                .accept_invitation_via_identity(&identity(&other, "s-9"), NOW, &event())
                .await
                .unwrap()
        );
    })
    .await;
}
