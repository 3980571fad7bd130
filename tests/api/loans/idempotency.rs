//! Idempotency keys after a crash, at the service layer: a key exists exactly when the change
//! it stands for committed, so no key is left unresolvable.

use coophub::auth::Role;
use coophub::domain::loan_book::PrepaymentMode;
use coophub::error::ApiError;
use coophub::service::idempotency::{self as idem, Begun};
use coophub::service::loans::repayments;
use coophub::views::loans::RepaymentCreate;
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

fn proceed(app: &TestApp, owner: &str, key: &str) -> idem::Key {
    match app
        .write(|conn| idem::begin(conn, owner, key, REQUEST))
        .unwrap()
    {
        Begun::Proceed(k) => k,
        other => panic!("expected to proceed, got {other:?}"),
    }
}

/// The change and its key's response in the caller's transaction (what `idem::once` does
/// after its lookup), so a test can put other work between the lookup and the change.
fn within<T: serde::Serialize>(
    conn: &mut coophub::db::DbConn,
    key: &idem::Key,
    f: impl FnOnce(&mut coophub::db::DbConn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let out = f(conn)?;
    idem::store(conn, key, 201, &out)?;
    Ok(out)
}

#[actix_web::test]
async fn a_change_that_never_committed_leaves_no_key_and_its_retry_performs_once() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let owner = idem::owner(&caller);
    let key = proceed(&app, &owner, "k-1");
    // The work and the key are written, then the process dies before COMMIT.
    let died = app.write(|conn| {
        within(conn, &key, |conn| {
            repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
        })?;
        Err::<(), _>(ApiError::Internal("killed before commit".into()))
    });
    assert!(died.is_err());
    assert_eq!(ledger(&app, &bank, id), 0, "nothing committed");
    // The retry is not refused as "in flight": it performs the repayment, once.
    let key = proceed(&app, &owner, "k-1");
    let out = app
        .write(|conn| {
            within(conn, &key, |conn| {
                repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
            })
        })
        .unwrap();
    assert_eq!(ledger(&app, &bank, id), 1);
    // And the next retry replays it.
    match app
        .write(|conn| idem::begin(conn, &owner, "k-1", REQUEST))
        .unwrap()
    {
        Begun::Replay { status, body } => {
            assert_eq!(status, 201);
            assert_eq!(body, serde_json::to_string(&out).unwrap());
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    assert_eq!(ledger(&app, &bank, id), 1);
}

#[actix_web::test]
async fn a_failed_change_leaves_no_key() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let owner = idem::owner(&caller);
    let key = proceed(&app, &owner, "k-2");
    let too_much: RepaymentCreate =
        serde_json::from_value(json!({"amount_fen": 999_999_999, "paid_on": "2026-02-15"}))
            .unwrap();
    let err = app
        .write(|conn| {
            within(conn, &key, |conn| {
                repayments::record(conn, &caller, id, too_much, PrepaymentMode::ReducePayment)
            })
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Validation(_)), "{err:?}");
    proceed(&app, &owner, "k-2");
}

#[actix_web::test]
async fn a_key_stored_meanwhile_by_its_twin_rolls_this_change_back() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let owner = idem::owner(&caller);
    // Both requests looked the key up before either committed.
    let first = proceed(&app, &owner, "k-3");
    let twin = proceed(&app, &owner, "k-3");
    app.write(|conn| {
        within(conn, &first, |conn| {
            repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
        })
    })
    .unwrap();
    let err = app
        .write(|conn| {
            within(conn, &twin, |conn| {
                repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
            })
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    assert_eq!(
        ledger(&app, &bank, id),
        1,
        "the twin's repayment rolled back"
    );
}

/// `once`: the lookup, the change and the stored response in one transaction.
#[actix_web::test]
async fn once_performs_a_new_key_replays_a_stored_one_and_refuses_another_body() {
    let (app, bank, id) = setup().await;
    let caller = app.caller(&bank);
    let owner = idem::owner(&caller);
    let record = |conn: &mut coophub::db::DbConn| {
        repayments::record(conn, &caller, id, body(), PrepaymentMode::ReducePayment)
    };
    let first = app
        .write(|conn| idem::once(conn, &owner, "k-4", REQUEST, 201, record))
        .unwrap();
    let idem::Once::Done(out) = first else {
        panic!("a new key performs the change: {first:?}")
    };
    assert_eq!(ledger(&app, &bank, id), 1);
    let again = app
        .write(|conn| idem::once(conn, &owner, "k-4", REQUEST, 201, record))
        .unwrap();
    match again {
        idem::Once::Replay { status, body } => {
            assert_eq!(status, 201);
            assert_eq!(body, serde_json::to_string(&out).unwrap());
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    assert_eq!(ledger(&app, &bank, id), 1, "a replay changes nothing");
    let other = app
        .write(|conn| idem::once(conn, &owner, "k-4", "POST /other\n{}", 201, record))
        .unwrap_err();
    let ApiError::Validation(errors) = &other else {
        panic!("another body with the key → 422: {other:?}")
    };
    assert!(
        format!("{errors:?}").contains("Idempotency-Key"),
        "{errors:?}"
    );
    assert_eq!(ledger(&app, &bank, id), 1);
}
