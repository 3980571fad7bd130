use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::partner_token;
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn create_and_patch_are_recorded_with_before_and_after() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let id = c["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/cooperatives/{id}"),
        &app.admin(),
        json!({"phone": "13900001111"}),
    )
    .await
    .ok(200);

    let events = app
        .get(
            &format!("/api/v1/audit-events?entity=cooperative&entity_id={id}&count=true"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(events["total"], 2);
    let items = events["items"].as_array().unwrap();
    // Newest first.
    let update = &items[0];
    assert_eq!(update["action"], "update");
    assert_eq!(update["actor_role"], "district_admin");
    assert_eq!(update["actor_username"], "test-district_admin");
    assert_eq!(update["before"]["phone"], "13812345678");
    assert_eq!(update["after"]["phone"], "13900001111");
    assert_eq!(update["after"]["version"], 2);
    assert!(update["request_id"].is_string());
    assert!(update["occurred_at"].as_str().unwrap().ends_with('Z'));
    let create = &items[1];
    assert_eq!(create["action"], "create");
    assert_eq!(create["before"], serde_json::Value::Null);
    assert_eq!(create["after"]["uscc"], c["uscc"]);
}

#[actix_web::test]
async fn refused_changes_leave_no_audit_row() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let id = c["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/cooperatives/{id}"),
        &app.admin(),
        json!({"phone": "x"}),
    )
    .await
    .problem(422);
    let events = app
        .get("/api/v1/audit-events?count=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(events["total"], 1);
}

#[actix_web::test]
async fn filters_and_paging() {
    let app = TestApp::new().await;
    for n in 0..3 {
        app.create_coop(n, TOWN_A).await;
    }
    let admin = app.admin();
    let page = app
        .get("/api/v1/audit-events?limit=2", &admin)
        .await
        .ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/audit-events?limit=2&cursor={next}"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    let by_actor = app
        .get(
            "/api/v1/audit-events?actor=test-district_admin&action=create&count=true",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(by_actor["total"], 3);
    let none = app
        .get("/api/v1/audit-events?actor=someone&count=true", &admin)
        .await
        .ok(200);
    assert_eq!(none["total"], 0);
    let future = app
        .get(
            "/api/v1/audit-events?since=2999-01-01T00:00:00Z&count=true",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(future["total"], 0);
    let past = app
        .get(
            "/api/v1/audit-events?until=2000-01-01T00:00:00Z&count=true",
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(past["total"], 0);
    app.get("/api/v1/audit-events?since=yesterday", &admin)
        .await
        .problem(400);
    app.get("/api/v1/audit-events?limit=500", &admin)
        .await
        .field_error("limit");
}

#[actix_web::test]
async fn only_district_and_observer_read_the_trail() {
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    app.get("/api/v1/audit-events", &app.token(Role::Observer))
        .await
        .ok(200);
    for role in [
        Role::TownOfficer,
        Role::Counselor,
        Role::Cooperative,
        Role::BankPartner,
        Role::ServiceCenter,
    ] {
        app.get("/api/v1/audit-events", &app.token(role))
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn observers_do_not_read_partner_or_webhook_records_through_the_trail() {
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    let bank = partner_token(&app, "psbc").await;
    app.post(
        "/api/v1/webhooks",
        &bank,
        json!({"url": "https://203.0.113.7/h", "events": ["loan.approved"], "secret": "whsec_test_0123456789abcdef"}),
    )
    .await
    .ok(201);
    let entities = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["entity"].as_str().unwrap().to_string())
            .collect()
    };
    let all = app.get("/api/v1/audit-events", &app.admin()).await.ok(200);
    let seen = entities(&all);
    assert!(seen.contains(&"partner".to_string()), "{seen:?}");
    assert!(seen.contains(&"webhook".to_string()), "{seen:?}");

    let observer = app.token(Role::Observer);
    let theirs = entities(&app.get("/api/v1/audit-events", &observer).await.ok(200));
    assert_eq!(theirs, vec!["cooperative".to_string()]);
    for entity in ["partner", "webhook"] {
        let r = app
            .get(
                &format!("/api/v1/audit-events?entity={entity}&count=true"),
                &observer,
            )
            .await
            .ok(200);
        assert_eq!(r["items"], json!([]), "{entity}");
        assert_eq!(r["total"], 0, "{entity}");
    }
}
