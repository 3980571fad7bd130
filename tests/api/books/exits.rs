//! Exits by notice at a fiscal year end, recorded from paper, or by expulsion; the refund due.

use chrono::Datelike;
use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::books::coop_token;
use crate::common::{TestApp, TOWN_A};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn member_url(coop: i64, member: i64) -> String {
    format!("/api/v1/cooperatives/{coop}/members/{member}")
}

#[actix_web::test]
async fn notice_in_november_takes_effect_at_the_next_year_end() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let ly = today().year() - 1;
    let farmer = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    // Notice on 15 November: less than three months before 31 December, so the exit takes
    // effect at the end of the *next* fiscal year.
    let out = app
        .delete(
            &format!(
                "{}?requested_on={ly}-11-15&reason=moving",
                member_url(c, farmer)
            ),
            &app.admin(),
        )
        .await
        .ok(200);
    let effective = format!("{}-12-31", ly + 1);
    assert_eq!(out["effective_on"], effective);
    assert_eq!(out["exited_on"], effective);
    assert_eq!(out["exit_requested_on"], format!("{ly}-11-15"));
    assert_eq!(out["exit_kind"], "notice");
    assert_eq!(out["refund_due"]["contribution_fen"], 100_000);
    assert_eq!(out["refund_due"]["reserve_share_fen"], 0);
    // Until then the member belongs: still active, still counted.
    let still = today() < chrono::NaiveDate::from_ymd_opt(ly + 1, 12, 31).unwrap();
    assert_eq!(out["active"], still);
    let active = app
        .get(
            &format!("/api/v1/cooperatives/{c}/members?active=true&count=true"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(active["total"], i64::from(still));
    // Notice twice is refused.
    app.delete(
        &format!("{}?requested_on={ly}-12-01", member_url(c, farmer)),
        &app.admin(),
    )
    .await
    .problem(409);

    // Notice on 30 September: exactly three months before the year end → that year's end.
    let early = app.add_member(c, 2, "farmer").await["id"].as_i64().unwrap();
    let out = app
        .delete(
            &format!("{}?requested_on={ly}-09-30", member_url(c, early)),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(out["effective_on"], format!("{ly}-12-31"));
    assert_eq!(out["active"], false);
    // An enterprise needs six months: notice on 1 July is late for that year.
    let firm = app.add_member(c, 3, "enterprise").await["id"]
        .as_i64()
        .unwrap();
    let out = app
        .delete(
            &format!("{}?requested_on={ly}-07-01", member_url(c, firm)),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(out["effective_on"], format!("{}-12-31", ly + 1));
}

#[actix_web::test]
async fn who_records_which_exit_and_bad_input() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let ly = today().year() - 1;
    let a = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    let b = app.add_member(c, 2, "farmer").await["id"].as_i64().unwrap();
    let own = coop_token(&app, c);
    // A cooperative gives notice; it does not record an exit from paper.
    app.delete(&format!("{}?exited_on={ly}-05-01", member_url(c, a)), &own)
        .await
        .problem(403);
    let notice = app.delete(&member_url(c, a), &own).await.ok(200);
    assert_eq!(notice["exit_kind"], "notice");
    assert_eq!(notice["exit_requested_on"], today().to_string());
    // The town officer records an exit that already happened, as before.
    let officer = app.token(Role::TownOfficer);
    let past = app
        .delete(
            &format!("{}?exited_on={ly}-05-01", member_url(c, b)),
            &officer,
        )
        .await
        .ok(200);
    assert_eq!(past["exit_kind"], "recorded");
    assert_eq!(past["active"], false);
    assert_eq!(past["effective_on"], format!("{ly}-05-01"));
    let d = app.add_member(c, 4, "farmer").await["id"].as_i64().unwrap();
    for (query, field) in [
        ("requested_on=2999-01-01", "requested_on"),
        ("requested_on=2019-01-01", "requested_on"),
        ("requested_on=2025-01-01&exited_on=2025-01-01", "exited_on"),
        ("meeting_id=1", "resolution_seq"),
        ("resolution_seq=1", "meeting_id"),
        ("meeting_id=0&resolution_seq=1", "meeting_id"),
    ] {
        app.delete(&format!("{}?{query}", member_url(c, d)), &app.admin())
            .await
            .field_error(field);
    }
    for role in [Role::Observer, Role::BankPartner, Role::ServiceCenter] {
        app.delete(&member_url(c, d), &app.token(role))
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn expulsion_and_the_refund_of_the_reserve_share() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let ly = today().year() - 1;
    let m = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    let other = app.add_member(c, 2, "farmer").await["id"].as_i64().unwrap();
    // Last year: both traded, the reserve 1000 is quantified 3:1 on adoption → 750 and 250.
    for (id, amount) in [(m, 300), (other, 100)] {
        app.put(
            &format!("/api/v1/cooperatives/{c}/members/{id}/transactions/{ly}"),
            &app.admin(),
            json!({"amount_fen": amount}),
        )
        .await
        .ok(201);
    }
    let dist = format!("/api/v1/cooperatives/{c}/surplus-distributions/{ly}");
    app.put(
        &dist,
        &app.admin(),
        json!({"surplus_fen": 5000, "loss_makeup_fen": 0, "reserve_fen": 1000, "by_transactions_bp": 6000}),
    )
    .await
    .ok(201);
    let held = format!("{}-01-02", ly + 1);
    let vote = app
        .hold_assembly(c, &held, 2, "surplus_distribution", 2)
        .await;
    app.post(
        &format!("{dist}/adopt"),
        &app.admin(),
        json!({"meeting_id": vote["id"], "resolution_seq": 1}),
    )
    .await
    .ok(200);
    // An expulsion resolution that failed (1 of 2: 2 > 2 is false) does not expel.
    let failed = app.hold_assembly(c, &held, 2, "expulsion", 1).await;
    app.delete(
        &format!(
            "{}?meeting_id={}&resolution_seq=1",
            member_url(c, m),
            failed["id"]
        ),
        &app.admin(),
    )
    .await
    .field_error("resolution_seq");
    let passed = app.hold_assembly(c, &held, 2, "expulsion", 2).await;
    let out = app
        .delete(
            &format!(
                "{}?meeting_id={}&resolution_seq=1",
                member_url(c, m),
                passed["id"]
            ),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(out["exit_kind"], "expulsion");
    assert_eq!(out["effective_on"], held);
    assert_eq!(out["active"], false);
    // Refunded: the contribution and the reserve share (1000 × 300 / 400 = 750).
    assert_eq!(out["refund_due"]["contribution_fen"], 100_000);
    assert_eq!(out["refund_due"]["reserve_share_fen"], 750);
}
