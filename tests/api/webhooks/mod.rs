use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use coophub::db::models::webhooks::{self as m, Delivery};
use coophub::webhooks::{verify, Worker};
use serde_json::{json, Value};

use crate::common::fixtures::{act, apply, product};
use crate::common::{TestApp, TOWN_A};

const SECRET: &str = "whsec_test_0123456789abcdef";

mod delivery;
mod ping;
mod service;
mod ssrf;

#[derive(Default)]
struct Received {
    /// (signature header, event id header, body)
    hits: Vec<(String, String, String)>,
    /// The `Host` header of every request.
    hosts: Vec<String>,
    /// Answer 500 to this many requests first.
    fail_first: usize,
    calls: usize,
    /// Wait this long before answering.
    delay: Duration,
    /// Requests being answered now, and the most there ever were at once.
    open: usize,
    most_open: usize,
}

/// A receiver on 127.0.0.1:0; returns its URL.
fn receiver(state: Arc<Mutex<Received>>) -> String {
    let data = web::Data::from(state);
    let server = HttpServer::new(move || {
        actix_web::App::new().app_data(data.clone()).route(
            "/hook",
            web::post().to(
                |req: HttpRequest, body: web::Bytes, st: web::Data<Mutex<Received>>| async move {
                    let delay = {
                        let mut st = st.lock().unwrap();
                        st.open += 1;
                        st.most_open = st.most_open.max(st.open);
                        st.delay
                    };
                    if !delay.is_zero() {
                        actix_web::rt::time::sleep(delay).await;
                    }
                    let mut st = st.lock().unwrap();
                    st.open -= 1;
                    st.calls += 1;
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    st.hosts.push(h("host"));
                    if st.calls <= st.fail_first {
                        return HttpResponse::InternalServerError().finish();
                    }
                    st.hits.push((
                        h("x-coophub-signature"),
                        h("x-coophub-event-id"),
                        String::from_utf8_lossy(&body).into_owned(),
                    ));
                    HttpResponse::Ok().finish()
                },
            ),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    format!("http://{addr}/hook")
}

/// The delivery log of a subscription, read from the database (also after it was ended).
fn log_of(app: &TestApp, hook: i64) -> Vec<Delivery> {
    app.write(|conn| Ok(m::deliveries(conn, hook, None, 100)?))
        .unwrap()
}

/// Writes one event of the bank into the outbox, as a loan change would.
fn emit(app: &TestApp, bank: &str, event: &str) {
    app.write(|conn| {
        Ok(coophub::webhooks::emit(
            conn,
            bank,
            event,
            &json!({"id": 1}),
        )?)
    })
    .unwrap();
}

fn worker(app: &TestApp) -> Worker {
    Worker {
        base_backoff: Duration::from_millis(1),
        poll_every: Duration::from_millis(20),
        allow_loopback: true,
        ..Worker::new(app.state.pool.clone())
    }
}

async fn subscribe(app: &TestApp, url: &str, events: Value) -> i64 {
    app.post(
        "/api/v1/webhooks",
        &app.token(Role::BankPartner),
        json!({"url": url, "events": events, "secret": SECRET}),
    )
    .await
    .ok(201)["id"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn delivered_signed_and_logged() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let url = receiver(st.clone());
    let hook = subscribe(&app, &url, json!(["loan.submitted", "loan.approved"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let id = apply(&app, coop, prod, 100_000, 2).await;
    // Written to the outbox with the change; review emits nothing subscribed.
    act(&app, &app.token(Role::BankPartner), id, "review", json!({}))
        .await
        .ok(200);
    let n = worker(&app).run_once().await.unwrap();
    assert_eq!(n, 1);
    let (sig, event_id, body) = st.lock().unwrap().hits[0].clone();
    let now = chrono::Utc::now().timestamp();
    assert!(verify(SECRET, &sig, body.as_bytes(), now, 300), "{sig}");
    assert!(!verify(
        "another-secret-xxxxxxxx",
        &sig,
        body.as_bytes(),
        now,
        300
    ));
    let ev: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ev["type"], "loan.submitted");
    assert_eq!(ev["id"], event_id);
    assert_eq!(ev["data"]["id"], id);
    assert!(ev["created_at"].is_string());
    // Recompute the signature the way the README tells a bank to.
    use hmac::Mac;
    let t: &str = sig.split(',').next().unwrap().trim_start_matches("t=");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(
        sig.split(",v1=").nth(1).unwrap(),
        hex::encode(mac.finalize().into_bytes())
    );

    let log = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status_code"], 200);
    assert_eq!(log["items"][0]["event_id"], event_id);
    // Nothing more is due.
    assert_eq!(worker(&app).run_once().await.unwrap(), 0);
}

#[actix_web::test]
async fn retried_after_a_failure_with_the_same_event_id() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received {
        fail_first: 1,
        ..Default::default()
    }));
    let url = receiver(st.clone());
    let hook = subscribe(&app, &url, json!(["loan.submitted"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    apply(&app, coop, prod, 100_000, 2).await;
    let w = worker(&app);
    w.run_once().await.unwrap();
    let bank = app.token(Role::BankPartner);
    let log = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &bank)
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status_code"], 500);
    assert_eq!(log["items"][0]["last_error"], "non-2xx");
    let first_event = log["items"][0]["event_id"].clone();
    // The background loop picks it up after the backoff.
    let handle = w.spawn();
    // Until the answer is recorded (the receiver sees the request a moment before).
    for _ in 0..1000 {
        if log_of(&app, hook)[0].status == "delivered" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    handle.abort();
    let (_, event_id, _) = st.lock().unwrap().hits[0].clone();
    assert_eq!(json!(event_id), first_event);
    let log = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &bank)
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["attempts"], 2);
}

#[actix_web::test]
async fn a_dead_endpoint_never_fails_the_api_call() {
    let app = TestApp::new().await;
    // Nothing listens on port 9 (discard) on loopback.
    let hook = subscribe(&app, "http://127.0.0.1:9/hook", json!(["loan.submitted"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    apply(&app, coop, prod, 100_000, 2).await;
    worker(&app).run_once().await.unwrap();
    let log = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["last_error"], "unreachable");
}

#[actix_web::test]
async fn loopback_and_private_urls_are_refused() {
    let app = TestApp::with_settings(|s| s.webhook_allow_loopback = false).await;
    let bank = app.token(Role::BankPartner);
    for url in [
        "http://127.0.0.1:8080/h",
        "http://localhost/h",
        "http://10.0.0.8/h",
        "http://[::1]/h",
        "http://192.168.0.1/h",
    ] {
        let p = app
            .post(
                "/api/v1/webhooks",
                &bank,
                json!({"url": url, "events": ["loan.approved"], "secret": SECRET}),
            )
            .await
            .field_error("url");
        assert_eq!(p["errors"][0]["code"], "refused", "{url}");
    }
    app.post(
        "/api/v1/webhooks",
        &bank,
        json!({"url": "https://203.0.113.7/h", "events": ["loan.approved"], "secret": SECRET}),
    )
    .await
    .ok(201);
}

#[actix_web::test]
async fn subscriptions_are_the_banks_own() {
    let app = TestApp::new().await;
    let bank = app.token(Role::BankPartner);
    let other = app.token_for(
        Role::BankPartner,
        Subject {
            bank_code: Some("other".into()),
            ..Default::default()
        },
    );
    app.post(
        "/api/v1/webhooks",
        &bank,
        json!({"url": "http://127.0.0.1:9/h", "events": ["loan.nope"], "secret": SECRET}),
    )
    .await
    .field_error("events");
    app.post(
        "/api/v1/webhooks",
        &bank,
        json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": "short"}),
    )
    .await
    .field_error("secret");
    let id = subscribe(&app, "http://127.0.0.1:9/h", json!(["loan.approved"])).await;
    let got = app
        .get(&format!("/api/v1/webhooks/{id}"), &bank)
        .await
        .ok(200);
    assert!(got.get("secret").is_none());
    app.get(&format!("/api/v1/webhooks/{id}"), &other)
        .await
        .problem(404);
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), &other)
        .await
        .problem(404);
    let list = app.get("/api/v1/webhooks", &other).await.ok(200);
    assert!(list["items"].as_array().unwrap().is_empty());
    for role in [Role::DistrictAdmin, Role::Observer, Role::Cooperative] {
        app.get("/api/v1/webhooks", &app.token(role))
            .await
            .problem(403);
    }
    app.send(
        actix_web::http::Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        Some(&other),
        None,
    )
    .await
    .problem(404);
    let r = app
        .send(
            actix_web::http::Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(&bank),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 204);
    app.get(&format!("/api/v1/webhooks/{id}"), &bank)
        .await
        .problem(404);
}

#[actix_web::test]
async fn subscribing_honours_an_idempotency_key() {
    let app = TestApp::new().await;
    let bank = app.token(Role::BankPartner);
    let send = || {
        app.request(
            actix_web::test::TestRequest::post()
                .uri("/api/v1/webhooks")
                .insert_header(("Authorization", format!("Bearer {bank}")))
                .insert_header(("Idempotency-Key", "sub-1"))
                .set_json(json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": SECRET})),
        )
    };
    let a = send().await.ok(201);
    let b = send().await.ok(201);
    assert_eq!(a, b);
    let list = app.get("/api/v1/webhooks", &bank).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_worker_checks_the_url_again_before_sending() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let url = receiver(st.clone());
    let hook = subscribe(&app, &url, json!(["loan.submitted"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    apply(&app, coop, prod, 100_000, 2).await;
    // A production worker (loopback not allowed) does not send to a loopback address.
    let strict = Worker {
        allow_loopback: false,
        ..worker(&app)
    };
    strict.run_once().await.unwrap();
    assert_eq!(st.lock().unwrap().calls, 0);
    let log = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["last_error"], "refused");
}

#[actix_web::test]
async fn two_workers_deliver_an_event_once() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let url = receiver(st.clone());
    subscribe(&app, &url, json!(["loan.submitted"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    apply(&app, coop, prod, 100_000, 2).await;
    let (a, b) = (worker(&app), worker(&app));
    let (x, y) = futures_util::join!(a.run_once(), b.run_once());
    x.unwrap();
    y.unwrap();
    assert_eq!(st.lock().unwrap().hits.len(), 1);
}

#[actix_web::test]
async fn https_endpoints_go_through_tls() {
    let app = TestApp::new().await;
    // Nothing speaks TLS on port 9: the attempt fails cleanly and is logged for a retry.
    let hook = subscribe(&app, "https://127.0.0.1:9/hook", json!(["loan.submitted"])).await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    apply(&app, coop, prod, 100_000, 2).await;
    assert_eq!(worker(&app).run_once().await.unwrap(), 1);
    let log = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(log["items"][0]["status"], "pending");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_error"], "unreachable");
}
