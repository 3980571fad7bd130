//! Fair delivery: a slow endpoint holds back only its own deliveries; an ended subscription
//! is not re-queued by an attempt in flight; a bank's subscriptions are capped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use coophub::auth::Role;
use coophub::webhooks::MAX_WEBHOOKS_PER_BANK;
use serde_json::json;

use super::{emit, log_of, receiver, subscribe, worker, Received, SECRET};
use crate::common::TestApp;

#[actix_web::test]
async fn a_slow_endpoint_does_not_delay_another_webhooks_delivery() {
    let app = TestApp::new().await;
    let slow_st = Arc::new(Mutex::new(Received {
        delay: Duration::from_secs(4),
        ..Default::default()
    }));
    let fast_st = Arc::new(Mutex::new(Received::default()));
    let slow = subscribe(&app, &receiver(slow_st.clone()), json!(["loan.submitted"])).await;
    let fast = subscribe(&app, &receiver(fast_st.clone()), json!(["loan.approved"])).await;
    // The slow endpoint's three deliveries are older: a worker that sends one after the
    // other would make the fast one wait at least 4 s.
    for _ in 0..3 {
        emit(&app, "psbc", "loan.submitted");
    }
    std::thread::sleep(Duration::from_millis(5));
    emit(&app, "psbc", "loan.approved");
    let w = coophub::webhooks::Worker {
        per_webhook: 1,
        ..worker(&app)
    };
    let started = Instant::now();
    let handle = w.spawn();
    let mut fast_after = None;
    for _ in 0..300 {
        // Delivered means answered and recorded.
        if log_of(&app, fast)[0].status == "delivered" {
            fast_after = Some(started.elapsed());
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    let fast_after = fast_after.expect("the fast endpoint got its event");
    assert!(
        fast_after < Duration::from_millis(2000),
        "the fast endpoint waited {fast_after:?}"
    );
    // Meanwhile the slow endpoint has one request open (its limit), not three.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    {
        let s = slow_st.lock().unwrap();
        assert_eq!(s.open, 1, "one delivery at a time to one subscription");
        assert_eq!(s.most_open, 1);
    }
    handle.abort();
    assert_eq!(fast_st.lock().unwrap().hits.len(), 1);
    let slow_log = log_of(&app, slow);
    assert_eq!(slow_log.len(), 3);
    assert_eq!(
        slow_log.iter().filter(|d| d.attempts > 0).count(),
        0,
        "the first slow attempt has not been answered yet"
    );
    println!("fast endpoint delivered after {fast_after:?} beside a 4 s endpoint");
}

#[actix_web::test]
async fn a_webhook_ended_during_a_delivery_is_not_requeued() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received {
        delay: Duration::from_millis(800),
        fail_first: 1,
        ..Default::default()
    }));
    let hook = subscribe(&app, &receiver(st.clone()), json!(["loan.submitted"])).await;
    emit(&app, "psbc", "loan.submitted");
    let w = worker(&app);
    let bank = app.token(Role::BankPartner);
    let end = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(st.lock().unwrap().open, 1, "the attempt is in flight");
        let r = app
            .send(
                Method::DELETE,
                &format!("/api/v1/webhooks/{hook}"),
                Some(&bank),
                None,
            )
            .await;
        assert_eq!(r.status.as_u16(), 204);
    };
    let (sent, ()) = futures_util::join!(w.run_once(), end);
    assert_eq!(sent.unwrap(), 1);
    // The attempt failed (500) after the subscription ended: logged, still cancelled.
    let log = log_of(&app, hook);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, "cancelled");
    assert_eq!(log[0].attempts, 1);
    assert_eq!(log[0].last_error.as_deref(), Some("non-2xx"));
    // Nothing is due again, however long one waits.
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(w.run_once().await.unwrap(), 0);
    assert_eq!(st.lock().unwrap().calls, 1);
}

#[actix_web::test]
async fn a_bank_holds_at_most_ten_subscriptions() {
    let app = TestApp::new().await;
    let bank = app.token(Role::BankPartner);
    let mut ids = Vec::new();
    for _ in 0..MAX_WEBHOOKS_PER_BANK {
        ids.push(subscribe(&app, "http://127.0.0.1:9/h", json!(["loan.approved"])).await);
    }
    let p = app
        .post(
            "/api/v1/webhooks",
            &bank,
            json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": SECRET}),
        )
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("10"), "{p}");
    let list = app.get("/api/v1/webhooks?limit=50", &bank).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 10);
    // Another bank has its own ten.
    let other = app.token_for(
        Role::BankPartner,
        coophub::auth::jwt::Subject {
            bank_code: Some("other".into()),
            ..Default::default()
        },
    );
    app.post(
        "/api/v1/webhooks",
        &other,
        json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": SECRET}),
    )
    .await
    .ok(201);
    // Ending one makes room again.
    let r = app
        .send(
            Method::DELETE,
            &format!("/api/v1/webhooks/{}", ids[0]),
            Some(&bank),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 204);
    subscribe(&app, "http://127.0.0.1:9/h", json!(["loan.approved"])).await;
}

/// The cap is checked under a lock: five concurrent subscriptions for the last free place
/// give one 201 and four 409, never eleven subscriptions (on PostgreSQL as on SQLite).
#[actix_web::test]
async fn concurrent_subscriptions_never_pass_the_cap() {
    let app = TestApp::new().await;
    let bank = app.token(Role::BankPartner);
    for _ in 0..MAX_WEBHOOKS_PER_BANK - 1 {
        subscribe(&app, "http://127.0.0.1:9/h", json!(["loan.approved"])).await;
    }
    let tries = (0..5).map(|_| {
        let (app, bank) = (&app, bank.clone());
        async move {
            app.post(
                "/api/v1/webhooks",
                &bank,
                json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": SECRET}),
            )
            .await
            .status
            .as_u16()
        }
    });
    let mut codes = futures_util::future::join_all(tries).await;
    codes.sort();
    assert_eq!(codes, [201, 409, 409, 409, 409]);
    let list = app.get("/api/v1/webhooks?limit=50", &bank).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 10);
}
