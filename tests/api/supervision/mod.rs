mod service;

use chrono::Datelike;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::json;

use crate::common::{member_body, TestApp, TOWN_A, TOWN_B};

fn checklist(pass: bool, real_operations: bool) -> serde_json::Value {
    json!({"checklist": {"charter": pass, "bodies": pass, "member_ledger": pass, "bookkeeping": pass,
        "disclosure": pass, "annual_report": pass, "transaction_distribution": pass, "real_operations": real_operations}})
}

#[actix_web::test]
async fn assessments_set_the_tier_and_keep_history() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/assessments");
    let a = app
        .post(&url, &app.admin(), checklist(true, true))
        .await
        .ok(201);
    assert_eq!(
        (a["tier"].as_str(), a["passed"].as_i64()),
        (Some("standard"), Some(8))
    );
    let coop = app
        .get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(coop["tier"], "standard");
    assert_eq!(coop["version"], 2);
    let mut six = checklist(true, true);
    six["checklist"]["disclosure"] = json!(false);
    six["checklist"]["bookkeeping"] = json!(false);
    assert_eq!(
        app.post(&url, &app.admin(), six).await.ok(201)["tier"],
        "basic"
    );
    assert_eq!(
        app.post(&url, &app.admin(), checklist(true, false))
            .await
            .ok(201)["tier"],
        "shell"
    );
    assert_eq!(
        app.post(&url, &app.admin(), checklist(false, true))
            .await
            .ok(201)["tier"],
        "substandard"
    );
    let history = app.get(&url, &app.admin()).await.ok(200);
    assert_eq!(history["items"].as_array().unwrap().len(), 4);
    assert_eq!(history["items"][0]["tier"], "substandard");
    let listed = app
        .get("/api/v1/cooperatives?tier=substandard", &app.admin())
        .await
        .ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Bad input, roles, scope.
    let mut missing = checklist(true, true);
    missing["checklist"]
        .as_object_mut()
        .unwrap()
        .remove("charter");
    app.post(&url, &app.admin(), missing)
        .await
        .field_error("checklist.charter");
    let mut wrong = checklist(true, true);
    wrong["checklist"]["charter"] = json!("yes");
    app.post(&url, &app.admin(), wrong)
        .await
        .field_error("checklist.charter");
    for role in [Role::TownOfficer, Role::Counselor, Role::Observer] {
        app.post(&url, &app.token(role), checklist(true, true))
            .await
            .problem(403);
    }
    app.get(&url, &app.token(Role::TownOfficer)).await.ok(200);
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.get(
        &format!("/api/v1/cooperatives/{other}/assessments"),
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(404);
    let own = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(c),
            ..Default::default()
        },
    );
    app.get(&url, &own).await.ok(200);
    app.post(&url, &own, checklist(true, true))
        .await
        .problem(403);
    app.get(&url, &app.token(Role::BankPartner))
        .await
        .problem(403);
}

#[actix_web::test]
async fn abnormal_list_and_lift() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/abnormal-listing");
    app.post(&url, &app.admin(), json!({"reason": ""}))
        .await
        .field_error("reason");
    app.post(
        &url,
        &app.admin(),
        json!({"reason": "x", "listed_on": "2999-01-01"}),
    )
    .await
    .field_error("listed_on");
    app.delete(&url, &app.admin()).await.problem(409);
    app.post(
        &url,
        &app.token(Role::TownOfficer),
        json!({"reason": "未报年报"}),
    )
    .await
    .problem(403);
    let listing = app
        .post(&url, &app.admin(), json!({"reason": "未报年报"}))
        .await
        .ok(201);
    assert_eq!(listing["lifted_on"], serde_json::Value::Null);
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
            .await
            .ok(200)["status"],
        "abnormal"
    );
    app.post(&url, &app.admin(), json!({"reason": "again"}))
        .await
        .problem(409);
    let listed = app
        .get("/api/v1/cooperatives?status=abnormal", &app.admin())
        .await
        .ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let lifted = app
        .delete(&format!("{url}?reason=filed%20late"), &app.admin())
        .await
        .ok(200);
    assert_eq!(lifted["lift_reason"], "filed late");
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{c}"), &app.admin())
            .await
            .ok(200)["status"],
        "active"
    );
    let history = app
        .get(
            &format!("/api/v1/cooperatives/{c}/abnormal-listings"),
            &app.token(Role::Observer),
        )
        .await
        .ok(200);
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    let events = app
        .get(
            "/api/v1/audit-events?entity=cooperative&action=list_abnormal",
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(events["items"][0]["after"]["status"], "abnormal");
}

#[actix_web::test]
async fn candidates_are_those_without_a_timely_filing() {
    let app = TestApp::new().await;
    let year = chrono::Utc::now().year() - 2;
    let filed = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let late = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let missing = app.create_coop(3, TOWN_B).await["id"].as_i64().unwrap();
    let draft = json!({"member_count": 5, "farmer_member_count": 5, "total_assets_fen": 0, "total_liabilities_fen": 0,
        "operating_revenue_fen": 0, "surplus_fen": 0, "surplus_returned_by_transactions_fen": 0});
    for (id, day) in [
        (filed, format!("{}-05-01", year + 1)),
        (late, format!("{}-08-01", year + 1)),
    ] {
        let url = format!("/api/v1/cooperatives/{id}/annual-reports/{year}");
        app.put(&url, &app.admin(), draft.clone()).await.ok(201);
        app.post(
            &format!("{url}/submit"),
            &app.admin(),
            json!({"submitted_on": day}),
        )
        .await
        .ok(200);
    }
    let r = app
        .get(
            &format!("/api/v1/abnormal-listing-candidates?year={year}&count=true"),
            &app.admin(),
        )
        .await
        .ok(200);
    let ids: Vec<i64> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![late, missing]);
    assert_eq!(r["total"], 2);
    assert_eq!(r["deadline"], format!("{}-06-30", year + 1));
    let town = app
        .get(
            &format!("/api/v1/abnormal-listing-candidates?year={year}"),
            &app.token(Role::TownOfficer),
        )
        .await
        .ok(200);
    assert_eq!(town["items"].as_array().unwrap().len(), 1);
    let this_year = chrono::Utc::now().year();
    app.get(
        &format!("/api/v1/abnormal-listing-candidates?year={this_year}"),
        &app.admin(),
    )
    .await
    .field_error("year");
    app.get(
        "/api/v1/abnormal-listing-candidates",
        &app.token(Role::ServiceCenter),
    )
    .await
    .problem(403);
}

