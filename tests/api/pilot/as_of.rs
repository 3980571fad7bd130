//! `?on=` as a true as-of date, worked by hand: registration, deregistration, the abnormal
//! list, titles, loans, service orders and reports as they stood at the end of 2024-06-30;
//! household participation; bad dates.

use coophub::auth::Role;
use coophub::db::models::cooperative;
use coophub::domain::cooperative::{DemonstrationLevel, Tier};
use coophub::domain::scope::CoopScope;
use coophub::service::cooperatives::set_derived;
use serde_json::json;

use crate::common::fixtures::{apply, member_body, product};
use crate::common::{exec, TestApp, TOWN_A, TOWN_B};

const ON: &str = "2024-06-30";

fn report_sql(id: i64, year: i32, published_on: &str) -> String {
    format!(
        "INSERT INTO annual_reports (cooperative_id, year, status, member_count, farmer_member_count, \
         total_assets_fen, total_liabilities_fen, operating_revenue_fen, surplus_fen, \
         surplus_returned_by_transactions_fen, submitted_on, published_on, late, version, created_at, updated_at) \
         VALUES ({id}, {year}, 'published', 5, 5, 0, 0, 0, 0, 0, '{published_on}', '{published_on}', FALSE, 1, \
         '{published_on} 00:00:00', '{published_on} 00:00:00')"
    )
}

