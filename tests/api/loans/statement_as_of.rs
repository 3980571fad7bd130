//! The statement and the ageing of a past day are the book as it stood at the end of that
//! day: a reversal recorded later leaves a past statement unchanged and is a movement of its
//! own day; consecutive statements chain; the streamed JSON is the statement's values.

use chrono::NaiveDate;
use coophub::auth::Role;
use coophub::service::loans::ageing::age_all;
use coophub::service::loans::statements;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{loan_at, recorded_at, At};
use crate::common::fixtures::{product, repay};
use crate::common::{TestApp, TOWN_A};

/// The statement of `day` as streamed, checked against the statement built in one piece.
async fn statement(app: &TestApp, token: &str, day: &str) -> Value {
    let streamed = app
        .get(&format!("/api/v1/statements/psbc/{day}"), token)
        .await
        .ok(200);
    let caller = app.caller(token);
    let whole = statements::statement(&mut app.conn(), &caller, "psbc", day).unwrap();
    assert_eq!(streamed, serde_json::to_value(&whole).unwrap(), "on {day}");
    streamed
}

async fn reverse(app: &TestApp, token: &str, loan: i64, rep: i64) {
    app.post(
        &format!("/api/v1/loans/{loan}/repayments/{rep}/reverse"),
        token,
        json!({"reason": "wrong account"}),
    )
    .await
    .ok(200);
}

