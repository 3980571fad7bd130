//! The loan book as the bank keeps it: bank references on disbursements and repayments,
//! eligibility of the applying cooperative, `loan.withdrawn`, and the days past due a default
//! needs.

use coophub::auth::Role;
use coophub::db::schema::{cooperatives, webhook_deliveries};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::fixtures::loans::{loan_at, other_bank, At};
use crate::common::fixtures::{act, apply, product, repay};
use crate::common::{TestApp, TOWN_A};

/// An approved loan (bullet, 2 months, 600,000 fen at 6 %) of a new cooperative.
async fn approved(app: &TestApp, coop: i64, prod: i64) -> i64 {
    let bank = app.token(Role::BankPartner);
    loan_at(app, &bank, coop, prod, 600_000, At::Approved).await
}

fn event_types(app: &TestApp) -> Vec<String> {
    webhook_deliveries::table
        .order(webhook_deliveries::id.asc())
        .select(webhook_deliveries::event_type)
        .load(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_loan_number_is_unique_per_bank() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let other_prod = product(&app, "other", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let a = approved(&app, coop, prod).await;
    let b = approved(&app, coop, prod).await;
    let body = json!({"disbursed_on": "2026-01-15", "bank_reference": "JJ-2026-0001"});
    let d = act(&app, &bank, a, "disburse", body.clone()).await.ok(200);
    assert_eq!(d["bank_reference"], "JJ-2026-0001");
    assert_eq!(d["first_due_on"], Value::Null);
    // Another loan of the same bank with the same number: 409, and b stays approved.
    let p = act(&app, &bank, b, "disburse", body.clone())
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("JJ-2026-0001"));
    let got = app.get(&format!("/api/v1/loans/{b}"), &bank).await.ok(200);
    assert_eq!(got["status"], "approved");
    // Another bank may use the same number.
    let c = loan_at(
        &app,
        &other_bank(&app),
        coop,
        other_prod,
        1_000,
        At::Approved,
    )
    .await;
    act(&app, &other_bank(&app), c, "disburse", body)
        .await
        .ok(200);
    // A malformed number names the field, and so does a first due date out of range.
    for bad in [
        json!(""),
        json!("has space"),
        json!("-lead"),
        json!("x".repeat(65)),
    ] {
        act(&app, &bank, b, "disburse", json!({"bank_reference": bad}))
            .await
            .field_error("bank_reference");
    }
    for bad in ["2026-01-15", "2026-03-19", "2026-01-14"] {
        act(
            &app,
            &bank,
            b,
            "disburse",
            json!({"disbursed_on": "2026-01-15", "first_due_on": bad}),
        )
        .await
        .field_error("first_due_on");
    }
    // A first due date fixed by the bank moves every due date: 2026-02-20, then monthly.
    let d = act(
        &app,
        &bank,
        b,
        "disburse",
        json!({"disbursed_on": "2026-01-15", "first_due_on": "2026-02-20", "bank_reference": "JJ-2026-0002"}),
    )
    .await
    .ok(200);
    assert_eq!(d["first_due_on"], "2026-02-20");
    let s = app
        .get(&format!("/api/v1/loans/{b}/schedule"), &bank)
        .await
        .ok(200);
    assert_eq!(s["items"][0]["due_on"], "2026-02-20");
    assert_eq!(s["items"][1]["due_on"], "2026-03-20");
    // Loans disbursed without a number keep working with a null one.
    let e = approved(&app, coop, prod).await;
    let d = act(&app, &bank, e, "disburse", json!({})).await.ok(200);
    assert_eq!(d["bank_reference"], Value::Null);
}

#[actix_web::test]
async fn a_transaction_serial_sent_again_is_a_replay_or_a_conflict() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let a = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let b = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let body = json!({"amount_fen": 3_000, "paid_on": "2026-02-15", "bank_reference": "LS-0001"});
    let first = repay(&app, &bank, a, Some("k-1"), body.clone())
        .await
        .ok(201);
    assert_eq!(first["bank_reference"], "LS-0001");
    // The same serial and figures under another Idempotency-Key: the first repayment again.
    let again = repay(&app, &bank, a, Some("k-2"), body.clone())
        .await
        .ok(201);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["amount_fen"], 3_000);
    let reps = app
        .get(&format!("/api/v1/loans/{a}/repayments"), &bank)
        .await
        .ok(200);
    assert_eq!(reps["items"].as_array().unwrap().len(), 1);
    // Other figures with the same serial: 409 (another amount, another date, another loan).
    for (loan, other) in [
        (
            a,
            json!({"amount_fen": 3_001, "paid_on": "2026-02-15", "bank_reference": "LS-0001"}),
        ),
        (
            a,
            json!({"amount_fen": 3_000, "paid_on": "2026-02-16", "bank_reference": "LS-0001"}),
        ),
        (b, body.clone()),
    ] {
        let p = repay(&app, &bank, loan, Some("k-3"), other)
            .await
            .problem(409);
        assert!(p["detail"].as_str().unwrap().contains("LS-0001"), "{p}");
    }
    let reps = app
        .get(&format!("/api/v1/loans/{b}/repayments"), &bank)
        .await
        .ok(200);
    assert!(reps["items"].as_array().unwrap().is_empty());
    // Another serial on the same loan is a new repayment.
    let next = json!({"amount_fen": 3_000, "paid_on": "2026-03-15", "bank_reference": "LS-0002"});
    let second = repay(&app, &bank, a, Some("k-4"), next).await.ok(201);
    assert_ne!(second["id"], first["id"]);
    // The last fen under a serial settles the loan; the serial sent again still replays.
    let last = json!({"amount_fen": 600_000, "paid_on": "2026-03-15", "bank_reference": "LS-0003"});
    let settled = repay(&app, &bank, a, Some("k-5"), last.clone())
        .await
        .ok(201);
    assert_eq!(settled["loan_status"], "settled");
    let replayed = repay(&app, &bank, a, Some("k-6"), last).await.ok(201);
    assert_eq!(replayed["id"], settled["id"]);
    // A malformed serial names the field.
    repay(
        &app,
        &bank,
        b,
        Some("k-7"),
        json!({"amount_fen": 1, "paid_on": "2026-02-15", "bank_reference": "a b"}),
    )
    .await
    .field_error("bank_reference");
}

