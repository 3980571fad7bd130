//! Interest as banks book it, through the API: the worked examples of the loan book (the
//! arithmetic is in `src/domain/loan_book/tests.rs` too), the payoff, prepayments, penalty
//! interest at the product's markup.
//!
//! The loan: 10,000,000 fen at 4.35 % (435 bp), 12 months 等额本息, disbursed 2025-11-15,
//! due on the 15th from 2025-12-15. Level payment 853,099; schedule (principal, interest):
//!  1 816,849 36,250 | 2 819,810 33,289 | 3 822,782 30,317 | 4 825,764 27,335
//!  5 828,758 24,341 | 6 831,762 21,337 | 7 834,777 18,322 | 8 837,803 15,296
//!  9 840,840 12,259 | 10 843,888 9,211 | 11 846,947 6,152 | 12 850,020 3,081

use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::loans::other_bank;
use crate::common::fixtures::{act, apply, product, repay};
use crate::common::{TestApp, TOWN_A};

const SCHEDULE: [(i64, i64); 12] = [
    (816_849, 36_250),
    (819_810, 33_289),
    (822_782, 30_317),
    (825_764, 27_335),
    (828_758, 24_341),
    (831_762, 21_337),
    (834_777, 18_322),
    (837_803, 15_296),
    (840_840, 12_259),
    (843_888, 9_211),
    (846_947, 6_152),
    (850_020, 3_081),
];

/// Due date of instalment `k` (1-based): the 15th, from December 2025.
fn due(k: usize) -> String {
    let (y, m) = if k == 1 { (2025, 12) } else { (2026, k - 1) };
    format!("{y}-{m:02}-15")
}

/// The example loan, disbursed; returns (app, bank token, loan id).
async fn example() -> (TestApp, String, i64) {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "equal_installment", false).await;
    let bank = app.token(Role::BankPartner);
    let id = apply(&app, coop, prod, 10_000_000, 12).await;
    act(&app, &bank, id, "review", json!({})).await.ok(200);
    act(&app, &bank, id, "approve", json!({"annual_rate_bp": 435}))
        .await
        .ok(200);
    act(
        &app,
        &bank,
        id,
        "disburse",
        json!({"disbursed_on": "2025-11-15"}),
    )
    .await
    .ok(200);
    (app, bank, id)
}

async fn pay(app: &TestApp, bank: &str, id: i64, key: &str, amount: i64, on: &str) -> Value {
    repay(
        app,
        bank,
        id,
        Some(key),
        json!({"amount_fen": amount, "paid_on": on}),
    )
    .await
    .ok(201)
}

#[actix_web::test]
async fn twelve_months_on_time_to_the_fen() {
    let (app, bank, id) = example().await;
    let mut interest = 0;
    // The last instalment is 850,020 + 3,081 = 853,101 (the rounding remainder); it falls
    // due 2026-11-15, before today.
    for (k, (p, i)) in SCHEDULE.iter().enumerate() {
        let r = pay(&app, &bank, id, &format!("m{k}"), p + i, &due(k + 1)).await;
        assert_eq!(r["allocated"]["penalty_interest_fen"], 0);
        assert_eq!(r["allocated"]["interest_fen"], *i, "instalment {}", k + 1);
        assert_eq!(r["allocated"]["principal_fen"], *p, "instalment {}", k + 1);
        assert_eq!(r["prepaid_principal_fen"], 0);
        interest += i;
    }
    // Σ interest = 237,190; the loan is settled with nothing left.
    assert_eq!(interest, 237_190);
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["status"], "settled");
    assert_eq!(l["paid_interest_fen"], 237_190);
    assert_eq!(l["paid_principal_fen"], 10_000_000);
    assert_eq!(l["outstanding_principal_fen"], 0);
    assert_eq!(l["days_past_due"], 0);
    // The ledger keeps every split.
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"][0]["allocated"]["interest_fen"], 36_250);
}

#[actix_web::test]
async fn one_instalment_45_days_late_then_cured() {
    let (app, bank, id) = example().await;
    for k in 1..=2 {
        let (p, i) = SCHEDULE[k - 1];
        pay(&app, &bank, id, &format!("m{k}"), p + i, &due(k)).await;
    }
    // Instalment 3 (due 2026-02-15) is not paid: the bank marks the loan overdue.
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    // On 2026-04-01 it is 45 days late (13 days of February, 31 of March, 1 of April) and
    // instalment 4 (due 2026-03-15) 17 days. Penalty at 4.35 % × 1.5 = 6.525 %, /360, on
    // overdue principal: (822,782 × 45 + 825,764 × 17) × 0.06525 / 360 = 9,255.20… → 9,255.
    let q = app
        .get(&format!("/api/v1/loans/{id}/payoff?on=2026-04-01"), &bank)
        .await
        .ok(200);
    assert_eq!(q["penalty_interest_fen"], 9_255);
    // Due: 9,255 + 30,317 + 822,782 + 27,335 + 825,764 = 1,715,453.
    let r = pay(&app, &bank, id, "late", 1_715_453, "2026-04-01").await;
    assert_eq!(r["allocated"]["penalty_interest_fen"], 9_255);
    assert_eq!(r["allocated"]["interest_fen"], 30_317 + 27_335);
    assert_eq!(r["allocated"]["principal_fen"], 822_782 + 825_764);
    assert_eq!(r["penalty_interest_fen"], 9_255);
    // Cured: back to disbursed, nothing past due.
    assert_eq!(r["loan_status"], "disbursed");
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    let last = h["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "cure");
    // The rest on time: the schedule is unchanged, 24,341 interest on instalment 5.
    for k in 5..=12 {
        let (p, i) = SCHEDULE[k - 1];
        let r = pay(&app, &bank, id, &format!("m{k}"), p + i, &due(k)).await;
        assert_eq!(r["allocated"]["interest_fen"], i);
    }
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["status"], "settled");
    // Interest paid: the schedule's 237,190 and the 9,255 of penalty interest apart.
    assert_eq!(l["paid_interest_fen"], 237_190);
}

