//! Agricultural loans through the API: the life of a loan, who may do what, the limits of an
//! application. Lists and products, repayments, the fund and the use cases without HTTP are in
//! the sub-modules.

mod ageing;
mod book;
mod claims;
mod claims_list;
mod fund_races;
mod idempotency;
mod interest;
mod lists;
mod repayments;
mod reversal;
mod risk_fund;
mod service;
mod statement_as_of;
mod statement_batches;
mod statements;

use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::loans::partner_with_token;
use crate::common::fixtures::{act, apply, contribute, disbursed, product, repay};
use crate::common::{TestApp, TOWN_A, TOWN_B};

#[actix_web::test]
async fn whole_lifecycle_by_a_bank_client() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "equal_principal", true).await;
    contribute(&app, 10_000_000).await;
    let (_, bank) = partner_with_token(&app, "psbc").await;
    // The cooperative applies for itself.
    let l = app
        .post(
            "/api/v1/loans",
            &app.token(Role::Cooperative),
            json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1_000_000, "term_months": 3, "purpose": "购置茶叶加工设备"}),
        )
        .await
        .ok(201);
    assert_eq!(l["status"], "submitted");
    assert_eq!(l["bank_code"], "psbc");
    assert_eq!(l["annual_rate_bp"], 600);
    assert_eq!(l["outstanding_principal_fen"], 0);
    let id = l["id"].as_i64().unwrap();

    // Preview of the schedule before disbursement.
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["preview"], true);
    assert_eq!(s["total_principal_fen"], 1_000_000);

    assert_eq!(
        act(&app, &bank, id, "review", json!({})).await.ok(200)["status"],
        "under_review"
    );
    // Not above what was asked.
    act(
        &app,
        &bank,
        id,
        "approve",
        json!({"approved_amount_fen": 1_000_001}),
    )
    .await
    .field_error("approved_amount_fen");
    act(&app, &bank, id, "approve", json!({"annual_rate_bp": 601}))
        .await
        .field_error("annual_rate_bp");
    let a = act(
        &app,
        &bank,
        id,
        "approve",
        json!({"approved_amount_fen": 900_000, "annual_rate_bp": 600}),
    )
    .await
    .ok(200);
    assert_eq!(a["status"], "approved");
    assert_eq!(a["approved_amount_fen"], 900_000);
    // The district may not act for a bank that has an integration.
    act(&app, &app.admin(), id, "disburse", json!({}))
        .await
        .problem(403);
    let d = act(
        &app,
        &bank,
        id,
        "disburse",
        json!({"disbursed_on": "2026-03-01"}),
    )
    .await
    .ok(200);
    assert_eq!(d["status"], "disbursed");
    assert_eq!(d["outstanding_principal_fen"], 900_000);

    // Schedule: 300,000 × 3 at 6 %: interest 4,500, 3,000, 1,500.
    let s = app
        .get(
            &format!("/api/v1/loans/{id}/schedule"),
            &app.token(Role::Cooperative),
        )
        .await
        .ok(200);
    assert_eq!(s["preview"], false);
    let items = s["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["due_on"], "2026-04-01");
    assert_eq!(items[0]["principal_fen"], 300_000);
    assert_eq!(items[0]["interest_fen"], 4_500);
    assert_eq!(items[2]["interest_fen"], 1_500);
    let total = 900_000 + 4_500 + 3_000 + 1_500;

    let r = repay(
        &app,
        &bank,
        id,
        Some("k1"),
        json!({"amount_fen": 304_500, "paid_on": "2026-04-01"}),
    )
    .await
    .ok(201);
    assert_eq!(r["principal_fen"], 300_000);
    assert_eq!(r["interest_fen"], 4_500);
    assert_eq!(r["loan_status"], "disbursed");
    assert_eq!(r["outstanding_principal_fen"], 600_000);
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["items"][0]["paid_principal_fen"], 300_000);
    assert_eq!(s["items"][0]["paid_interest_fen"], 4_500);
    assert_eq!(s["items"][1]["paid_principal_fen"], 0);

    // Late: overdue, then a repayment covering what is due cures it. Instalment 2 (300,000
    // + 3,000, due 2026-05-01) is 9 days late on 2026-05-10: penalty interest at 6 % × 1.5 on
    // the overdue principal, 300,000 × 0.09 × 9 / 360 = 675; due 675 + 3,000 + 300,000.
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    let r = repay(
        &app,
        &bank,
        id,
        Some("k2"),
        json!({"amount_fen": 303_675, "paid_on": "2026-05-10"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "disbursed");
    assert_eq!(r["allocated"]["penalty_interest_fen"], 675);
    assert_eq!(r["allocated"]["interest_fen"], 3_000);
    assert_eq!(r["allocated"]["principal_fen"], 300_000);
    // Overpayment: on 2026-05-20 the payoff is the 300,000 left plus interest accrued since
    // 2026-05-01, 300,000 × 0.06 × 19 / 360 = 950 (not the instalment's 1,500).
    let left = 300_000 + 950;
    assert!(left < total - 304_500 - 303_000);
    let q = app
        .get(&format!("/api/v1/loans/{id}/payoff?on=2026-05-20"), &bank)
        .await
        .ok(200);
    assert_eq!(q["total_fen"], left);
    repay(
        &app,
        &bank,
        id,
        Some("k3"),
        json!({"amount_fen": left + 1, "paid_on": "2026-05-20"}),
    )
    .await
    .field_error("amount_fen");
    // The last fen settles it.
    repay(
        &app,
        &bank,
        id,
        Some("k4"),
        json!({"amount_fen": left - 1, "paid_on": "2026-05-20"}),
    )
    .await
    .ok(201);
    let r = repay(
        &app,
        &bank,
        id,
        Some("k5"),
        json!({"amount_fen": 1, "paid_on": "2026-05-21"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    assert_eq!(r["outstanding_principal_fen"], 0);
    assert_eq!(r["outstanding_interest_fen"], 0);
    // Nothing more can happen.
    let p = repay(
        &app,
        &bank,
        id,
        Some("k6"),
        json!({"amount_fen": 1, "paid_on": "2026-05-21"}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("settled"));

    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &app.admin())
        .await
        .ok(200);
    let steps: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "under_review",
            "approved",
            "disbursed",
            "overdue",
            "disbursed",
            "settled"
        ]
    );
    assert_eq!(h["items"][0]["actor_role"], "cooperative");
    assert_eq!(h["items"][1]["actor_role"], "bank_partner");
    assert!(h["items"][1]["actor"].as_str().unwrap().starts_with("cp_"));
    assert!(h["items"][1]["occurred_at"].is_string());
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn the_district_acts_for_a_bank_without_integration() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "cqrcb", "bullet", false).await;
    let id = disbursed(&app, &app.admin(), coop, prod, 600_000).await;
    let r = repay(
        &app,
        &app.admin(),
        id,
        None,
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    assert_eq!(r["interest_fen"], 3_000);
}

#[actix_web::test]
async fn illegal_transitions_are_409_naming_the_state() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = apply(&app, coop, prod, 100_000, 2).await;
    for action in ["approve", "disburse", "mark-overdue", "default"] {
        let p = act(&app, &bank, id, action, json!({})).await.problem(409);
        assert!(p["detail"].as_str().unwrap().contains("submitted"), "{p}");
    }
    act(&app, &bank, id, "reject", json!({"reason": "x"}))
        .await
        .problem(409);
    act(&app, &app.admin(), id, "compensation", json!({}))
        .await
        .problem(409);
    act(&app, &bank, id, "review", json!({})).await.ok(200);
    act(&app, &bank, id, "reject", json!({}))
        .await
        .field_error("reason");
    let r = act(&app, &bank, id, "reject", json!({"reason": "经营流水不足"}))
        .await
        .ok(200);
    assert_eq!(r["status"], "rejected");
    let p = act(
        &app,
        &app.token(Role::Cooperative),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("rejected"));
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &app.admin())
        .await
        .ok(200);
    assert_eq!(h["items"][2]["note"], "经营流水不足");
}

