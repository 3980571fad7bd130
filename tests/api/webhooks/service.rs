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
