#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::*;
use crate::config::DatabaseLocation;

async fn service(dir: &std::path::Path) -> (Operators, Clock) {
    let store = Store::open(&DatabaseLocation::Sqlite(dir.join("checkout.db")))
        .await
        .unwrap();
    let clock = Clock::manual(OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap());
    (Operators::new(store, clock.clone()), clock)
}

/// The address the tests sign in from, unless they say otherwise.
const HERE: &str = "198.51.100.7";

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

#[tokio::test]
async fn sign_in_out_and_reset_signs_out_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (ops, _) = service(dir.path()).await;
    let pw = Password::new("a long password").unwrap();
    ops.add(&email(" Anna@Shop.Example "), Role::Operator, &pw)
        .await
        .unwrap();
    assert!(matches!(
        ops.add(&email("anna@shop.example"), Role::Viewer, &pw)
            .await,
        Err(OperatorError::Exists)
    ));
    let a = ops
        .login("ANNA@shop.example", "a long password", HERE)
        .await
        .unwrap();
    let b = ops
        .login("anna@shop.example", "a long password", HERE)
        .await
        .unwrap();
    assert_eq!(a.operator.role, Role::Operator);
    let signed = ops.session(&a.token).await.unwrap().unwrap();
    assert!(signed.csrf_ok(Some(&signed.csrf)));
    assert!(!signed.csrf_ok(None));
    ops.logout(&a.token).await.unwrap();
    assert!(ops.session(&a.token).await.unwrap().is_none());
    assert!(ops.session(&b.token).await.unwrap().is_some());
    ops.reset_password(
        &email("anna@shop.example"),
        &Password::new("another long one").unwrap(),
    )
    .await
    .unwrap();
    assert!(
        ops.session(&b.token).await.unwrap().is_none(),
        "reset signs out everywhere"
    );
    assert!(matches!(
        ops.login("anna@shop.example", "a long password", HERE)
            .await,
        Err(OperatorError::BadCredentials)
    ));
    ops.login("anna@shop.example", "another long one", HERE)
        .await
        .unwrap();
    ops.remove(&email("anna@shop.example")).await.unwrap();
    assert!(matches!(
        ops.remove(&email("anna@shop.example")).await,
        Err(OperatorError::NotFound)
    ));
}

#[tokio::test]
async fn failed_logins_lock_the_email_even_for_the_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let (ops, clock) = service(dir.path()).await;
    ops.add(
        &email("v@shop.example"),
        Role::Viewer,
        &Password::new("right password").unwrap(),
    )
    .await
    .unwrap();
    for _ in 0..rules::FREE_FAILURES - 1 {
        assert!(matches!(
            ops.login("v@shop.example", "wrong password", HERE).await,
            Err(OperatorError::BadCredentials)
        ));
    }
    assert!(matches!(
        ops.login("v@shop.example", "wrong password", HERE).await,
        Err(OperatorError::Locked { .. })
    ));
    assert!(matches!(
        ops.login("v@shop.example", "right password", HERE).await,
        Err(OperatorError::Locked { .. })
    ));
    // Unknown e-mails are counted (and locked) the same way.
    for _ in 0..rules::FREE_FAILURES {
        let _ = ops.login("nobody@shop.example", "whatever pw", HERE).await;
    }
    assert!(matches!(
        ops.login("nobody@shop.example", "whatever pw", HERE).await,
        Err(OperatorError::Locked { .. })
    ));
    clock.advance(Duration::from_secs(31));
    let ok = ops
        .login("v@shop.example", "right password", HERE)
        .await
        .unwrap();
    assert_eq!(ok.operator.role, Role::Viewer);
}

#[tokio::test]
async fn one_address_cannot_try_many_emails_nor_lock_an_operator_out_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (ops, _) = service(dir.path()).await;
    ops.add(
        &email("v@shop.example"),
        Role::Viewer,
        &Password::new("right password").unwrap(),
    )
    .await
    .unwrap();
    let locked =
        |r: &Result<NewSession, OperatorError>| matches!(r, Err(OperatorError::Locked { .. }));
    // One address sprays e-mails: the 20th failure locks the address, for any e-mail.
    for i in 1..rules::FREE_PER_CLIENT {
        let r = ops
            .login(
                &format!("guess{i}@shop.example"),
                "whatever pw",
                "203.0.113.5",
            )
            .await;
        assert!(
            matches!(r, Err(OperatorError::BadCredentials)),
            "{i}: {r:?}"
        );
    }
    assert!(locked(
        &ops.login("guess20@shop.example", "whatever pw", "203.0.113.5")
            .await
    ));
    assert!(locked(
        &ops.login("v@shop.example", "right password", "203.0.113.5")
            .await
    ));
    // Elsewhere the operator is not locked: five wrong from one address lock that pair …
    for _ in 0..rules::FREE_FAILURES {
        let _ = ops
            .login("v@shop.example", "wrong password", "192.0.2.10")
            .await;
    }
    assert!(locked(
        &ops.login("v@shop.example", "right password", "192.0.2.10")
            .await
    ));
    // … but the real operator still signs in from their own address (IPv6: its /64).
    ops.login("v@shop.example", "right password", "2001:db8:1:2::/64")
        .await
        .unwrap();
    // A password reset forgets the e-mail's counts from every address.
    for _ in 0..rules::FREE_FAILURES {
        let _ = ops
            .login("v@shop.example", "wrong password", "192.0.2.11")
            .await;
    }
    assert!(locked(
        &ops.login("v@shop.example", "right password", "192.0.2.11")
            .await
    ));
    ops.reset_password(
        &email("v@shop.example"),
        &Password::new("new right password").unwrap(),
    )
    .await
    .unwrap();
    ops.login("v@shop.example", "new right password", "192.0.2.11")
        .await
        .unwrap();
    ops.login("v@shop.example", "new right password", "192.0.2.10")
        .await
        .unwrap();
}

#[tokio::test]
async fn sessions_time_out_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let (ops, clock) = service(dir.path()).await;
    ops.add(
        &email("o@shop.example"),
        Role::Operator,
        &Password::new("right password").unwrap(),
    )
    .await
    .unwrap();
    let s = ops
        .login("o@shop.example", "right password", HERE)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(29 * 60));
    assert!(
        ops.session(&s.token).await.unwrap().is_some(),
        "seen: idle clock restarts"
    );
    clock.advance(Duration::from_secs(29 * 60));
    assert!(ops.session(&s.token).await.unwrap().is_some());
    clock.advance(Duration::from_secs(31 * 60));
    assert!(ops.session(&s.token).await.unwrap().is_none());
}

#[test]
fn emails_are_trimmed_lowercased_and_checked() {
    assert_eq!(email(" A@B.C ").as_str(), "a@b.c");
    for bad in ["", "a", "@b", "a@", "a b@c", "a@b@c"] {
        assert!(Email::parse(bad).is_err(), "{bad}");
    }
}
