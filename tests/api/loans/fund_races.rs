//! The fund under concurrency and at its limits: two approvals or two compensations at the
//! same moment never decide on the same balance (PostgreSQL runs READ COMMITTED; the fund's
//! lock serialises them), and no sum of the ledger wraps.

use std::sync::mpsc;
use std::time::Duration;

use coophub::auth::{Caller, Role};
use coophub::db::{self, DbConn};
use coophub::error::{ApiError, ApiResult};
use coophub::service::loans::actions;
use coophub::service::loans::claims::{self, Defaults};
use coophub::views::loans::ApproveBody;
use serde_json::json;

use crate::common::fixtures::loans::{approved_claim, claim_ready, loan_at, second_admin, At};
use crate::common::TestApp;

/// Runs `first` in a transaction that stays open (holding whatever it locked) for a while
/// after `first` returns, and `second` in another transaction on another connection once
/// `first` has returned. Returns both results.
fn overlapping<A, B>(
    app: &TestApp,
    first: impl FnOnce(&mut DbConn) -> ApiResult<A> + Send,
    second: impl FnOnce(&mut DbConn) -> ApiResult<B> + Send,
) -> (ApiResult<A>, ApiResult<B>)
where
    A: Send,
    B: Send,
{
    let pool = app.state.pool.clone();
    let (done, started) = mpsc::channel();
    std::thread::scope(|s| {
        let p = pool.clone();
        let a = s.spawn(move || {
            let mut conn = p.get().expect("pool");
            db::write_tx(&mut conn, |conn| {
                let out = first(conn);
                done.send(()).unwrap();
                // Not committed yet: the second runs meanwhile.
                std::thread::sleep(Duration::from_millis(400));
                out
            })
        });
        started.recv().unwrap();
        let b = s.spawn(move || {
            let mut conn = pool.get().expect("pool");
            db::write_tx(&mut conn, second)
        });
        (a.join().unwrap(), b.join().unwrap())
    })
}

fn bank(app: &TestApp) -> Caller {
    app.caller(&app.token(Role::BankPartner))
}

#[actix_web::test]
async fn two_approvals_at_once_never_exceed_the_lending_cap() {
    let app = TestApp::new().await;
    let (coop, eligible, token) = claim_ready(&app, 100_000).await; // cap 1,000,000
    let a = loan_at(&app, &token, coop, eligible, 600_000, At::UnderReview).await;
    let b = loan_at(&app, &token, coop, eligible, 600_000, At::UnderReview).await;
    let lev = Defaults::of(&app.state.settings);
    let (ca, cb) = (bank(&app), bank(&app));
    let (ra, rb) = overlapping(
        &app,
        move |conn| actions::approve(conn, &ca, a, lev, ApproveBody::default()),
        move |conn| actions::approve(conn, &cb, b, lev, ApproveBody::default()),
    );
    ra.expect("the first fits");
    let err = rb.expect_err("the second saw the first's exposure");
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("headroom is 400000 fen")),
        "{err:?}"
    );
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    assert_eq!(f["exposure_fen"], 600_000);
    assert_eq!(f["headroom_fen"], 400_000);
}

#[actix_web::test]
async fn two_compensations_at_once_never_take_the_fund_below_zero() {
    let app = TestApp::new().await;
    let (coop, eligible, token) = claim_ready(&app, 100_000).await;
    // 80 % of 100,000 each: one fits in the fund, two do not.
    let a = loan_at(&app, &token, coop, eligible, 100_000, At::Defaulted).await;
    let b = loan_at(&app, &token, coop, eligible, 100_000, At::Defaulted).await;
    let fund = Defaults::of(&app.state.settings);
    // Both claims approved by one admin, paid at the same moment by another.
    let (claim_a, claim_b) = (approved_claim(&app, a).await, approved_claim(&app, b).await);
    let payer = second_admin(&app);
    let (ca, cb) = (app.caller(&payer), app.caller(&payer));
    let (ra, rb) = overlapping(
        &app,
        move |conn| claims::pay(conn, &ca, claim_a, fund),
        move |conn| claims::pay(conn, &cb, claim_b, fund),
    );
    assert_eq!(ra.expect("the first is paid").amount_fen, Some(80_000));
    let err = rb.expect_err("the second saw the first's payout");
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("holds 20000 fen")),
        "{err:?}"
    );
    let f = app.get("/api/v1/risk-fund", &app.admin()).await.ok(200);
    assert_eq!(f["balance_fen"], 20_000);
    assert_eq!(f["compensated_fen"], 80_000);
}

#[actix_web::test]
async fn huge_contributions_never_wrap_the_fund() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let huge = |amount: i64| json!({"amount_fen": amount, "source": "区财政", "contributed_on": "2026-01-01"});
    let max = i64::MAX;
    let most = coophub::domain::money::MAX_FEN;
    // Over the documented maximum of one amount: refused, nothing written.
    app.post("/api/v1/risk-fund/contributions", &admin, huge(max))
        .await
        .field_error("amount_fen");
    app.post("/api/v1/risk-fund/contributions", &admin, huge(most + 1))
        .await
        .field_error("amount_fen");
    app.post("/api/v1/risk-fund/contributions", &admin, huge(most))
        .await
        .ok(201);
    // A ledger that already sums near i64 (written before the bounds existed): one more fen
    // than a sum of fen holds is refused on the fund's total.
    {
        use coophub::db::schema::risk_fund_entries as e;
        use diesel::prelude::*;
        diesel::insert_into(e::table)
            .values((
                e::kind.eq("contribution"),
                e::amount_fen.eq(max - most),
                e::entry_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
                e::actor_name.eq("legacy"),
                e::created_at.eq(coophub::db::models::now()),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    app.post("/api/v1/risk-fund/contributions", &admin, huge(1))
        .await
        .field_error("amount_fen");
    let f = app.get("/api/v1/risk-fund", &admin).await.ok(200);
    assert_eq!(f["balance_fen"], max);
    assert_eq!(f["contributed_fen"], max);
    assert_eq!(f["lending_cap_fen"], max, "leverage × balance, clamped");
    assert_eq!(f["entries"].as_array().unwrap().len(), 2);
    // A ledger that sums past i64 is still read exactly and shown clamped, never a 500.
    {
        use coophub::db::schema::risk_fund_entries as e;
        use diesel::prelude::*;
        diesel::insert_into(e::table)
            .values((
                e::kind.eq("contribution"),
                e::amount_fen.eq(max),
                e::entry_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
                e::actor_name.eq("legacy"),
                e::created_at.eq(coophub::db::models::now()),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let f = app.get("/api/v1/risk-fund", &admin).await.ok(200);
    assert_eq!(f["balance_fen"], max);
    assert_eq!(f["headroom_fen"], max);
    assert_eq!(f["entries"].as_array().unwrap().len(), 3);
}
