//! `ping` and the manual retry of a failed delivery.

use std::sync::{Arc, Mutex};

use coophub::auth::Role;
use coophub::db::schema::webhook_deliveries;
use coophub::webhooks::verify;
use diesel::prelude::*;
use serde_json::{json, Value};

use super::{emit, log_of, receiver, subscribe, worker, Received, SECRET};
use crate::common::fixtures::loans::other_bank;
use crate::common::TestApp;

#[actix_web::test]
async fn a_ping_is_signed_and_delivered_now() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let hook = subscribe(&app, &receiver(st.clone()), json!(["loan.approved"])).await;
    let bank = app.token(Role::BankPartner);
    let path = format!("/api/v1/webhooks/{hook}/ping");
    for role in [Role::DistrictAdmin, Role::Observer, Role::Cooperative] {
        app.post(&path, &app.token(role), json!({}))
            .await
            .problem(403);
    }
    app.post(&path, &other_bank(&app), json!({}))
        .await
        .problem(404);
    app.post("/api/v1/webhooks/999999/ping", &bank, json!({}))
        .await
        .problem(404);
    let d = app.post(&path, &bank, json!({})).await.ok(202);
    assert_eq!(
        (d["event_type"].as_str(), d["status"].as_str()),
        (Some("ping"), Some("pending"))
    );
    // Not subscribed to `ping`, delivered all the same, signed.
    assert_eq!(worker(&app).run_once().await.unwrap(), 1);
    let hits = st.lock().unwrap().hits.clone();
    assert_eq!(hits.len(), 1);
    let (sig, event_id, body) = &hits[0];
    assert_eq!(event_id, d["event_id"].as_str().unwrap());
    let now = chrono::Utc::now().timestamp();
    assert!(verify(SECRET, sig, body.as_bytes(), now, 300));
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["type"], "ping");
    assert_eq!(v["data"]["webhook_id"], hook);
    assert_eq!(log_of(&app, hook)[0].status, "delivered");
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_on_demand() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let hook = subscribe(&app, &receiver(st.clone()), json!(["loan.approved"])).await;
    let bank = app.token(Role::BankPartner);
    emit(&app, "psbc", "loan.approved");
    let did = log_of(&app, hook)[0].id;
    let path = format!("/api/v1/webhooks/{hook}/deliveries/{did}/retry");
    // Pending, not failed: 409.
    let p = app.post(&path, &bank, json!({})).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("pending"));
    // As the worker leaves a delivery it gave up on.
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(did)))
        .set((
            webhook_deliveries::status.eq("failed"),
            webhook_deliveries::attempts.eq(15),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    app.post(&path, &app.admin(), json!({})).await.problem(403);
    app.post(&path, &other_bank(&app), json!({}))
        .await
        .problem(404);
    app.post(
        &format!("/api/v1/webhooks/{hook}/deliveries/999999/retry"),
        &bank,
        json!({}),
    )
    .await
    .problem(404);
    let d = app.post(&path, &bank, json!({})).await.ok(202);
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    assert_eq!(worker(&app).run_once().await.unwrap(), 1);
    assert_eq!(log_of(&app, hook)[0].status, "delivered");
    assert_eq!(st.lock().unwrap().hits.len(), 1);
    app.post(&path, &bank, json!({})).await.problem(409);
}