#[actix_web::test]
async fn only_an_active_cooperative_applies() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let body = json!({"cooperative_id": coop, "product_id": prod, "amount_fen": 1_000,
                      "term_months": 2, "purpose": "购置加工设备"});
    for status in ["abnormal", "merged", "deregistered"] {
        diesel::update(cooperatives::table.filter(cooperatives::id.eq(coop)))
            .set(cooperatives::status.eq(status))
            .execute(&mut *app.conn())
            .unwrap();
        let p = app
            .post("/api/v1/loans", &app.admin(), body.clone())
            .await
            .problem(409);
        assert!(p["detail"].as_str().unwrap().contains(status), "{p}");
    }
    let n: i64 = coophub::db::schema::loans::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0, "nothing written");
    diesel::update(cooperatives::table.filter(cooperatives::id.eq(coop)))
        .set(cooperatives::status.eq("active"))
        .execute(&mut *app.conn())
        .unwrap();
    app.post("/api/v1/loans", &app.admin(), body).await.ok(201);
}

#[actix_web::test]
async fn a_withdrawal_is_an_event() {
    let app = TestApp::new().await;
    app.post(
        "/api/v1/webhooks",
        &app.token(Role::BankPartner),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["loan.withdrawn"], "secret": "whsec_test_0123456789abcdef"}),
    )
    .await
    .ok(201);
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let id = apply(&app, coop, prod, 1_000, 2).await;
    assert!(
        event_types(&app).is_empty(),
        "loan.submitted is not subscribed"
    );
    act(
        &app,
        &app.token(Role::Cooperative),
        id,
        "withdraw",
        json!({}),
    )
    .await
    .ok(200);
    assert_eq!(event_types(&app), ["loan.withdrawn"]);
}

