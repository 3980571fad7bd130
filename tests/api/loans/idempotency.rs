//! Idempotency keys at the service layer: a key exists exactly when the change it stands for
//! committed, so no key is left unresolvable after a crash; a request whose key is done rolls
//! back, and the key decides what it comes to.

use chrono::NaiveDateTime;
use coophub::auth::Role;
use coophub::db::models::now;
use coophub::domain::loan_book::PrepaymentMode;
use coophub::error::ApiError;
use coophub::service::idempotency::{self as idem, Replay};
use coophub::service::loans::repayments;
use coophub::views::loans::{RepaymentCreate, RepaymentOut};
use serde_json::json;

use crate::common::fixtures::{disbursed, product};
use crate::common::{TestApp, TOWN_A};

const REQUEST: &str = "POST /api/v1/loans/1/repayments\n{\"amount_fen\":1000}";

fn body() -> RepaymentCreate {
    serde_json::from_value(json!({"amount_fen": 1_000, "paid_on": "2026-02-15"})).unwrap()
}

async fn setup() -> (TestApp, String, i64) {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    (app, bank, id)
}

fn ledger(app: &TestApp, bank: &str, id: i64) -> usize {
    let caller = app.caller(bank);
    app.write(|conn| repayments::list(conn, &caller, id, None))
        .unwrap()
        .items
        .len()
}

fn key(app: &TestApp, bank: &str, k: &str, request: &str) -> idem::Key {
    idem::Key::new(idem::owner(&app.caller(bank)), k.to_string(), request)
}

/// The repayment and its key in one write transaction, as `Keyed::run` performs them.
fn perform(app: &TestApp, bank: &str, id: i64, key: &idem::Key) -> Result<RepaymentOut, ApiError> {
    let caller = app.caller(bank);
    app.write(|conn| {
        idem::perform(conn, key, 201, |conn| {
            repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
        })
    })
}

fn settle(
    app: &TestApp,
    key: &idem::Key,
    arrived: NaiveDateTime,
) -> Result<Option<Replay>, ApiError> {
    app.write(|conn| idem::settle(conn, key, arrived))
}

#[actix_web::test]
async fn a_change_that_never_committed_leaves_no_key_and_its_retry_performs_once() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let k = key(&app, &bank, "k-1", REQUEST);
    // The work and the key are written, then the process dies before COMMIT.
    let died = app.write(|conn| {
        idem::perform(conn, &k, 201, |conn| {
            repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
        })?;
        Err::<(), _>(ApiError::Internal("killed before commit".into()))
    });
    assert!(died.is_err());
    assert_eq!(ledger(&app, &bank, id), 0, "nothing committed");
    assert!(
        settle(&app, &k, now()).unwrap().is_none(),
        "no trace of the key"
    );
    // The retry is not refused as "in flight": it performs the repayment, once.
    let out = perform(&app, &bank, id, &k).unwrap();
    assert_eq!(ledger(&app, &bank, id), 1);
    // The next retry's change is rolled back (its key is done), and the key replays it.
    let arrived = now();
    let again = perform(&app, &bank, id, &k).unwrap_err();
    assert!(matches!(again, ApiError::Conflict(_)), "{again:?}");
    assert_eq!(
        ledger(&app, &bank, id),
        1,
        "the retry's repayment rolled back"
    );
    let replay = settle(&app, &k, arrived).unwrap().expect("a replay");
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body, serde_json::to_string(&out).unwrap());
}

#[actix_web::test]
async fn a_failed_change_leaves_no_key_and_its_own_error_stands() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let k = key(&app, &bank, "k-2", REQUEST);
    let too_much: RepaymentCreate =
        serde_json::from_value(json!({"amount_fen": 999_999_999, "paid_on": "2026-02-15"}))
            .unwrap();
    let err = app
        .write(|conn| {
            idem::perform(conn, &k, 201, |conn| {
                repayments::record(conn, &caller, id, too_much, PrepaymentMode::ReducePayment)
            })
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Validation(_)), "{err:?}");
    assert!(settle(&app, &k, now()).unwrap().is_none());
    perform(&app, &bank, id, &k).unwrap();
    assert_eq!(ledger(&app, &bank, id), 1);
}

#[actix_web::test]
async fn a_key_stored_by_a_twin_in_flight_on_arrival_is_409_and_one_stored_before_replays() {
    let (app, bank, id) = setup().await;
    // The twin arrives, then the first request commits while the twin runs.
    let twin_arrived = now();
    let k = key(&app, &bank, "k-3", REQUEST);
    let first = perform(&app, &bank, id, &k).unwrap();
    let err = perform(&app, &bank, id, &k).unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    assert_eq!(
        ledger(&app, &bank, id),
        1,
        "the twin's repayment rolled back"
    );
    let in_flight = settle(&app, &k, twin_arrived).unwrap_err();
    assert!(matches!(in_flight, ApiError::Conflict(_)), "{in_flight:?}");
    // A request arriving after the first committed gets its response.
    let replay = settle(&app, &k, now()).unwrap().expect("a replay");
    assert_eq!(replay.body, serde_json::to_string(&first).unwrap());
}

#[actix_web::test]
async fn the_key_with_another_body_is_refused() {
    let (app, bank, id) = setup().await;
    perform(&app, &bank, id, &key(&app, &bank, "k-4", REQUEST)).unwrap();
    let other = key(&app, &bank, "k-4", "POST /other\n{}");
    let arrived = now();
    assert!(perform(&app, &bank, id, &other).is_err());
    let err = settle(&app, &other, arrived).unwrap_err();
    let ApiError::Validation(errors) = &err else {
        panic!("another body with the key → 422: {err:?}")
    };
    assert!(
        format!("{errors:?}").contains("Idempotency-Key"),
        "{errors:?}"
    );
    assert_eq!(ledger(&app, &bank, id), 1);
}
