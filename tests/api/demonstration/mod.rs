use chrono::Datelike;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::books::{governance_body, Filing};
use crate::common::{TestApp, TOWN_A, TOWN_B};

const APPS: &str = "/api/v1/demonstration-applications";

fn year() -> i32 {
    chrono::Utc::now().year()
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
    let c = app.gate_candidate(1, TOWN_A).await;
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
    let c = app.gate_candidate(1, TOWN_A).await;
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
    let young = app.gate_candidate(2, TOWN_A).await;
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(300)).to_string();
    app.set_established_on(young, &recent).await;
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
    let nocharter = app.gate_candidate(3, TOWN_A).await;
    let mut body = governance_body();
    body["charter_adopted_on"] = Value::Null;
    app.set_governance(nocharter, body).await;
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
    let nobodies = app.gate_candidate(4, TOWN_A).await;
    let mut body = governance_body();
    body["supervisors"] = json!([]);
    app.set_governance(nobodies, body).await;
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
    let late = app.gate_candidate_filed(5, TOWN_A, Filing::Late).await;
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
    let abnormal = app.gate_candidate(6, TOWN_A).await;
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
    let c = app.gate_candidate(1, TOWN_A).await;
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
    let c = app.gate_candidate(1, TOWN_A).await;
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
    // A title held from before the system: the API awards titles only by an approval, which
    // it records, so a title without any record is a state only raw SQL can make.
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
    let plain = app.gate_candidate(1, TOWN_A).await;
    let visited = app.gate_candidate(2, TOWN_A).await;
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

mod service;