#[actix_web::test]
async fn who_may_do_what() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let id = apply(&app, coop, prod, 100_000, 2).await;
    // Only the cooperative withdraws; it does not act for the bank.
    act(
        &app,
        &app.token(Role::BankPartner),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .problem(403);
    act(&app, &app.admin(), id, "withdraw", json!({}))
        .await
        .problem(403);
    act(&app, &app.token(Role::Cooperative), id, "review", json!({}))
        .await
        .problem(403);
    for role in [Role::Observer, Role::TownOfficer] {
        act(&app, &app.token(role), id, "review", json!({}))
            .await
            .problem(403);
        app.get(&format!("/api/v1/loans/{id}"), &app.token(role))
            .await
            .ok(200);
    }
    for role in [Role::Counselor, Role::ServiceCenter] {
        app.get(&format!("/api/v1/loans/{id}"), &app.token(role))
            .await
            .problem(403);
        app.get("/api/v1/loans", &app.token(role))
            .await
            .problem(403);
    }
    // A bank does not apply; nor does an observer.
    let body = json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1, "term_months": 1, "purpose": "x"});
    app.post("/api/v1/loans", &app.token(Role::BankPartner), body.clone())
        .await
        .problem(403);
    app.post("/api/v1/loans", &app.token(Role::Observer), body)
        .await
        .problem(403);
    // Products and the fund are the district's.
    app.post(
        "/api/v1/loan-products",
        &app.token(Role::BankPartner),
        json!({"bank_code": "psbc", "name": "x", "annual_rate_bp": 1, "max_amount_fen": 1, "max_term_months": 1, "repayment_method": "bullet", "risk_compensation_eligible": true}),
    )
    .await
    .problem(403);
    app.post(
        "/api/v1/risk-fund/contributions",
        &app.token(Role::BankPartner),
        json!({"amount_fen": 1, "source": "x", "contributed_on": "2026-01-01"}),
    )
    .await
    .problem(403);
    app.get("/api/v1/risk-fund", &app.token(Role::TownOfficer))
        .await
        .problem(403);
    app.get("/api/v1/risk-fund", &app.token(Role::BankPartner))
        .await
        .ok(200);
    act(
        &app,
        &app.token(Role::BankPartner),
        id,
        "compensation",
        json!({}),
    )
    .await
    .problem(403);
    let p = act(
        &app,
        &app.token(Role::Cooperative),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .ok(200);
    assert_eq!(p["status"], "withdrawn");
}

