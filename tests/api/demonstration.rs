use chrono::Datelike;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{TestApp, TOWN_A, TOWN_B};

const APPS: &str = "/api/v1/demonstration-applications";

fn year() -> i32 {
    chrono::Utc::now().year()
}

/// A cooperative that passes every gate: established long ago, charter and bodies, the last
/// due report filed on time and published.
async fn good_coop(app: &TestApp, n: u32, town: &str) -> i64 {
    let id = app.create_coop(n, town).await["id"].as_i64().unwrap();
    for m in 0..5 {
        app.add_member(id, n * 100 + m, "farmer").await;
    }
    app.put(
        &format!("/api/v1/cooperatives/{id}/governance"),
        &app.admin(),
        json!({
            "charter_adopted_on": "2015-03-01", "member_assembly": true, "board_chair": "张三",
            "board_members": ["张三", "李四"], "supervisors": ["赵六"], "bookkeeping": "agent",
            "bookkeeper": "钱七", "disclosure_channels": ["meeting"]
        }),
    )
    .await
    .ok(201);
    let due = coophub::domain::demonstration::last_due_year(chrono::Utc::now().date_naive());
    let url = format!("/api/v1/cooperatives/{id}/annual-reports/{due}");
    app.put(
        &url,
        &app.admin(),
        json!({"member_count": 5, "farmer_member_count": 5, "total_assets_fen": 10_000_000,
        "total_liabilities_fen": 0, "operating_revenue_fen": 500_000_000, "surplus_fen": 1_000_000,
        "surplus_returned_by_transactions_fen": 700_000, "member_income_fen": 1_500_000}),
    )
    .await
    .ok(201);
    app.post(
        &format!("{url}/submit"),
        &app.admin(),
        json!({"submitted_on": format!("{}-03-01", due + 1)}),
    )
    .await
    .ok(200);
    app.post(
        &format!("{url}/publish"),
        &app.admin(),
        json!({"published_on": format!("{}-03-05", due + 1)}),
    )
    .await
    .ok(200);
    id
}

