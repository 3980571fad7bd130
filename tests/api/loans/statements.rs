//! The reconciliation statement: a day with three repayments across two loans sums to the
//! ledger, as JSON and as CSV.

use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{loan_at, other_bank, recorded_at, At};
use crate::common::fixtures::{act, product, repay};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn a_day_with_three_repayments_across_two_loans() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // Two bullet loans at 6 % from 2026-01-15 (3,000 a month of interest on 600,000; 1,500 on
    // 300,000), the first with a loan number.
    let a = loan_at(&app, &bank, coop, prod, 600_000, At::Approved).await;
    act(
        &app,
        &bank,
        a,
        "disburse",
        json!({"disbursed_on": "2026-01-15", "bank_reference": "JJ-A"}),
    )
    .await
    .ok(200);
    let b = loan_at(&app, &bank, coop, prod, 300_000, At::Disbursed).await;
    // A loan of another bank never shows.
    let op = product(&app, "other", "bullet", false).await;
    loan_at(&app, &other_bank(&app), coop, op, 100_000, At::Disbursed).await;
    // On 2026-02-15: loan a pays its 3,000 of interest in two (1,000 + 2,000), loan b its 1,500.
    // Each recorded on the day it was paid (the statement of a day counts what was recorded
    // by its end).
    for (loan, key, amount, reference) in [
        (a, "s1", 1_000, "LS-1"),
        (a, "s2", 2_000, "LS-2"),
        (b, "s3", 1_500, "LS-3"),
    ] {
        let r = repay(
            &app,
            &bank,
            loan,
            Some(key),
            json!({"amount_fen": amount, "paid_on": "2026-02-15", "bank_reference": reference}),
        )
        .await
        .ok(201);
        recorded_at(&app, r["id"].as_i64().unwrap(), "2026-02-15 10:00:00", None);
    }
    // A repayment of another day is not the day's.
    let r4 = repay(
        &app,
        &bank,
        b,
        Some("s4"),
        json!({"amount_fen": 100, "paid_on": "2026-02-20"}),
    )
    .await
    .ok(201);
    recorded_at(
        &app,
        r4["id"].as_i64().unwrap(),
        "2026-02-20 10:00:00",
        None,
    );
    let s = app
        .get("/api/v1/statements/psbc/2026-02-15", &bank)
        .await
        .ok(200);
    let lines = s["loans"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let line = |id: i64| lines.iter().find(|l| l["loan_id"] == id).unwrap().clone();
    // End of day: the interest due that day paid, nothing accrued yet in the new period,
    // the whole principal outstanding.
    assert_eq!(
        line(a),
        json!({"loan_id": a, "bank_reference": "JJ-A", "status": "disbursed",
               "outstanding_principal_fen": 600_000, "accrued_interest_fen": 0,
               "penalty_interest_fen": 0, "repaid_that_day_fen": 3_000})
    );
    assert_eq!(line(b)["repaid_that_day_fen"], 1_500);
    assert_eq!(line(b)["bank_reference"], Value::Null);
    let reps = s["repayments"].as_array().unwrap();
    let refs: Vec<&str> = reps
        .iter()
        .map(|r| r["bank_reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["LS-1", "LS-2", "LS-3"]);
    // Totals add up: 3,000 + 1,500 = 4,500 = 1,000 + 2,000 + 1,500; 900,000 outstanding.
    let sum_reps: i64 = reps.iter().map(|r| r["amount_fen"].as_i64().unwrap()).sum();
    assert_eq!(sum_reps, 4_500);
    assert_eq!(
        s["totals"],
        json!({"loans": 2, "outstanding_principal_fen": 900_000, "accrued_interest_fen": 0,
               "penalty_interest_fen": 0, "repaid_that_day_fen": 4_500, "repayments": 3})
    );
    // Five days later, loan a has accrued 600,000 × 0.06 × 5 / 360 = 500 fen.
    let later = app
        .get("/api/v1/statements/psbc/2026-02-20", &bank)
        .await
        .ok(200);
    let la = later["loans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["loan_id"] == a)
        .unwrap()
        .clone();
    assert_eq!(la["accrued_interest_fen"], 500);
    assert_eq!(later["totals"]["repaid_that_day_fen"], 100);
    // The CSV: the same lines, then the totals.
    let csv = app
        .get("/api/v1/statements/psbc/2026-02-15.csv", &app.admin())
        .await;
    assert_eq!(csv.status.as_u16(), 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "loan_id,bank_reference,status,outstanding_principal_fen,accrued_interest_fen,penalty_interest_fen,repaid_that_day_fen");
    assert_eq!(rows[1], format!("{a},JJ-A,disbursed,600000,0,0,3000"));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3], "total,2 loans,,900000,0,0,4500");
    // Before any disbursement: empty, zero totals.
    let empty = app
        .get("/api/v1/statements/psbc/2025-12-31", &bank)
        .await
        .ok(200);
    assert_eq!(empty["totals"]["loans"], 0);
}

#[actix_web::test]
async fn statement_roles_scope_and_bad_input() {
    let app = TestApp::new().await;
    for role in [Role::DistrictAdmin, Role::Observer, Role::BankPartner] {
        app.get("/api/v1/statements/psbc/2026-02-15", &app.token(role))
            .await
            .ok(200);
    }
    for role in [
        Role::TownOfficer,
        Role::Cooperative,
        Role::Counselor,
        Role::ServiceCenter,
    ] {
        app.get("/api/v1/statements/psbc/2026-02-15", &app.token(role))
            .await
            .problem(403);
        app.get("/api/v1/statements/psbc/2026-02-15.csv", &app.token(role))
            .await
            .problem(403);
    }
    app.get("/api/v1/statements/psbc/2026-02-15", &other_bank(&app))
        .await
        .problem(404);
    app.get("/api/v1/statements/psbc/2026-02-15.csv", &other_bank(&app))
        .await
        .problem(404);
    let admin = app.admin();
    app.get("/api/v1/statements/psbc/yesterday", &admin)
        .await
        .field_error("date");
    app.get("/api/v1/statements/psbc/2200-01-01.csv", &admin)
        .await
        .field_error("date");
    app.get("/api/v1/statements/PSBC/2026-02-15", &admin)
        .await
        .field_error("bank_code");
}