#[actix_web::test]
async fn applications_within_the_product_limits() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let post = |coop: i64, product: i64, amount: i64, term: i64, token: String| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/loans",
                &token,
                json!({"cooperative_id": coop, "product_id": product, "amount_fen": amount, "term_months": term, "purpose": "x"}),
            )
            .await
        }
    };
    post(coop, prod, 100_000_001, 12, app.admin())
        .await
        .field_error("amount_fen");
    post(coop, prod, 1_000, 37, app.admin())
        .await
        .field_error("term_months");
    post(coop, prod, 0, 12, app.admin())
        .await
        .field_error("amount_fen");
    post(coop, 999, 1_000, 12, app.admin())
        .await
        .field_error("product_id");
    // Another cooperative is out of a cooperative's scope.
    post(other, prod, 1_000, 12, app.token(Role::Cooperative))
        .await
        .problem(404);
    app.post(
        &format!("/api/v1/loan-products/{prod}/retire"),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    let p = post(coop, prod, 1_000, 12, app.admin())
        .await
        .field_error("product_id");
    assert_eq!(p["errors"][0]["code"], "retired");
    app.post(
        "/api/v1/loans",
        &app.admin(),
        json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1, "term_months": 1, "purpose": "x", "extra": 1}),
    )
    .await
    .problem(400);
}

#[actix_web::test]
async fn paying_off_an_overdue_loan_settles_it_through_disbursed() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    // Everything on 2026-04-01: 3,000 + 603,000 scheduled, and penalty interest on the
    // 600,000 overdue since 2026-03-15 for 17 days at 6 % × 1.5: 600,000 × 0.09 × 17 / 360
    // = 2,550.
    let r = repay(
        &app,
        &bank,
        id,
        Some("all"),
        json!({"amount_fen": 608_550, "paid_on": "2026-04-01"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    let steps: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "under_review",
            "approved",
            "disbursed",
            "overdue",
            "disbursed",
            "settled"
        ]
    );
}