#[actix_web::test]
async fn a_default_needs_ninety_days_past_due() {
    let app = TestApp::with_settings(|s| s.default_min_dpd = 90).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let today = coophub::db::models::today();
    // Disbursed 30 days ago with the first instalment fixed 1 day later: 29 days past due.
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Approved).await;
    let on = today - chrono::Days::new(30);
    let first = on + chrono::Days::new(1);
    act(
        &app,
        &bank,
        id,
        "disburse",
        json!({"disbursed_on": on, "first_due_on": first}),
    )
    .await
    .ok(200);
    let o = act(&app, &bank, id, "mark-overdue", json!({}))
        .await
        .ok(200);
    assert_eq!(o["days_past_due"], 29);
    assert_eq!(o["classification"], "special_mention");
    let p = act(&app, &bank, id, "default", json!({}))
        .await
        .problem(409);
    assert_eq!(
        p["detail"],
        "the loan is 29 days past due; it may be declared in default from 90 days"
    );
    // The fixture's loan, first due 2026-02-15 and never paid, is far past 90 days.
    let old = loan_at(&app, &bank, coop, prod, 600_000, At::Overdue).await;
    let d = act(&app, &bank, old, "default", json!({})).await.ok(200);
    assert_eq!(d["status"], "defaulted");
    let dpd = (today - chrono::NaiveDate::from_ymd_opt(2026, 2, 15).unwrap()).num_days();
    assert_eq!(d["days_past_due"], dpd);
    // A loan disbursed today is not overdue, whatever the default minimum: nothing is past due.
    let lenient = TestApp::with_settings(|s| s.default_min_dpd = 0).await;
    let coop = lenient.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&lenient, "psbc", "bullet", false).await;
    let bank = lenient.token(Role::BankPartner);
    let id = loan_at(&lenient, &bank, coop, prod, 600_000, At::Approved).await;
    act(&lenient, &bank, id, "disburse", json!({}))
        .await
        .ok(200);
    let p = act(&lenient, &bank, id, "mark-overdue", json!({}))
        .await
        .problem(409);
    assert_eq!(
        p["detail"],
        "the loan is not past due: no instalment is unpaid past its due date"
    );
    let l = lenient
        .get(&format!("/api/v1/loans/{id}"), &bank)
        .await
        .ok(200);
    assert_eq!(l["status"], "disbursed");
}

#[actix_web::test]
async fn loans_changed_since_an_instant_and_by_classification() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let a = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let b = loan_at(&app, &bank, coop, prod, 600_000, At::Approved).await;
    let t = app.get(&format!("/api/v1/loans/{b}"), &bank).await.ok(200)["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    let since = |t: &str| format!("/api/v1/loans?updated_since={}", t.replace('+', "%2B"));
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap())
            .collect()
    };
    assert!(ids(&app.get(&since(&t), &bank).await.ok(200)).is_empty());
    // A repayment changes loan a; the disbursement of b changes b.
    repay(
        &app,
        &bank,
        a,
        Some("s1"),
        json!({"amount_fen": 3_000, "paid_on": "2026-02-15"}),
    )
    .await
    .ok(201);
    act(
        &app,
        &bank,
        b,
        "disburse",
        json!({"disbursed_on": "2026-06-01"}),
    )
    .await
    .ok(200);
    assert_eq!(ids(&app.get(&since(&t), &bank).await.ok(200)), [a, b]);
    assert_eq!(
        ids(&app.get(&since("2000-01-01T00:00:00Z"), &bank).await.ok(200)),
        [a, b]
    );
    // The classification the ageing job gave on 2026-07-05: a is past due since 2026-03-15
    // (112 days: substandard), b since 2026-07-01 (4 days: special mention).
    coophub::service::loans::ageing::age_all(
        &mut app.conn(),
        chrono::NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(),
    )
    .unwrap();
    let sm = app
        .get("/api/v1/loans?classification=special_mention", &bank)
        .await
        .ok(200);
    assert_eq!(ids(&sm), [b]);
    let sub = app
        .get("/api/v1/loans?classification=substandard", &bank)
        .await
        .ok(200);
    assert_eq!(ids(&sub), [a]);
    let none = app
        .get("/api/v1/loans?classification=loss", &bank)
        .await
        .ok(200);
    assert!(ids(&none).is_empty());
    app.get("/api/v1/loans?classification=bad", &bank)
        .await
        .problem(400);
    app.get("/api/v1/loans?updated_since=yesterday", &bank)
        .await
        .problem(400);
    app.get("/api/v1/loans?updated_since=0000-01-01T00:00:00Z", &bank)
        .await
        .field_error("updated_since");
}
