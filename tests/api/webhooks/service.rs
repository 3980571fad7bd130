//! The webhook use cases called directly, without HTTP.

use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::webhooks;
use coophub::views::webhooks::WebhookCreate;
use coophub::webhooks::MAX_WEBHOOKS_PER_BANK;

use super::SECRET;
use crate::common::TestApp;

fn body() -> WebhookCreate {
    serde_json::from_value(serde_json::json!({
        "url": "https://203.0.113.7/h", "events": ["loan.approved"], "secret": SECRET
    }))
    .unwrap()
}

#[actix_web::test]
async fn the_cap_per_bank_holds_at_the_service_and_writes_nothing_beyond_it() {
    let app = TestApp::new().await;
    let bank = app.caller(&app.token(Role::BankPartner));
    let url = url::Url::parse("https://203.0.113.7/h").unwrap();
    for _ in 0..MAX_WEBHOOKS_PER_BANK {
        app.write(|conn| webhooks::create(conn, &bank, url.clone(), body()))
            .unwrap();
    }
    let err = app
        .write(|conn| webhooks::create(conn, &bank, url.clone(), body()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    let n = app
        .write(|conn| Ok(coophub::db::models::webhooks::count_active(conn, "psbc")?))
        .unwrap();
    assert_eq!(n, MAX_WEBHOOKS_PER_BANK);
}

#[actix_web::test]
async fn the_url_check_refuses_private_addresses_even_with_the_loopback_flag() {
    for (url, allow) in [
        ("http://10.0.0.1/h", true),
        ("http://[fe80::1]/h", true),
        ("http://127.0.0.1/h", false),
    ] {
        let err = webhooks::check_url(url, allow).unwrap_err();
        match err {
            ApiError::Validation(errs) => assert_eq!(errs[0].field, "url", "{url}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(webhooks::check_url("http://127.0.0.1/h", true).is_ok());
}

/// An event goes into the outbox once for each active subscription of its bank that lists its
/// type exactly: not for another bank, an inactive subscription, or a type that merely looks
/// alike (`_` is a wildcard to `LIKE`, escaped).
#[actix_web::test]
async fn an_event_is_queued_for_exactly_the_active_subscriptions_to_it() {
    use coophub::db::models::webhooks as m;
    let app = TestApp::new().await;
    let hook = |bank: &str, events: &str, active: bool| m::NewWebhook {
        bank_code: bank.into(),
        url: "https://203.0.113.7/h".into(),
        events: events.into(),
        secret: SECRET.into(),
        active,
        created_at: coophub::db::models::now(),
    };
    let ids = app
        .write(|conn| {
            let mut ids = Vec::new();
            for h in [
                hook("psbc", "loan.repayment_recorded", true),
                hook(
                    "psbc",
                    "loan.approved,loan.repayment_recorded,loan.settled",
                    true,
                ),
                hook("psbc", "loan.repayment_recorded", false),
                hook("abc", "loan.repayment_recorded", true),
                hook("psbc", "loan.repaymentXrecorded,loan.settled", true),
                hook("psbc", "xloan.repayment_recorded", true),
            ] {
                ids.push(m::insert(conn, &h)?.id);
            }
            Ok(ids)
        })
        .unwrap();
    let at = coophub::db::models::now();
    let queued = |event: &'static str| {
        app.write(|conn| {
            Ok(m::enqueue_subscribed(
                conn, "psbc", event, "ev-1", "{}", at,
            )?)
        })
        .unwrap()
    };
    assert_eq!(queued("loan.repayment_recorded"), 2);
    assert_eq!(queued("loan.settled"), 2);
    assert_eq!(queued("loan.disbursed"), 0);
    let bank = app.token(Role::BankPartner);
    // (An inactive subscription is gone from the API: the totals above leave it out.)
    for (i, n) in [(0, 1), (1, 2), (4, 1), (5, 0)] {
        let log = app
            .get(&format!("/api/v1/webhooks/{}/deliveries", ids[i]), &bank)
            .await
            .ok(200);
        assert_eq!(
            log["items"].as_array().unwrap().len(),
            n,
            "subscription {i}"
        );
    }
}
