//! Repayments and `Idempotency-Key`: replays, reuse with another body, keys left by a
//! request that died, concurrency.

use actix_web::test::TestRequest;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{in_flight_key, other_bank};
use crate::common::fixtures::{act, apply, disbursed, product, repay};
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn idempotent_repayments() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let body = json!({"amount_fen": 3_000, "paid_on": "2026-02-15"});
    // Required for bank partners.
    repay(&app, &bank, id, None, body.clone())
        .await
        .problem(400);
    let first = repay(&app, &bank, id, Some("rep-1"), body.clone()).await;
    let first_body = first.ok(201);
    let loan_url = format!("/api/v1/loans/{id}");
    let before = app.get(&loan_url, &bank).await.ok(200);
    // The replay's change ran and was rolled back when its key was found done.
    let again = repay(&app, &bank, id, Some("rep-1"), body.clone()).await;
    assert_eq!(again.ok(201), first_body);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let after = app.get(&loan_url, &bank).await.ok(200);
    assert_eq!(
        after["version"], before["version"],
        "the replay changed nothing"
    );
    assert_eq!(after["paid_interest_fen"], before["paid_interest_fen"]);
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 1);
    // Same key, other body.
    repay(
        &app,
        &bank,
        id,
        Some("rep-1"),
        json!({"amount_fen": 3_001, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("Idempotency-Key");
    // A failed request does not burn its key.
    repay(
        &app,
        &bank,
        id,
        Some("rep-2"),
        json!({"amount_fen": 999_999_999, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("amount_fen");
    repay(
        &app,
        &bank,
        id,
        Some("rep-2"),
        json!({"amount_fen": 100, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    // A key the earlier scheme left "in flight" when its process died stands for nothing:
    // its retry performs the repayment once, and the next retry replays it.
    let b3 = json!({"amount_fen": 1, "paid_on": "2026-02-15"});
    let request = format!(
        "POST /api/v1/loans/{id}/repayments\n{}",
        serde_json::to_string(&b3).unwrap()
    );
    in_flight_key(&app, "bank_partner:1000:psbc", "rep-3", &request);
    let performed = repay(&app, &bank, id, Some("rep-3"), b3.clone())
        .await
        .ok(201);
    let replayed = repay(&app, &bank, id, Some("rep-3"), b3).await;
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replayed.ok(201), performed);
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 3);
    // Keys belong to their caller: another bank's client with the same key is not a replay.
    let loan = format!("/api/v1/loans/{id}");
    let version = app.get(&loan, &bank).await.ok(200)["version"].clone();
    repay(&app, &other_bank(&app), id, Some("rep-1"), body)
        .await
        .problem(404);
    // Refused after the loan's row was taken (more than is left): the lock goes back with it.
    let too_much = json!({"amount_fen": 600_001, "paid_on": "2026-02-16"});
    repay(&app, &bank, id, Some("rep-9"), too_much)
        .await
        .field_error("amount_fen");
    assert_eq!(app.get(&loan, &bank).await.ok(200)["version"], version);
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_record_once() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let body = json!({"amount_fen": 3_000, "paid_on": "2026-02-15"});
    let (a, b) = futures_util::join!(
        repay(&app, &bank, id, Some("same"), body.clone()),
        repay(&app, &bank, id, Some("same"), body.clone())
    );
    let mut codes = vec![a.status.as_u16(), b.status.as_u16()];
    codes.sort();
    assert!(
        codes == vec![201, 201] || codes == vec![201, 409],
        "{codes:?}"
    );
    if codes == vec![201, 201] {
        assert_eq!(a.json(), b.json(), "the second is a replay");
    }
    let reps = app
        .get(&format!("/api/v1/loans/{id}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn repayment_input_is_checked() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    repay(
        &app,
        &bank,
        id,
        Some("a"),
        json!({"amount_fen": 0, "paid_on": "2026-02-15"}),
    )
    .await
    .field_error("amount_fen");
    repay(
        &app,
        &bank,
        id,
        Some("b"),
        json!({"amount_fen": 1, "paid_on": "2026-01-01"}),
    )
    .await
    .field_error("paid_on");
    repay(
        &app,
        &bank,
        id,
        Some("c"),
        json!({"amount_fen": 1, "paid_on": "2999-01-01"}),
    )
    .await
    .field_error("paid_on");
    repay(&app, &bank, id, Some("d"), json!({"amount_fen": 1}))
        .await
        .field_error("paid_on");
    repay(
        &app,
        &app.token(Role::Cooperative),
        id,
        Some("e"),
        json!({"amount_fen": 1, "paid_on": "2026-02-15"}),
    )
    .await
    .problem(403);
    // Exactly the whole amount settles in one go.
    let r = repay(
        &app,
        &bank,
        id,
        Some("f"),
        json!({"amount_fen": 606_000, "paid_on": "2026-03-15"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "settled");
    assert_eq!(r["principal_fen"], 600_000);
    assert_eq!(r["interest_fen"], 6_000);
}

#[actix_web::test]
async fn bank_actions_honour_an_idempotency_key() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = apply(&app, coop, prod, 100_000, 2).await;
    act(&app, &bank, id, "review", json!({})).await.ok(200);
    let send = |key: &'static str, body: Value| {
        let app = &app;
        let bank = bank.clone();
        async move {
            app.request(
                TestRequest::post()
                    .uri(&format!("/api/v1/loans/{id}/approve"))
                    .insert_header(("Authorization", format!("Bearer {bank}")))
                    .insert_header(("Idempotency-Key", key))
                    .set_json(body),
            )
            .await
        }
    };
    let first = send("approve-1", json!({"approved_amount_fen": 90_000})).await;
    let etag = first.header("etag").expect("the first response's ETag");
    let first = first.ok(200);
    // A retry after a lost answer gets the same answer, not a 409: its body and its `ETag`,
    // so the client can go on with `If-Match` as if the first had arrived.
    let again = send("approve-1", json!({"approved_amount_fen": 90_000})).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    assert_eq!(
        again.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(again.ok(200), first);
    send("approve-1", json!({"approved_amount_fen": 80_000}))
        .await
        .field_error("Idempotency-Key");
    // Without a key the same action is an illegal transition.
    act(&app, &bank, id, "approve", json!({}))
        .await
        .problem(409);
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    assert_eq!(h["items"].as_array().unwrap().len(), 3);
    // The loan moves on: a replay still answers the first response, not the loan now.
    let disbursed_on = json!({"disbursed_on": "2026-01-15"});
    act(&app, &bank, id, "disburse", disbursed_on).await.ok(200);
    let late = send("approve-1", json!({"approved_amount_fen": 90_000})).await;
    assert_eq!(late.header("etag"), Some(etag));
    let late = late.ok(200);
    assert_eq!(late, first);
    assert_eq!(late["status"], "approved");
}

/// The loan (a 600,000 fen bullet loan) after `before` repayments of 1,000 fen one after
/// another, then four of 1,000 fen at once, all on 2026-02-15: each answered 201.
async fn after_four_concurrent_repayments(before: usize) -> Value {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = disbursed(&app, &bank, coop, prod, 600_000).await;
    let b = json!({"amount_fen": 1_000, "paid_on": "2026-02-15"});
    for i in 0..before {
        let key = format!("b{i}");
        repay(&app, &bank, id, Some(&key), b.clone()).await.ok(201);
    }
    let (r1, r2, r3, r4) = futures_util::join!(
        repay(&app, &bank, id, Some("c1"), b.clone()),
        repay(&app, &bank, id, Some("c2"), b.clone()),
        repay(&app, &bank, id, Some("c3"), b.clone()),
        repay(&app, &bank, id, Some("c4"), b.clone())
    );
    for r in [r1, r2, r3, r4] {
        r.ok(201);
    }
    app.get(&format!("/api/v1/loans/{id}"), &bank).await.ok(200)
}

#[actix_web::test]
async fn concurrent_repayments_of_one_loan_all_count() {
    let l = after_four_concurrent_repayments(0).await;
    // Bullet: 3,000 fen of interest due on 2026-02-15; the fourth 1,000 is beyond what is
    // due that day: a prepayment of principal (no interest accrued on the period's first
    // day), and instalment 2's interest becomes 599,000 × 600 / 120,000 = 2,995.
    assert_eq!(l["paid_interest_fen"], 3_000);
    assert_eq!(l["paid_principal_fen"], 1_000);
    assert_eq!(l["outstanding_principal_fen"], 599_000);
    assert_eq!(l["outstanding_interest_fen"], 2_995);
}

/// Once the loan has a running book, each concurrent repayment reads it as the one before
/// left it (on PostgreSQL the lock and the book are one statement): none is lost.
#[actix_web::test]
async fn concurrent_repayments_on_a_loan_with_a_book_all_count() {
    let l = after_four_concurrent_repayments(1).await;
    // 5 × 1,000 fen: the 3,000 fen of interest due on 2026-02-15, then 2,000 of principal
    // prepaid; instalment 2's interest becomes 598,000 × 600 / 120,000 = 2,990.
    assert_eq!(l["paid_interest_fen"], 3_000);
    assert_eq!(l["paid_principal_fen"], 2_000);
    assert_eq!(l["outstanding_principal_fen"], 598_000);
    assert_eq!(l["outstanding_interest_fen"], 2_990);
}