fn line(s: &Value, loan: i64) -> Value {
    s["loans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["loan_id"] == loan)
        .cloned()
        .unwrap_or(Value::Null)
}

#[actix_web::test]
async fn a_later_reversal_leaves_the_past_unchanged_and_the_days_chain() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // A bullet loan of 600,000 at 6 % from 2026-01-15: instalment 1 is 3,000 of interest due
    // 2026-02-15; another loan of the bank with no movements at all.
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let quiet = loan_at(&app, &bank, coop, prod, 300_000, At::Disbursed).await;
    // D = 2026-02-15: R1 = 3,000 pays instalment 1's interest, recorded that day.
    let r1 = repay(
        &app,
        &bank,
        id,
        Some("a1"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15", "bank_reference": "LS-1"}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap();
    recorded_at(&app, r1, "2026-02-15 10:00:00", None);
    // D+1: R2 = 100,000 on 2026-02-16, recorded that day: one day's interest on 600,000
    // (600,000 × 0.06 / 360 = 100), then 99,900 of principal prepaid.
    let r2 = repay(
        &app,
        &bank,
        id,
        Some("a2"),
        json!({"amount_fen": 100_000, "paid_on": "2026-02-16", "bank_reference": "LS-2"}),
    )
    .await
    .ok(201);
    assert_eq!(r2["allocated"]["principal_fen"], 99_900);
    let r2 = r2["id"].as_i64().unwrap();
    recorded_at(&app, r2, "2026-02-16 10:00:00", None);
    let d0 = statement(&app, &bank, "2026-02-15").await;
    let d1 = statement(&app, &bank, "2026-02-16").await;
    assert_eq!(line(&d0, id)["outstanding_principal_fen"], 600_000);
    assert_eq!(line(&d1, id)["outstanding_principal_fen"], 500_100);
    // D+2: the bank reverses R1. Without it R2 pays the 3,000 of overdue interest first, the
    // day's 100 of interest, and only 96,900 of principal.
    reverse(&app, &bank, id, r1).await;
    recorded_at(&app, r1, "2026-02-15 10:00:00", Some("2026-02-17 11:00:00"));
    // The past statements are what they were, to the byte of every value.
    assert_eq!(statement(&app, &bank, "2026-02-15").await, d0);
    assert_eq!(statement(&app, &bank, "2026-02-16").await, d1);
    let d2 = statement(&app, &bank, "2026-02-17").await;
    // The reversal is a line of its own on the day it was recorded: −3,000 paid, and the
    // allocation lost 3,000 of principal (R2's 99,900 became 96,900; interest stays 3,100).
    assert_eq!(
        d2["repayments"],
        json!([{"repayment_id": r1, "loan_id": id, "bank_reference": "LS-1", "kind": "reversal",
                "amount_fen": -3_000, "penalty_interest_fen": 0, "interest_fen": 0,
                "principal_fen": -3_000}])
    );
    assert_eq!(line(&d2, id)["outstanding_principal_fen"], 503_100);
    assert_eq!(line(&d2, id)["repaid_that_day_fen"], -3_000);
    assert_eq!(d2["totals"]["repaid_that_day_fen"], -3_000);
    assert_eq!(d2["totals"]["repayments"], 1);
    // D's and D+1's movements: R1, then R2 with the split it had then.
    assert_eq!(d0["repayments"][0]["kind"], "repayment");
    assert_eq!(d0["repayments"][0]["interest_fen"], 3_000);
    assert_eq!(d1["repayments"][0]["repayment_id"], r2);
    assert_eq!(d1["repayments"][0]["principal_fen"], 99_900);
    // The chain, loan by loan and in total: closing principal of one day less the next
    // day's movements' principal is the next day's closing principal; the day's movements
    // sum to what the lines say was repaid.
    for (before, after) in [(&d0, &d1), (&d1, &d2)] {
        let moved: i64 = after["repayments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["principal_fen"].as_i64().unwrap())
            .sum();
        let paid: i64 = after["repayments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["amount_fen"].as_i64().unwrap())
            .sum();
        let p = |s: &Value| s["totals"]["outstanding_principal_fen"].as_i64().unwrap();
        assert_eq!(p(before) - moved, p(after));
        assert_eq!(after["totals"]["repaid_that_day_fen"], paid);
        for loan in [id, quiet] {
            let lp = |s: &Value| line(s, loan)["outstanding_principal_fen"].as_i64().unwrap();
            let mine: i64 = after["repayments"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["loan_id"] == loan)
                .map(|m| m["principal_fen"].as_i64().unwrap())
                .sum();
            assert_eq!(lp(before) - mine, lp(after), "loan {loan}");
        }
    }
    assert_eq!(d2["totals"]["outstanding_principal_fen"], 503_100 + 300_000);
    // The CSV of D+2 ends with the same totals.
    let csv = app
        .get("/api/v1/statements/psbc/2026-02-17.csv", &bank)
        .await;
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let p = d2["totals"]["outstanding_principal_fen"].as_i64().unwrap();
    let totals = format!("total,2 loans,,{p},");
    assert!(text.lines().last().unwrap().starts_with(&totals), "{text}");
}

#[actix_web::test]
async fn a_repayment_recorded_and_reversed_the_same_day_shows_both_lines() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let r = repay(
        &app,
        &bank,
        id,
        Some("b1"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap();
    reverse(&app, &bank, id, r).await;
    recorded_at(&app, r, "2026-02-15 10:00:00", Some("2026-02-15 16:00:00"));
    let s = statement(&app, &bank, "2026-02-15").await;
    let kinds: Vec<(&str, i64)> = s["repayments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["amount_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("repayment", 3_000), ("reversal", -3_000)]);
    assert_eq!(line(&s, id)["repaid_that_day_fen"], 0);
    // A back-dated repayment recorded later is not in the book of its value date: on
    // 2026-02-20 the bank records 3,000 paid on 2026-02-18.
    let late = repay(
        &app,
        &bank,
        id,
        Some("b2"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-18"}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap();
    recorded_at(&app, late, "2026-02-20 09:00:00", None);
    let on18 = statement(&app, &bank, "2026-02-18").await;
    assert_eq!(on18["repayments"], json!([]));
    // Unpaid interest 3,000 due 02-15, 3 days of penalty-free interest accrual
    // (600,000 × 0.06 × 3 / 360 = 300): 3,300 owed at the end of 02-18.
    assert_eq!(line(&on18, id)["accrued_interest_fen"], 3_300);
    let on20 = statement(&app, &bank, "2026-02-20").await;
    assert_eq!(on20["repayments"][0]["repayment_id"], late);
    assert_eq!(on20["repayments"][0]["interest_fen"], 3_000);
}

#[actix_web::test]
async fn ageing_a_past_day_gives_what_that_day_had() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // Instalment 1 (3,000 of interest) due 2026-02-15 is paid on 2026-02-20 (recorded
    // then) and the payment reversed on 2026-03-10.
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let r = repay(
        &app,
        &bank,
        id,
        Some("c1"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-20"}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap();
    reverse(&app, &bank, id, r).await;
    recorded_at(&app, r, "2026-02-20 10:00:00", Some("2026-03-10 10:00:00"));
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let dpd = |app: &TestApp| -> (i32, String) {
        use coophub::db::schema::loans;
        use diesel::prelude::*;
        loans::table
            .filter(loans::id.eq(id))
            .select((loans::days_past_due, loans::classification))
            .first(&mut *app.conn())
            .unwrap()
    };
    // On 2026-02-18: 3 days past due; on 2026-02-25: paid, nothing due; on 2026-03-12,
    // the payment reversed: 25 days past due (since 2026-02-15).
    for (on, want) in [
        ("2026-02-18", (3, "special_mention")),
        ("2026-02-25", (0, "normal")),
        ("2026-03-12", (25, "special_mention")),
        ("2026-02-25", (0, "normal")),
    ] {
        age_all(&mut app.conn(), d(on)).unwrap();
        assert_eq!(dpd(&app), (want.0, want.1.to_string()), "on {on}");
    }
}
