//! The ageing job: days past due, the five-category classification at its edges, overdue and
//! cured loans, with their events.

use chrono::NaiveDate;
use coophub::auth::Role;
use coophub::db::schema::webhook_deliveries;
use coophub::service::loans::ageing::{age_all, AgeReport};
use diesel::prelude::*;
use serde_json::json;

use crate::common::fixtures::loans::{loan_at, recorded_at, At};
use crate::common::fixtures::{product, repay};
use crate::common::{TestApp, TOWN_A};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn age(app: &TestApp, on: &str) -> AgeReport {
    age_all(&mut app.conn(), d(on)).unwrap()
}

fn events(app: &TestApp) -> Vec<String> {
    webhook_deliveries::table
        .order(webhook_deliveries::id.asc())
        .select(webhook_deliveries::event_type)
        .load(&mut *app.conn())
        .unwrap()
}

fn stored(app: &TestApp, id: i64) -> (String, i32, String) {
    use coophub::db::schema::loans;
    loans::table
        .filter(loans::id.eq(id))
        .select((loans::status, loans::days_past_due, loans::classification))
        .first(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn days_past_due_and_classification_at_their_edges() {
    let app = TestApp::new().await;
    app.post(
        "/api/v1/webhooks",
        &app.token(Role::BankPartner),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["loan.overdue", "loan.classification_changed"], "secret": "whsec_test_0123456789abcdef"}),
    )
    .await
    .ok(201);
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // Bullet from 2026-01-15: instalment 1 (3,000 interest) due 2026-02-15, never paid.
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    // Day 0 (the due date itself): nothing is late.
    let r = age(&app, "2026-02-15");
    assert_eq!((r.loans, r.overdue, r.reclassified), (1, 0, 0));
    assert_eq!(stored(&app, id), ("disbursed".into(), 0, "normal".into()));
    assert!(events(&app).is_empty());
    // 2026-02-15 + n days → (days past due, class).
    for (on, dpd, class) in [
        ("2026-02-16", 1, "special_mention"),
        ("2026-05-16", 90, "special_mention"),
        ("2026-05-17", 91, "substandard"),
        ("2026-08-14", 180, "substandard"),
        ("2026-08-15", 181, "doubtful"),
        ("2027-02-10", 360, "doubtful"),
        ("2027-02-11", 361, "loss"),
    ] {
        age(&app, on);
        let (status, got_dpd, got_class) = stored(&app, id);
        assert_eq!((got_dpd, got_class.as_str()), (dpd, class), "on {on}");
        assert_eq!(status, "overdue");
    }
    // Overdue once; reclassified at 1, 91, 181 and 361 days only.
    assert_eq!(
        events(&app),
        [
            "loan.overdue",
            "loan.classification_changed",
            "loan.classification_changed",
            "loan.classification_changed",
            "loan.classification_changed"
        ]
    );
    // The history names the job and the days.
    let h = app
        .get(&format!("/api/v1/loans/{id}/history"), &bank)
        .await
        .ok(200);
    let overdue = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "mark-overdue")
        .unwrap()
        .clone();
    assert_eq!(overdue["actor"], "ageing");
    assert_eq!(overdue["note"], "1 days past due on 2026-02-16");
}

#[actix_web::test]
async fn a_cured_loan_is_back_in_order_and_normal() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    let id = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    age(&app, "2026-02-20");
    assert_eq!(
        stored(&app, id),
        ("overdue".into(), 5, "special_mention".into())
    );
    // 3,000 on 2026-03-01 pays instalment 1's interest (no principal was overdue: no
    // penalty) and cures the loan.
    let r = repay(
        &app,
        &bank,
        id,
        Some("c"),
        json!({"amount_fen": 3_000, "paid_on": "2026-03-01"}),
    )
    .await
    .ok(201);
    assert_eq!(r["loan_status"], "disbursed");
    // Aged as of a past day, only what was recorded by then counts: recorded today, the
    // repayment is not in the book of 2026-03-01 (14 days past due that day: overdue).
    age(&app, "2026-03-01");
    assert_eq!(
        stored(&app, id),
        ("overdue".into(), 14, "special_mention".into())
    );
    // Recorded on 2026-03-01 itself, it is.
    recorded_at(&app, r["id"].as_i64().unwrap(), "2026-03-01 09:00:00", None);
    let report = age(&app, "2026-03-01");
    assert_eq!(report.reclassified, 1);
    assert_eq!(stored(&app, id), ("disbursed".into(), 0, "normal".into()));
    // An overdue loan the job finds with nothing past due is cured by it.
    let other = loan_at(&app, &bank, coop, prod, 600_000, At::Overdue).await;
    let report = age(&app, "2026-02-10");
    assert_eq!(report.cured, 1);
    assert_eq!(stored(&app, other).0, "disbursed");
}