/// Pays instalments 1–3 on time and, on instalment 4's due date (2026-03-15), instalment 4
/// (853,099) and half the principal (5,000,000) with `mode`.
async fn prepaid_in_month_4(mode: &str) -> (TestApp, String, i64, Value) {
    let (app, bank, id) = example().await;
    for k in 1..=3 {
        let (p, i) = SCHEDULE[k - 1];
        pay(&app, &bank, id, &format!("m{k}"), p + i, &due(k)).await;
    }
    let r = app
        .request(
            actix_web::test::TestRequest::post()
                .uri(&format!("/api/v1/loans/{id}/repayments?prepayment={mode}"))
                .insert_header(("Authorization", format!("Bearer {bank}")))
                .insert_header(("Idempotency-Key", "pre"))
                .set_json(json!({"amount_fen": 5_853_099, "paid_on": "2026-03-15"})),
        )
        .await
        .ok(201);
    assert_eq!(r["allocated"]["interest_fen"], 27_335);
    assert_eq!(r["allocated"]["principal_fen"], 825_764 + 5_000_000);
    assert_eq!(r["prepaid_principal_fen"], 5_000_000);
    assert_eq!(r["prepayment"], mode);
    // Left: 10,000,000 − 816,849 − 819,810 − 822,782 − 825,764 − 5,000,000 = 1,714,795.
    assert_eq!(r["outstanding_principal_fen"], 1_714_795);
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    (app, bank, id, s)
}