#[actix_web::test]
async fn every_figure_is_as_it_stood_on_the_day() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for (n, town) in [(1, TOWN_A), (2, TOWN_A), (3, TOWN_B), (4, TOWN_B)] {
        ids.push(app.create_coop(n, town).await["id"].as_i64().unwrap());
    }
    let [a, b, c, d] = [ids[0], ids[1], ids[2], ids[3]];
    // b was registered after the day.
    exec(
        &mut app.conn(),
        &format!("UPDATE cooperatives SET established_on = '2025-01-01' WHERE id = {b}"),
    );
    // c is deregistered from 2025-03-01: still active on the day.
    app.post(
        &format!("/api/v1/cooperatives/{c}/deregister"),
        &admin,
        json!({"reason": "成员大会决议解散", "deregistered_on": "2025-03-01"}),
    )
    .await
    .ok(200);
    // d was on the abnormal list from 2024-01-10 to 2025-01-10: abnormal on the day.
    app.post(
        &format!("/api/v1/cooperatives/{d}/abnormal-listing"),
        &admin,
        json!({"reason": "未报年报", "listed_on": "2024-01-10"}),
    )
    .await
    .ok(201);
    app.delete(
        &format!("/api/v1/cooperatives/{d}/abnormal-listing?lifted_on=2025-01-10"),
        &admin,
    )
    .await
    .ok(200);
    // a is awarded a district title and classified standard today: neither held on the day.
    let caller = app.caller(&admin);
    app.write(|conn| {
        let current = cooperative::find(conn, &CoopScope::All, a)?;
        let next = set_derived(conn, &caller.actor(), "award_title", &current, |c| {
            c.demonstration_level = Some(DemonstrationLevel::District)
        })?;
        set_derived(conn, &caller.actor(), "classify", &next, |c| {
            c.tier = Some(Tier::Standard)
        })
    })
    .unwrap();
    // Loans: one applied for in January 2024, approved in March, disbursed today; one
    // applied for today.
    let p = product(&app, "psbc", "equal_installment", true).await;
    let old = apply(&app, a, p, 3_000_000, 12).await;
    apply(&app, a, p, 1_000_000, 12).await;
    let mut conn = app.conn();
    exec(
        &mut conn,
        &format!(
            "UPDATE loans SET created_at = '2024-01-05 09:00:00', status = 'disbursed', \
             approved_amount_fen = 2500000, disbursed_on = CURRENT_DATE WHERE id = {old}"
        ),
    );
    exec(
        &mut conn,
        &format!(
            "UPDATE loan_events SET occurred_at = '2024-01-05 09:00:00' WHERE loan_id = {old}"
        ),
    );
    for (action, from, to, at) in [
        ("review", "submitted", "under_review", "2024-02-01 10:00:00"),
        ("approve", "under_review", "approved", "2024-03-01 10:00:00"),
        ("disburse", "approved", "disbursed", "CURRENT"),
    ] {
        exec(
            &mut conn,
            &format!(
                "INSERT INTO loan_events (loan_id, action, from_status, to_status, actor_name, actor_role, occurred_at) \
                 VALUES ({old}, '{action}', '{from}', '{to}', 'psbc', 'bank_partner', {at})",
                at = if at == "CURRENT" { "CURRENT_TIMESTAMP".to_string() } else { format!("'{at}'") }
            ),
        );
    }
    // A service order placed in 2024 and accepted in 2024, completed later; one placed today.
    let order = app
        .post(
            "/api/v1/service-orders",
            &admin,
            json!({"cooperative_id": a, "service_type": "registration", "description": "x"}),
        )
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(
        "/api/v1/service-orders",
        &admin,
        json!({"cooperative_id": d, "service_type": "logistics", "description": "y"}),
    )
    .await
    .ok(201);
    exec(
        &mut conn,
        &format!(
            "UPDATE service_orders SET status = 'completed', placed_at = '2024-02-01 08:00:00', \
             accepted_at = '2024-02-02 08:00:00', completed_at = '2024-09-01 08:00:00', \
             rating_score = 5, rated_at = '2024-09-02 08:00:00' WHERE id = {order}"
        ),
    );
    // Reports for 2023: a's published on 2024-05-01 (by the day), c's on 2024-08-01 (after).
    exec(&mut conn, &report_sql(a, 2023, "2024-05-01"));
    exec(&mut conn, &report_sql(c, 2023, "2024-08-01"));
    drop(conn);

    let then = app
        .get(&format!("/api/v1/pilot/progress?on={ON}"), &admin)
        .await
        .ok(200);
    assert_eq!(then["on"], ON);
    // b not yet registered; c active (deregistered later); d abnormal (lifted later).
    assert_eq!(then["cooperatives"]["total"], 3);
    assert_eq!(
        then["cooperatives"]["by_status"],
        json!({"abnormal": 1, "active": 2})
    );
    assert_eq!(then["cooperatives"]["by_tier"], json!({"unassessed": 3}));
    assert_eq!(then["demonstration"]["achieved"], 0);
    assert_eq!(then["demonstration"]["by_level"], json!({}));
    // The old loan: applied for and approved, not yet disbursed; the new one not yet applied for.
    assert_eq!(then["loans"]["count"], 1);
    assert_eq!(then["loans"]["amount_fen"], 3_000_000);
    assert_eq!(then["loans"]["approved_amount_fen"], 2_500_000);
    assert_eq!(then["loans"]["by_status"], json!({"approved": 1}));
    assert_eq!(then["service_orders"]["count"], 1);
    assert_eq!(then["service_orders"]["by_status"], json!({"accepted": 1}));
    assert_eq!(then["service_orders"]["ratings"], 0);
    // 2023 reports: a and c expected (d abnormal on the day), a's published by then.
    let publication = &then["annual_report_publication"];
    assert_eq!(publication["year"], 2023);
    assert_eq!(
        (
            publication["expected"].as_i64(),
            publication["published"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(publication["rate"], 0.5);

    // Today: b registered, c deregistered, d active again, a titled and standard.
    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(now["cooperatives"]["total"], 4);
    assert_eq!(
        now["cooperatives"]["by_status"],
        json!({"active": 3, "deregistered": 1})
    );
    assert_eq!(
        now["cooperatives"]["by_tier"],
        json!({"standard": 1, "unassessed": 3})
    );
    assert_eq!(now["demonstration"]["by_level"], json!({"district": 1}));
    assert_eq!(now["loans"]["count"], 2);
    assert_eq!(
        now["loans"]["by_status"],
        json!({"disbursed": 1, "submitted": 1})
    );
    assert_eq!(now["service_orders"]["count"], 2);

    // A town officer of TOWN_A sees a only on the day (b was not yet registered).
    let officer = app
        .get(
            &format!("/api/v1/pilot/progress?on={ON}"),
            &app.token(Role::TownOfficer),
        )
        .await
        .ok(200);
    assert_eq!(officer["cooperatives"]["total"], 1);
    assert_eq!(officer["loans"]["count"], 1);
}

#[actix_web::test]
async fn a_backdated_change_never_counts_a_cooperative_twice() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    // Classified today, then deregistered with a date before it: a change dated before the
    // last recorded change takes effect on that change's day (today), so every past day
    // counts it once, active, and today deregistered.
    let caller = app.caller(&admin);
    app.write(|conn| {
        let current = cooperative::find(conn, &CoopScope::All, id)?;
        set_derived(conn, &caller.actor(), "classify", &current, |c| {
            c.tier = Some(Tier::Basic)
        })
    })
    .unwrap();
    app.post(
        &format!("/api/v1/cooperatives/{id}/deregister"),
        &admin,
        json!({"reason": "注销", "deregistered_on": "2023-01-01"}),
    )
    .await
    .ok(200);
    for (on, total, status) in [
        ("2022-12-31", 1, json!({"active": 1})),
        ("2023-06-01", 1, json!({"active": 1})),
    ] {
        let p = app
            .get(&format!("/api/v1/pilot/progress?on={on}"), &admin)
            .await
            .ok(200);
        assert_eq!(p["cooperatives"]["total"], total, "{on}");
        assert_eq!(p["cooperatives"]["by_status"], status, "{on}");
    }
    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(now["cooperatives"]["total"], 1);
    assert_eq!(now["cooperatives"]["by_status"], json!({"deregistered": 1}));
}

#[actix_web::test]
async fn participation_counts_shared_households_once() {
    let app = TestApp::with_settings(|s| s.targets.rural_households = Some(10)).await;
    let admin = app.admin();
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let c = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let add = |coop: i64, n: u32, household: Option<&str>, joined: &str| {
        let mut body = member_body(n, "farmer");
        body["joined_on"] = json!(joined);
        if let Some(h) = household {
            body["household_code"] = json!(h);
        }
        let url = format!("/api/v1/cooperatives/{coop}/members");
        let admin = admin.clone();
        let app = &app;
        async move { app.post(&url, &admin, body).await }
    };
    // Two members of one household and one of another in a; the second household also in c,
    // a third household joining c after the day, a farmer without a code, one who left.
    let first = add(a, 1, Some("HH-1"), "2020-03-01").await.ok(201);
    assert_eq!(first["household_code"], "HH-1");
    add(a, 2, Some("HH-1"), "2021-05-01").await.ok(201);
    add(a, 3, Some("HH-2"), "2020-03-01").await.ok(201);
    add(a, 4, None, "2020-03-01").await.ok(201);
    add(c, 5, Some("HH-2"), "2020-03-01").await.ok(201);
    add(c, 6, Some("HH-3"), "2025-01-01").await.ok(201);
    let left = add(c, 7, Some("HH-4"), "2020-03-01").await.ok(201);
    exec(
        &mut app.conn(),
        &format!(
            "UPDATE members SET exited_on = '2024-01-01' WHERE id = {}",
            left["id"]
        ),
    );

    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(
        now["participation"],
        json!({"households": 3, "rural_households": 10, "rate": 0.3})
    );
    let then = app
        .get(&format!("/api/v1/pilot/progress?on={ON}"), &admin)
        .await
        .ok(200);
    assert_eq!(
        then["participation"],
        json!({"households": 2, "rural_households": 10, "rate": 0.2})
    );
    // Narrowed to a town: its cooperatives' households, no district total.
    let town = app
        .get(
            &format!("/api/v1/pilot/progress?town_code={TOWN_A}"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(
        town["participation"],
        json!({"households": 2, "rural_households": null, "rate": null})
    );

    // A PATCH moves a member to another household.
    let url = format!("/api/v1/cooperatives/{a}/members/{}", first["id"]);
    let moved = app
        .patch(&url, &admin, json!({"household_code": "HH-9"}))
        .await
        .ok(200);
    assert_eq!(moved["household_code"], "HH-9");
    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    assert_eq!(now["participation"]["households"], 4);
}

#[actix_web::test]
async fn without_a_district_total_the_rate_is_null() {
    let app = TestApp::new().await;
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let mut body = member_body(1, "farmer");
    body["household_code"] = json!("HH-1");
    app.post(
        &format!("/api/v1/cooperatives/{a}/members"),
        &app.admin(),
        body,
    )
    .await
    .ok(201);
    let p = app
        .get("/api/v1/pilot/progress", &app.admin())
        .await
        .ok(200);
    assert_eq!(
        p["participation"],
        json!({"households": 1, "rural_households": null, "rate": null})
    );
}

#[actix_web::test]
async fn bad_household_codes_and_days_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{a}/members");
    for bad in ["HH 1", "", "户-1", &"H".repeat(33)] {
        let mut body = member_body(1, "farmer");
        body["household_code"] = json!(bad);
        app.post(&url, &admin, body)
            .await
            .field_error("household_code");
    }
    let mut body = member_body(2, "enterprise");
    body["household_code"] = json!("HH-1");
    let p = app
        .post(&url, &admin, body)
        .await
        .field_error("household_code");
    assert!(p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "household_code" && e["code"] == "farmers_only"));
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    for on in ["2019-12-31", tomorrow.as_str(), "0001-01-01"] {
        app.get(&format!("/api/v1/pilot/progress?on={on}"), &admin)
            .await
            .field_error("on");
    }
    app.get("/api/v1/pilot/progress?on=2020-01-01", &admin)
        .await
        .ok(200);
}