fn failed_gates(a: &Value) -> Vec<String> {
    a["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["passed"] == false)
        .map(|g| g["gate"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn eligible_application_is_scored_and_approval_sets_the_title() {
    let app = TestApp::new().await;
    let c = good_coop(&app, 1, TOWN_A).await;
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": c, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(a["status"], "pending", "{a}");
    assert_eq!(a["eligible"], true);
    assert_eq!(a["gates"].as_array().unwrap().len(), 6);
    let score = a["score"].as_i64().unwrap();
    assert!((1..=100).contains(&score), "{score}");
    let points: f64 = a["score_breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["points"].as_f64().unwrap())
        .sum();
    assert_eq!(points.round() as i64, score);
    app.post(
        APPS,
        &app.admin(),
        json!({"cooperative_id": c, "level": "district", "year": year()}),
    )
    .await
    .problem(409);
    let approved = app
        .post(
            &format!("{APPS}/{}/approve", a["id"]),
            &app.admin(),
            json!({"note": "审定"}),
        )
        .await
        .ok(200);
    assert_eq!(approved["status"], "approved");
    app.post(
        &format!("{APPS}/{}/approve", a["id"]),
        &app.admin(),
        json!({}),
    )
    .await
    .problem(409);
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
            .await
            .ok(200)["demonstration_level"],
        "district"
    );
    // Now a municipal application passes the level gate, and approval raises the title.
    let m = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": c, "level": "municipal", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(m["status"], "pending");
    app.post(
        &format!("{APPS}/{}/approve", m["id"]),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
            .await
            .ok(200)["demonstration_level"],
        "municipal"
    );
    // The directory, with the year's quota.
    let dir = app
        .get(
            &format!("/api/v1/demonstration-directory?year={}", year()),
            &app.token(Role::Observer),
        )
        .await
        .ok(200);
    assert_eq!(dir["items"].as_array().unwrap().len(), 1);
    assert_eq!(dir["items"][0]["level"], "municipal");
    assert_eq!(
        dir["quota"],
        json!({"year": year(), "target": 7, "approved": 2})
    );
    assert_eq!(
        app.get(
            "/api/v1/demonstration-directory?level=national",
            &app.admin()
        )
        .await
        .ok(200)["items"],
        json!([])
    );
}

#[actix_web::test]
async fn each_gate_failing_alone_makes_the_application_ineligible() {
    let app = TestApp::new().await;
    // Municipal without a district title: only the level gate fails.
    let c = good_coop(&app, 1, TOWN_A).await;
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": c, "level": "municipal", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(a["status"], "ineligible");
    assert_eq!(a["score"], Value::Null);
    assert_eq!(failed_gates(&a), ["level_prerequisite"]);
    app.post(
        &format!("{APPS}/{}/approve", a["id"]),
        &app.admin(),
        json!({}),
    )
    .await
    .problem(409);
    let n = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": c, "level": "national", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&n), ["level_prerequisite"]);

    // Too young.
    let young = good_coop(&app, 2, TOWN_A).await;
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(300)).to_string();
    crate::common::exec(
        &mut app.conn(),
        &format!("UPDATE cooperatives SET established_on = '{recent}' WHERE id = {young}"),
    );
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": young, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&a), ["operating_two_years"]);

    // No charter.
    let nocharter = good_coop(&app, 3, TOWN_A).await;
    crate::common::exec(
        &mut app.conn(),
        &format!(
            "UPDATE governance SET charter_adopted_on = NULL WHERE cooperative_id = {nocharter}"
        ),
    );
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": nocharter, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&a), ["charter"]);

    // No supervisors.
    let nobodies = good_coop(&app, 4, TOWN_A).await;
    crate::common::exec(
        &mut app.conn(),
        &format!("UPDATE governance SET supervisors = '[]' WHERE cooperative_id = {nobodies}"),
    );
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": nobodies, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&a), ["bodies"]);

    // The report was filed late.
    let late = good_coop(&app, 5, TOWN_A).await;
    crate::common::exec(
        &mut app.conn(),
        &format!("UPDATE annual_reports SET late = TRUE WHERE cooperative_id = {late}"),
    );
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": late, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&a), ["annual_report_on_time"]);

    // On the abnormal list.
    let abnormal = good_coop(&app, 6, TOWN_A).await;
    app.post(
        &format!("/api/v1/cooperatives/{abnormal}/abnormal-listing"),
        &app.admin(),
        json!({"reason": "x"}),
    )
    .await
    .ok(201);
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": abnormal, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(failed_gates(&a), ["not_abnormal"]);

    let list = app
        .get(
            &format!("{APPS}?status=ineligible&count=true"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(list["total"], 7);
}

#[actix_web::test]
async fn bad_input_roles_and_scope() {
    let app = TestApp::new().await;
    let c = good_coop(&app, 1, TOWN_A).await;
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.post(
        APPS,
        &app.admin(),
        json!({"cooperative_id": c, "level": "galactic", "year": year()}),
    )
    .await
    .field_error("level");
    app.post(
        APPS,
        &app.admin(),
        json!({"cooperative_id": c, "level": "district", "year": 2019}),
    )
    .await
    .field_error("year");
    app.post(
        APPS,
        &app.admin(),
        json!({"cooperative_id": 999, "level": "district", "year": year()}),
    )
    .await
    .field_error("cooperative_id");
    for role in [
        Role::TownOfficer,
        Role::Counselor,
        Role::Cooperative,
        Role::Observer,
    ] {
        app.post(
            APPS,
            &app.token(role),
            json!({"cooperative_id": c, "level": "district", "year": year()}),
        )
        .await
        .problem(403);
    }
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get(APPS, &app.token(role)).await.problem(403);
    }
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": other, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    let officer = app.token(Role::TownOfficer);
    app.get(&format!("{APPS}/{}", a["id"]), &officer)
        .await
        .problem(404);
    assert_eq!(app.get(APPS, &officer).await.ok(200)["items"], json!([]));
    app.post(&format!("{APPS}/{}/reject", a["id"]), &officer, json!({}))
        .await
        .problem(403);
}

#[actix_web::test]
async fn failed_monitoring_revokes_the_title() {
    let app = TestApp::new().await;
    let c = good_coop(&app, 1, TOWN_A).await;
    let url = format!("/api/v1/cooperatives/{c}/demonstration-monitoring");
    app.post(
        &url,
        &app.admin(),
        json!({"year": year(), "result": "pass"}),
    )
    .await
    .problem(409);
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": c, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    app.post(
        &format!("{APPS}/{}/approve", a["id"]),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    // Just approved: not yet due. A title without records is due.
    let due = app
        .get("/api/v1/demonstration-monitoring/due", &app.admin())
        .await
        .ok(200);
    assert_eq!(due["items"], json!([]));
    let legacy = app.create_coop(9, TOWN_A).await["id"].as_i64().unwrap();
    crate::common::exec(
        &mut app.conn(),
        &format!("UPDATE cooperatives SET demonstration_level = 'national' WHERE id = {legacy}"),
    );
    let due = app
        .get("/api/v1/demonstration-monitoring/due", &app.admin())
        .await
        .ok(200);
    assert_eq!(due["items"][0]["cooperative_id"], legacy);

    app.post(
        &url,
        &app.admin(),
        json!({"year": year(), "result": "maybe"}),
    )
    .await
    .field_error("result");
    app.post(
        &url,
        &app.token(Role::TownOfficer),
        json!({"year": year(), "result": "fail"}),
    )
    .await
    .problem(403);
    let pass = app
        .post(
            &url,
            &app.admin(),
            json!({"year": year(), "result": "pass"}),
        )
        .await
        .ok(201);
    assert_eq!(pass["revoked"], false);
    let fail = app
        .post(
            &url,
            &app.admin(),
            json!({"year": year(), "result": "fail", "notes": "台账缺失"}),
        )
        .await
        .ok(201);
    assert_eq!(fail["revoked"], true);
    assert_eq!(fail["level_before"], "district");
    let coop = app
        .get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(coop["demonstration_level"], Value::Null);
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity=cooperative&entity_id={c}&action=revoke_title"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn counselor_findings_raise_the_score() {
    let app = TestApp::new().await;
    let plain = good_coop(&app, 1, TOWN_A).await;
    let visited = good_coop(&app, 2, TOWN_A).await;
    let counselor = app.add_counselor(&[TOWN_A]);
    let today = chrono::Utc::now().date_naive();
    for days in [10, 40, 90, 200] {
        let on = (today - chrono::Days::new(days)).to_string();
        app.post(&format!("/api/v1/counselors/{counselor}/visits"), &app.admin(), json!({
            "cooperative_id": visited, "visited_on": on, "topics": ["年报"], "findings": "台账需完善"
        })).await.ok(201);
    }
    let score = |a: &Value| {
        a["score_breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["factor"] == "counselor_findings")
            .unwrap()["points"]
            .as_f64()
            .unwrap()
    };
    let a = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": plain, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    let b = app
        .post(
            APPS,
            &app.admin(),
            json!({"cooperative_id": visited, "level": "district", "year": year()}),
        )
        .await
        .ok(201);
    assert_eq!(score(&a), 0.0);
    assert_eq!(score(&b), 10.0);
    assert_eq!(
        b["score"].as_i64().unwrap() - a["score"].as_i64().unwrap(),
        10
    );
}
