use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{TestApp, TOWN_A, TOWN_B};

const ORDERS: &str = "/api/v1/service-orders";

fn order(coop: i64, service: &str) -> Value {
    json!({"cooperative_id": coop, "service_type": service, "description": "请协助办理"})
}

#[actix_web::test]
async fn catalogue_lists_the_ten_services_and_the_district_edits_it() {
    let app = TestApp::new().await;
    let list = app
        .get("/api/v1/service-types", &app.token(Role::Cooperative))
        .await
        .ok(200);
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "branding",
            "bookkeeping",
            "registration",
            "annual_report_filing",
            "project_application",
            "credit_guarantee",
            "ecommerce",
            "product_sales",
            "logistics",
            "insurance"
        ]
    );
    let ecommerce = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "ecommerce")
        .unwrap();
    assert_eq!(ecommerce["provider"], "中国邮政");
    assert_eq!(ecommerce["free"], false);
    let r = app
        .patch(
            "/api/v1/service-types/bookkeeping",
            &app.admin(),
            json!({"price_fen": 99_000}),
        )
        .await
        .ok(200);
    assert_eq!(r["price_fen"], 99_000);
    app.patch(
        "/api/v1/service-types/registration",
        &app.admin(),
        json!({"price_fen": 5}),
    )
    .await
    .field_error("price_fen");
    app.patch(
        "/api/v1/service-types/nothing",
        &app.admin(),
        json!({"price_fen": 5}),
    )
    .await
    .problem(404);
    app.patch(
        "/api/v1/service-types/bookkeeping",
        &app.token(Role::ServiceCenter),
        json!({"price_fen": 1}),
    )
    .await
    .problem(403);
    let created = app
        .post(
            "/api/v1/service-types",
            &app.admin(),
            json!({"code": "cold_chain", "name": "冷链仓储", "free": false, "price_fen": 50_000}),
        )
        .await
        .ok(201);
    assert_eq!(created["active"], true);
    app.post(
        "/api/v1/service-types",
        &app.admin(),
        json!({"code": "cold_chain", "name": "x", "free": true, "price_fen": 0}),
    )
    .await
    .problem(409);
    app.post(
        "/api/v1/service-types",
        &app.admin(),
        json!({"code": "Bad Code", "name": "x", "free": true, "price_fen": 0}),
    )
    .await
    .field_error("code");
}

#[actix_web::test]
async fn order_lifecycle_and_rating() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(c),
            ..Default::default()
        },
    );
    let staff = app.token(Role::ServiceCenter);
    let o = app
        .post(ORDERS, &own, order(c, "bookkeeping"))
        .await
        .ok(201);
    assert_eq!(o["status"], "submitted");
    let url = format!("{ORDERS}/{}", o["id"]);
    // Illegal steps from submitted.
    app.send(
        actix_web::http::Method::POST,
        &format!("{url}/start"),
        Some(&staff),
        None,
    )
    .await
    .problem(409);
    app.post(&format!("{url}/complete"), &staff, json!({"fee_fen": 1}))
        .await
        .problem(409);
    app.post(&format!("{url}/rating"), &own, json!({"score": 5}))
        .await
        .problem(409);
    // The cooperative may not move it along.
    app.post(&format!("{url}/accept"), &own, json!({}))
        .await
        .problem(403);
    let accepted = app
        .post(
            &format!("{url}/accept"),
            &staff,
            json!({"assignee": "王会计"}),
        )
        .await
        .ok(200);
    assert_eq!(accepted["assignee"], "王会计");
    app.post(&format!("{url}/accept"), &staff, json!({}))
        .await
        .problem(409);
    // Once accepted, only staff cancel.
    app.post(
        &format!("{url}/cancel"),
        &own,
        json!({"reason": "不需要了"}),
    )
    .await
    .problem(403);
    app.send(
        actix_web::http::Method::POST,
        &format!("{url}/start"),
        Some(&staff),
        None,
    )
    .await
    .ok(200);
    // A paid service needs its fee.
    app.post(
        &format!("{url}/complete"),
        &staff,
        json!({"result_note": "done"}),
    )
    .await
    .field_error("fee_fen");
    let done = app
        .post(
            &format!("{url}/complete"),
            &staff,
            json!({"fee_fen": 120_000, "result_note": "完成"}),
        )
        .await
        .ok(200);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["fee_fen"], 120_000);
    app.post(&format!("{url}/cancel"), &staff, json!({"reason": "x"}))
        .await
        .problem(409);
    // Rating: the cooperative, 1–5, once.
    app.post(&format!("{url}/rating"), &staff, json!({"score": 5}))
        .await
        .problem(403);
    app.post(&format!("{url}/rating"), &own, json!({"score": 6}))
        .await
        .field_error("score");
    app.post(&format!("{url}/rating"), &own, json!({"score": 0}))
        .await
        .field_error("score");
    let rated = app
        .post(
            &format!("{url}/rating"),
            &own,
            json!({"score": 4, "comment": "不错"}),
        )
        .await
        .ok(200);
    assert_eq!(rated["rating"]["score"], 4);
    app.post(&format!("{url}/rating"), &own, json!({"score": 5}))
        .await
        .problem(409);
    let events = app
        .get(
            &format!(
                "/api/v1/audit-events?entity=service_order&entity_id={}",
                o["id"]
            ),
            &app.admin(),
        )
        .await
        .ok(200);
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["rate", "complete", "start", "accept", "create"]);
}