fn unpaid(s: &Value, k: usize) -> (i64, i64) {
    let i = &s["items"][k - 1];
    (
        i["outstanding_principal_fen"].as_i64().unwrap(),
        i["interest_fen"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn half_the_principal_prepaid_in_month_4_reduce_payment() {
    let (_, _, _, s) = prepaid_in_month_4("reduce_payment").await;
    // Same 8 instalments left, new level payment 1,714,795 × 0.003625 / (1 − 1.003625^−8)
    // = 217,861: instalment 5 interest round(1,714,795 × 435 / 120,000) = 6,216, principal
    // 211,645; the last 217,072 + 787.
    assert_eq!(s["items"].as_array().unwrap().len(), 12);
    assert_eq!(unpaid(&s, 5), (211_645, 6_216));
    assert_eq!(unpaid(&s, 12), (217_072, 787));
    assert_eq!(s["items"][4]["due_on"], "2026-04-15");
}

#[actix_web::test]
async fn half_the_principal_prepaid_in_month_4_reduce_term() {
    let (app, bank, id, s) = prepaid_in_month_4("reduce_term").await;
    // The payment stays 853,099: 846,883 + 6,216, then 849,953 + 3,146, then the last
    // 17,959 + 65: seven instalments in all, the last due 2026-06-15.
    let items = s["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(unpaid(&s, 5), (846_883, 6_216));
    assert_eq!(unpaid(&s, 6), (849_953, 3_146));
    assert_eq!(unpaid(&s, 7), (17_959, 65));
    assert_eq!(items[6]["due_on"], "2026-06-15");
    // Principal still sums exactly to the loan.
    let total: i64 = items
        .iter()
        .map(|i| i["principal_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 10_000_000);
    for (k, amount) in [(5, 853_099), (6, 853_099), (7, 18_024)] {
        pay(&app, &bank, id, &format!("m{k}"), amount, &due(k)).await;
    }
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["status"], "settled");
}

#[actix_web::test]
async fn the_payoff_between_due_dates_and_only_more_is_an_overpayment() {
    let (app, bank, id) = example().await;
    pay(&app, &bank, id, "m1", 853_099, "2025-12-15").await;
    // On 2025-12-29, 14 days after the due date: 9,183,151 × 0.0435 × 14 / 360 = 15,534.83…
    let q = app
        .get(&format!("/api/v1/loans/{id}/payoff?on=2025-12-29"), &bank)
        .await
        .ok(200);
    assert_eq!(
        q,
        json!({"loan_id": id, "on": "2025-12-29", "principal_fen": 9_183_151,
               "interest_fen": 15_535, "penalty_interest_fen": 0, "total_fen": 9_198_686})
    );
    let p = repay(
        &app,
        &bank,
        id,
        Some("over"),
        json!({"amount_fen": 9_198_687, "paid_on": "2025-12-29"}),
    )
    .await
    .field_error("amount_fen");
    assert!(p["detail"].as_str().unwrap().contains("9198686"));
    let r = pay(&app, &bank, id, "all", 9_198_686, "2025-12-29").await;
    assert_eq!(r["loan_status"], "settled");
    assert_eq!(r["allocated"]["interest_fen"], 15_535);
    // Never the full term's interest: 36,250 + 15,535 paid instead of 237,190.
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["paid_interest_fen"], 36_250 + 15_535);
    // A repayment dated before the last one is refused, naming the date.
    let (app, bank, id) = example().await;
    pay(&app, &bank, id, "m1", 853_099, "2025-12-15").await;
    repay(
        &app,
        &bank,
        id,
        Some("back"),
        json!({"amount_fen": 1, "paid_on": "2025-12-14"}),
    )
    .await
    .field_error("paid_on");
}

#[actix_web::test]
async fn payoff_roles_scope_and_bad_input() {
    let (app, bank, id) = example().await;
    let path = format!("/api/v1/loans/{id}/payoff");
    for role in [
        Role::DistrictAdmin,
        Role::Observer,
        Role::Cooperative,
        Role::TownOfficer,
    ] {
        app.get(&path, &app.token(role)).await.ok(200);
    }
    for role in [Role::Counselor, Role::ServiceCenter] {
        app.get(&path, &app.token(role)).await.problem(403);
    }
    app.get(&path, &other_bank(&app)).await.problem(404);
    app.get("/api/v1/loans/999999/payoff", &bank)
        .await
        .problem(404);
    // Before the disbursement, out of range, malformed.
    app.get(&format!("{path}?on=2025-11-14"), &bank)
        .await
        .field_error("on");
    app.get(&format!("{path}?on=2200-01-01"), &bank)
        .await
        .field_error("on");
    let p = app
        .get(&format!("{path}?on=yesterday"), &bank)
        .await
        .problem(400);
    assert!(p["detail"].as_str().unwrap().contains("on"));
    app.get(&format!("{path}?other=1"), &bank)
        .await
        .problem(400);
    // A loan never disbursed has no payoff.
    let coop = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let fresh = apply(&app, coop, prod, 1_000, 2).await;
    app.get(&format!("/api/v1/loans/{fresh}/payoff"), &bank)
        .await
        .problem(409);
    // An unknown prepayment mode names the parameter.
    let p = app
        .request(
            actix_web::test::TestRequest::post()
                .uri(&format!("/api/v1/loans/{id}/repayments?prepayment=shorter"))
                .insert_header(("Authorization", format!("Bearer {bank}")))
                .insert_header(("Idempotency-Key", "bad-mode"))
                .set_json(json!({"amount_fen": 1, "paid_on": "2025-12-15"})),
        )
        .await
        .problem(400);
    assert!(p["detail"].as_str().unwrap().contains("prepayment"));
}

#[actix_web::test]
async fn penalty_interest_at_the_products_markup() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let body = |markup: Value| {
        json!({"bank_code": "psbc", "name": "惠农贷 罚息", "annual_rate_bp": 600,
               "max_amount_fen": 100_000_000, "max_term_months": 36,
               "repayment_method": "bullet", "risk_compensation_eligible": false,
               "penalty_rate_markup_bp": markup})
    };
    app.post("/api/v1/loan-products", &app.admin(), body(json!(20_001)))
        .await
        .field_error("penalty_rate_markup_bp");
    let p = app
        .post("/api/v1/loan-products", &app.admin(), body(json!(10_000)))
        .await
        .ok(201);
    assert_eq!(p["penalty_rate_markup_bp"], 10_000);
    let plain = product(&app, "psbc", "bullet", false).await;
    let got = app
        .get(&format!("/api/v1/loan-products/{plain}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(got["penalty_rate_markup_bp"], 5_000, "the default");
    let bank = app.token(Role::BankPartner);
    let id =
        crate::common::fixtures::disbursed(&app, &bank, coop, p["id"].as_i64().unwrap(), 600_000)
            .await;
    // Bullet, 600,000 at 6 % from 2026-01-15: the principal is overdue from 2026-03-16. On
    // 2026-04-01, 17 days at 6 % × 2 = 12 %: 600,000 × 0.12 × 17 / 360 = 3,400.
    pay(&app, &bank, id, "i1", 3_000, "2026-02-15").await;
    let q = app
        .get(&format!("/api/v1/loans/{id}/payoff?on=2026-04-01"), &bank)
        .await
        .ok(200);
    assert_eq!(q["penalty_interest_fen"], 3_400);
    assert_eq!(q["total_fen"], 3_400 + 3_000 + 600_000);
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(l["penalty_rate_markup_bp"], 10_000);
}
