use actix_web::test::TestRequest;

use crate::common::{coop_body, TestApp, TOWN_A};

/// The value of the series whose line starts with `prefix` (name and labels), if any.
fn value(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let r = app.request(TestRequest::get().uri("/metrics")).await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.content_type().starts_with("text/plain; version=0.0.4"));
    String::from_utf8(r.body.to_vec()).unwrap()
}

const COOP_200: &str = "coophub_http_requests_total{method=\"GET\",route=\"/api/v1/cooperatives/{id}\",status=\"200\"}";
const COOP_404: &str = "coophub_http_requests_total{method=\"GET\",route=\"/api/v1/cooperatives/{id}\",status=\"404\"}";

#[actix_web::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = TestApp::with_settings(|s| s.integrations.metrics_on_main = true).await;
    let id = app
        .post("/api/v1/cooperatives", &app.admin(), coop_body(1, TOWN_A))
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    // The registry is the process's: other tests count too, so compare before and after.
    let before = scrape(&app).await;
    let ok_before = value(&before, COOP_200).unwrap_or(0.0);
    let missing_before = value(&before, COOP_404).unwrap_or(0.0);
    for _ in 0..3 {
        app.get(&format!("/api/v1/cooperatives/{id}"), &app.admin())
            .await
            .ok(200);
    }
    app.get("/api/v1/cooperatives/999999", &app.admin())
        .await
        .problem(404);
    // A path no route matches is counted under one label, not under its own path.
    app.get("/no/such/path/42", &app.admin()).await.problem(404);
    let after = scrape(&app).await;
    assert!(
        value(&after, COOP_200).unwrap() >= ok_before + 3.0,
        "{after}"
    );
    assert!(value(&after, COOP_404).unwrap() >= missing_before + 1.0);
    assert!(after.contains("route=\"unmatched\""));
    assert!(!after.contains("/no/such/path"));
    // The latency histogram by route, its buckets cumulative up to +Inf.
    let count = value(
        &after,
        "coophub_http_request_duration_seconds_count{route=\"/api/v1/cooperatives/{id}\"}",
    )
    .unwrap();
    assert!(count >= 4.0);
    let inf = value(
        &after,
        "coophub_http_request_duration_seconds_bucket{route=\"/api/v1/cooperatives/{id}\",le=\"+Inf\"}",
    )
    .unwrap();
    assert_eq!(inf, count);
    // The pool, read at the scrape (the scrape itself holds no connection when encoding).
    let max = value(&after, "coophub_db_pool_max_connections").unwrap();
    let in_use = value(&after, "coophub_db_pool_connections{state=\"in_use\"}").unwrap();
    let idle = value(&after, "coophub_db_pool_connections{state=\"idle\"}").unwrap();
    assert!(
        max >= 1.0 && in_use >= 0.0 && in_use + idle <= max,
        "{after}"
    );
    // SQLite's writer counts its committed groups and their changes (PostgreSQL has none).
    let groups = "coophub_sqlite_write_groups_total";
    let changes = "coophub_sqlite_write_changes_total";
    let (groups_before, changes_before) = (value(&after, groups), value(&after, changes));
    app.post("/api/v1/cooperatives", &app.admin(), coop_body(2, TOWN_A))
        .await
        .ok(201);
    let last = scrape(&app).await;
    let (groups_after, changes_after) = (value(&last, groups), value(&last, changes));
    if app.url.starts_with("postgres") {
        assert_eq!(
            (groups_after, changes_after),
            (Some(0.0), Some(0.0)),
            "{last}"
        );
    } else {
        assert!(
            groups_after.unwrap() >= groups_before.unwrap() + 1.0,
            "{last}"
        );
        assert!(
            changes_after.unwrap() >= changes_before.unwrap() + 1.0,
            "{last}"
        );
    }
    // The webhook outbox of this database: nothing queued, every status present.
    for status in ["pending", "delivered", "failed", "cancelled"] {
        let line = format!("coophub_webhook_deliveries{{status=\"{status}\"}}");
        assert_eq!(value(&after, &line), Some(0.0), "{line}");
    }
}

#[actix_web::test]
async fn metrics_show_the_webhook_queue_depth_and_failures() {
    let app = TestApp::with_settings(|s| s.integrations.metrics_on_main = true).await;
    app.write(|conn| {
        crate::common::exec(
            conn,
            "INSERT INTO webhooks (bank_code, url, events, secret, active, created_at) \
             VALUES ('psbc', 'https://bank.example/hook', 'loan.approved', 's', true, '2026-01-01 00:00:00')",
        );
        Ok(())
    })
    .unwrap();
    app.write(|conn| {
        for (event, status) in [("e1", "pending"), ("e2", "pending"), ("e3", "failed")] {
            crate::common::exec(
                conn,
                &format!(
                    "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at) \
                     SELECT id, '{event}', 'loan.approved', '{{}}', '{status}', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM webhooks"
                ),
            );
        }
        Ok(())
    })
    .unwrap();
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, "coophub_webhook_deliveries{status=\"pending\"}"),
        Some(2.0)
    );
    assert_eq!(
        value(&text, "coophub_webhook_deliveries{status=\"failed\"}"),
        Some(1.0)
    );
}

#[actix_web::test]
async fn metrics_are_off_the_main_listener_and_the_document_by_default() {
    let app = TestApp::new().await;
    let r = app.request(TestRequest::get().uri("/metrics")).await;
    r.problem(404);
    let doc = serde_json::to_value(coophub::app::openapi()).unwrap();
    assert!(doc["paths"].get("/metrics").is_none());
    // The separate listener's app serves them, and nothing else.
    let svc =
        actix_web::test::init_service(coophub::metrics::metrics_only_app(app.state.clone())).await;
    let res =
        actix_web::test::call_service(&svc, TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(res.status().as_u16(), 200);
    let body = actix_web::test::read_body(res).await;
    assert!(String::from_utf8_lossy(&body).contains("coophub_db_pool_max_connections"));
    let res =
        actix_web::test::call_service(&svc, TestRequest::get().uri("/api/v1/towns").to_request())
            .await;
    assert_eq!(res.status().as_u16(), 404);
}
