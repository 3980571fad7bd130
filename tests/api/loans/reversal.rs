//! Reversing a repayment: kept in the ledger, the book re-read, a settled loan re-opened.

use actix_web::test::TestRequest;
use coophub::auth::Role;
use coophub::db::schema::webhook_deliveries;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{loan_at, other_bank, At};
use crate::common::fixtures::{product, repay};
use crate::common::{Resp, TestApp, TOWN_A};

async fn reverse(
    app: &TestApp,
    token: &str,
    loan: i64,
    rep: i64,
    key: Option<&str>,
    body: Value,
) -> Resp {
    let mut req = TestRequest::post()
        .uri(&format!("/api/v1/loans/{loan}/repayments/{rep}/reverse"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(body);
    if let Some(k) = key {
        req = req.insert_header(("Idempotency-Key", k));
    }
    app.request(req).await
}

#[actix_web::test]
async fn a_reversal_reopens_a_settled_loan() {
    let app = TestApp::new().await;
    app.post(
        "/api/v1/webhooks",
        &app.token(Role::BankPartner),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["loan.repayment_reversed"], "secret": "whsec_test_0123456789abcdef"}),
    )
    .await
    .ok(201);
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // Bullet 600,000 at 6 % from 2026-01-15: 3,000 due 2026-02-15, 603,000 due 2026-03-15.
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    repay(
        &app,
        &bank,
        id,
        Some("r1"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    let last = repay(
        &app,
        &bank,
        id,
        Some("r2"),
        json!({"amount_fen": 603_000, "paid_on": "2026-03-15"}),
    )
    .await
    .ok(201);
    assert_eq!(last["loan_status"], "settled");
    let rid = last["id"].as_i64().unwrap();
    let body = json!({"reason": "重复入账，冲正"});
    // Who may reverse: the bank; others 403, another bank 404, unknown repayment 404.
    for role in [Role::Cooperative, Role::Observer, Role::TownOfficer] {
        reverse(&app, &app.token(role), id, rid, None, body.clone())
            .await
            .problem(403);
    }
    reverse(&app, &other_bank(&app), id, rid, None, body.clone())
        .await
        .problem(404);
    reverse(&app, &bank, id, 999_999, None, body.clone())
        .await
        .problem(404);
    reverse(&app, &bank, id, rid, None, json!({}))
        .await
        .field_error("reason");
    reverse(&app, &bank, id, rid, None, json!({"reason": ""}))
        .await
        .field_error("reason");
    let r = reverse(&app, &bank, id, rid, Some("rev-1"), body.clone())
        .await
        .ok(200);
    assert_eq!(r["reversal_reason"], "重复入账，冲正");
    assert!(r["reversed_at"].is_string());
    // Instalment 2 (due 2026-03-15) is unpaid again and long past due: re-opened overdue,
    // the 600,000 of principal and 3,000 of interest outstanding again.
    assert_eq!(r["loan_status"], "overdue");
    assert_eq!(r["outstanding_principal_fen"], 600_000);
    assert_eq!(r["outstanding_interest_fen"], 3_000);
    // A retry with the same key replays; without it, a second reversal is a 409.
    let again = reverse(&app, &bank, id, rid, Some("rev-1"), body.clone()).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    reverse(&app, &bank, id, rid, None, body.clone())
        .await
        .problem(409);
    // Kept in the ledger, marked; the loan's sums count only what stands.
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    let items = reps["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[1]["reversed_at"].is_string());
    let l = app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200);
    assert_eq!(
        (
            l["paid_interest_fen"].as_i64(),
            l["paid_principal_fen"].as_i64()
        ),
        (Some(3_000), Some(0))
    );
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    let last_event = h["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            last_event["action"].as_str(),
            last_event["to_status"].as_str()
        ),
        (Some("reopen-overdue"), Some("overdue"))
    );
    let events: Vec<String> = webhook_deliveries::table
        .select(webhook_deliveries::event_type)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(events, ["loan.repayment_reversed"]);
    // Incremental sync: only what changed after an instant.
    let t = items[1]["updated_at"].as_str().unwrap().to_string();
    let since = app
        .get(
            &format!("/api/v1/loans/{id}/repayments?updated_since=2000-01-01T00:00:00Z"),
            &bank,
        )
        .await
        .ok(200);
    assert_eq!(since["items"].as_array().unwrap().len(), 2);
    let later = app
        .get(
            &format!(
                "/api/v1/loans/{id}/repayments?updated_since={}",
                t.replace('+', "%2B")
            ),
            &bank,
        )
        .await
        .ok(200);
    assert!(later["items"].as_array().unwrap().is_empty(), "{later}");
    app.get(
        &format!("/api/v1/loans/{id}/repayments?updated_since=yesterday"),
        &bank,
    )
    .await
    .problem(400);
    // The loan can be paid again: the payoff now carries penalty interest.
    let q = app
        .get(&format!("/api/v1/loans/{id}/payoff?on=2026-03-15"), &bank)
        .await
        .ok(200);
    assert_eq!(q["total_fen"], 603_000);
}

#[actix_web::test]
async fn a_reversal_re_reads_later_repayments() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let first = repay(
        &app,
        &bank,
        id,
        Some("a"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    repay(
        &app,
        &bank,
        id,
        Some("b"),
        json!({"amount_fen": 3_000, "paid_on": "2026-03-15"}),
    )
    .await
    .ok(201);
    // Reversing the first: the second (3,000 on 2026-03-15) now pays instalment 1's interest
    // (overdue since 2026-02-15, no penalty: no principal was overdue) and nothing of
    // instalment 2.
    let r = reverse(
        &app,
        &bank,
        id,
        first["id"].as_i64().unwrap(),
        None,
        json!({"reason": "退票"}),
    )
    .await
    .ok(200);
    assert_eq!(r["loan_status"], "disbursed", "not settled, left as it was");
    let s = app
        .get(&format!("/api/v1/loans/{id}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["items"][0]["paid_interest_fen"], 3_000);
    assert_eq!(s["items"][1]["paid_interest_fen"], 0);
}