#[actix_web::test]
async fn merge_moves_members_and_marks_the_source() {
    let app = TestApp::new().await;
    let source = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let target = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    for n in 0..3 {
        app.add_member(source, n, "farmer").await;
    }
    // Member 0 already belongs to the target.
    app.add_member(target, 0, "farmer").await;
    let url = format!("/api/v1/cooperatives/{source}/merge");
    app.post(&url, &app.admin(), json!({"into_cooperative_id": source}))
        .await
        .field_error("into_cooperative_id");
    app.post(&url, &app.admin(), json!({"into_cooperative_id": 999}))
        .await
        .field_error("into_cooperative_id");
    app.post(
        &url,
        &app.token(Role::TownOfficer),
        json!({"into_cooperative_id": target}),
    )
    .await
    .problem(403);
    let r = app
        .post(&url, &app.admin(), json!({"into_cooperative_id": target}))
        .await
        .ok(200);
    assert_eq!(r["moved_members"], 2);
    assert_eq!(r["skipped_members"].as_array().unwrap().len(), 1);
    assert_eq!(r["source"]["status"], "merged");
    assert_eq!(r["source"]["merged_into_id"], target);
    assert_eq!(r["target"]["members"]["active"], 3);
    assert_eq!(r["source"]["members"]["active"], 0);
    // A merged cooperative is closed: no second merge, no new members, not a target.
    app.post(&url, &app.admin(), json!({"into_cooperative_id": target}))
        .await
        .problem(409);
    app.post(
        &format!("/api/v1/cooperatives/{source}/members"),
        &app.admin(),
        member_body(9, "farmer"),
    )
    .await
    .problem(409);
    let third = app.create_coop(3, TOWN_A).await["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/cooperatives/{third}/merge"),
        &app.admin(),
        json!({"into_cooperative_id": source}),
    )
    .await
    .problem(409);
    // Nothing of the failed attempts was written.
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{third}"), &app.admin())
            .await
            .ok(200)["status"],
        "active"
    );
}

#[actix_web::test]
async fn merge_moves_federation_memberships_and_keeps_unions_whole() {
    let app = TestApp::new().await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        ids.push(app.coop_id(n, TOWN_A).await);
    }
    let (source, target, a, b) = (ids[0], ids[1], ids[2], ids[3]);
    // An active union of source, target and a: merging source into target would leave 2.
    let union = app.union(1).await;
    for c in [source, target, a] {
        app.join(union, c).await;
    }
    app.activate(union).await;
    let url = format!("/api/v1/cooperatives/{source}/merge");
    let p = app
        .post(&url, &app.admin(), json!({"into_cooperative_id": target}))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("fewer than 3"));
    assert_eq!(
        app.get(&format!("/api/v1/cooperatives/{source}"), &app.admin())
            .await
            .ok(200)["status"],
        "active"
    );
    let members = app
        .get(
            &format!("/api/v1/federations/{union}/members"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(
        members["items"].as_array().unwrap().len(),
        3,
        "nothing half-done"
    );

    // With a fourth member the union survives; a consortium membership moves over.
    app.join(union, b).await;
    let consortium = app.consortium().await;
    app.join(consortium, source).await;
    let r = app
        .post(&url, &app.admin(), json!({"into_cooperative_id": target}))
        .await
        .ok(200);
    assert_eq!(r["moved_federation_ids"], json!([consortium]));
    assert_eq!(r["merged_federation_ids"], json!([union]));
    let members = app
        .get(
            &format!("/api/v1/federations/{consortium}/members"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(members["items"][0]["cooperative_id"], target);
}

#[actix_web::test]
async fn supervision_reads_are_scoped() {
    let app = TestApp::new().await;
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let officer = app.token(Role::TownOfficer);
    app.get(
        &format!("/api/v1/cooperatives/{other}/abnormal-listings"),
        &officer,
    )
    .await
    .problem(404);
    app.post(
        &format!("/api/v1/cooperatives/{other}/abnormal-listing"),
        &app.admin(),
        json!({"reason": "x"}),
    )
    .await
    .ok(201);
    app.delete(
        &format!("/api/v1/cooperatives/{other}/abnormal-listing"),
        &officer,
    )
    .await
    .problem(403);
    app.delete(
        &format!("/api/v1/cooperatives/{other}/abnormal-listing?lifted_on=2999-01-01"),
        &app.admin(),
    )
    .await
    .field_error("lifted_on");
    app.get(
        &format!("/api/v1/cooperatives/{other}/abnormal-listings"),
        &app.token(Role::ServiceCenter),
    )
    .await
    .problem(403);
    app.post(
        &format!("/api/v1/cooperatives/{other}/merge"),
        &app.admin(),
        json!({"into": 1}),
    )
    .await
    .problem(400);
}