#[actix_web::test]
async fn free_services_charge_nothing_and_cancel_while_submitted() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let officer = app.token(Role::TownOfficer);
    let staff = app.token(Role::ServiceCenter);
    let o = app
        .post(ORDERS, &officer, order(c, "registration"))
        .await
        .ok(201);
    let url = format!("{ORDERS}/{}", o["id"]);
    app.post(&format!("{url}/accept"), &staff, json!({}))
        .await
        .ok(200);
    app.send(
        actix_web::http::Method::POST,
        &format!("{url}/start"),
        Some(&staff),
        None,
    )
    .await
    .ok(200);
    app.post(&format!("{url}/complete"), &staff, json!({"fee_fen": 100}))
        .await
        .field_error("fee_fen");
    assert_eq!(
        app.post(&format!("{url}/complete"), &staff, json!({}))
            .await
            .ok(200)["fee_fen"],
        0
    );
    let second = app
        .post(ORDERS, &officer, order(c, "ecommerce"))
        .await
        .ok(201);
    let cancelled = app
        .post(
            &format!("{ORDERS}/{}/cancel", second["id"]),
            &officer,
            json!({"reason": "已自行办理"}),
        )
        .await
        .ok(200);
    assert_eq!(cancelled["status"], "cancelled");
    app.post(
        &format!("{ORDERS}/{}/cancel", second["id"]),
        &officer,
        json!({"reason": ""}),
    )
    .await
    .field_error("reason");
}

#[actix_web::test]
async fn placing_validates_and_scopes() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let officer = app.token(Role::TownOfficer);
    app.post(ORDERS, &officer, order(other, "branding"))
        .await
        .field_error("cooperative_id");
    app.post(ORDERS, &officer, order(mine, "teleportation"))
        .await
        .field_error("service_type");
    app.post(
        ORDERS,
        &officer,
        json!({"cooperative_id": mine, "service_type": "branding", "description": ""}),
    )
    .await
    .field_error("description");
    app.patch(
        "/api/v1/service-types/branding",
        &app.admin(),
        json!({"active": false}),
    )
    .await
    .ok(200);
    app.post(ORDERS, &officer, order(mine, "branding"))
        .await
        .field_error("service_type");
    for role in [
        Role::ServiceCenter,
        Role::Observer,
        Role::Counselor,
        Role::BankPartner,
    ] {
        app.post(ORDERS, &app.token(role), order(mine, "bookkeeping"))
            .await
            .problem(403);
    }
    let a = app
        .post(ORDERS, &app.admin(), order(mine, "bookkeeping"))
        .await
        .ok(201);
    let b = app
        .post(ORDERS, &app.admin(), order(other, "logistics"))
        .await
        .ok(201);
    // Who sees what.
    let count = |token: String| {
        let app = &app;
        async move {
            app.get(&format!("{ORDERS}?count=true"), &token)
                .await
                .ok(200)["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count(app.admin()).await, 2);
    assert_eq!(count(app.token(Role::ServiceCenter)).await, 2);
    assert_eq!(count(app.token(Role::Observer)).await, 2);
    assert_eq!(count(officer.clone()).await, 1);
    let own = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(other),
            ..Default::default()
        },
    );
    assert_eq!(count(own.clone()).await, 1);
    app.get(&format!("{ORDERS}/{}", a["id"]), &own)
        .await
        .problem(404);
    app.get(&format!("{ORDERS}/{}", b["id"]), &officer)
        .await
        .problem(404);
    app.get(ORDERS, &app.token(Role::Counselor))
        .await
        .problem(403);
    // Filters and the work queue (open orders, oldest first; staff only).
    let by_type = app
        .get(&format!("{ORDERS}?service_type=logistics"), &app.admin())
        .await
        .ok(200);
    assert_eq!(by_type["items"].as_array().unwrap().len(), 1);
    let by_town = app
        .get(&format!("{ORDERS}?town_code={TOWN_B}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(by_town["items"][0]["id"], b["id"]);
    app.post(
        &format!("{ORDERS}/{}/cancel", a["id"]),
        &app.admin(),
        json!({"reason": "dup"}),
    )
    .await
    .ok(200);
    let queue = app
        .get(&format!("{ORDERS}/queue"), &app.token(Role::ServiceCenter))
        .await
        .ok(200);
    let ids: Vec<&Value> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, vec![&b["id"]]);
    app.get(&format!("{ORDERS}/queue"), &officer)
        .await
        .problem(403);
    app.get(&format!("{ORDERS}?status=lost"), &app.admin())
        .await
        .problem(400);
}

mod service;
