//! Webhooks reach only public addresses: at subscription, and again at every connection,
//! to the address that was checked.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coophub::auth::Role;
use coophub::db::models::webhooks::{self as m, NewWebhook};
use serde_json::json;

use super::{emit, log_of, receiver, worker, Received, SECRET};
use crate::common::TestApp;

/// One address of every range the issue lists, and IPv4-mapped forms.
const LISTED: [&str; 12] = [
    "http://0.0.0.1/h",
    "http://100.64.0.1/h",
    "http://198.18.0.1/h",
    "http://240.0.0.1/h",
    "http://[64:ff9b::a00:1]/h",
    "http://[2002:a00:1::1]/h",
    "http://[fc00::1]/h",
    "http://[fe80::1]/h",
    "http://[::ffff:10.0.0.1]/h",
    "http://[::ffff:169.254.169.254]/h",
    "http://10.0.0.8/h",
    "http://169.254.169.254/latest/meta-data",
];

async fn refused_at_subscribe(app: &TestApp, url: &str) {
    let p = app
        .post(
            "/api/v1/webhooks",
            &app.token(Role::BankPartner),
            json!({"url": url, "events": ["loan.approved"], "secret": SECRET}),
        )
        .await
        .field_error("url");
    assert_eq!(p["errors"][0]["code"], "refused", "{url}");
}

#[actix_web::test]
async fn every_listed_range_is_refused_at_subscribe_with_or_without_the_loopback_flag() {
    let strict = TestApp::with_settings(|s| s.webhook_allow_loopback = false).await;
    // The test harness runs with the flag on: it admits loopback and nothing more.
    let dev = TestApp::new().await;
    for url in LISTED {
        refused_at_subscribe(&strict, url).await;
        refused_at_subscribe(&dev, url).await;
    }
    let bank = dev.token(Role::BankPartner);
    let list = dev.get("/api/v1/webhooks", &bank).await.ok(200);
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
    dev.post(
        "/api/v1/webhooks",
        &bank,
        json!({"url": "http://127.0.0.1:9/h", "events": ["loan.approved"], "secret": SECRET}),
    )
    .await
    .ok(201);
}

/// Names this machine resolves to loopback other than `localhost` (refused by name).
fn loopback_names() -> Vec<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    hosts
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('#').next()?.split_whitespace();
            let ip: std::net::IpAddr = parts.next()?.parse().ok()?;
            ip.is_loopback()
                .then(|| parts.map(str::to_string).collect::<Vec<_>>())
        })
        .flatten()
        .filter(|n| !n.contains("localhost"))
        .collect()
}

#[actix_web::test]
async fn a_name_that_resolves_to_loopback_is_refused_when_the_flag_is_off() {
    let strict = TestApp::with_settings(|s| s.webhook_allow_loopback = false).await;
    let names = loopback_names();
    assert!(!names.is_empty(), "/etc/hosts names no loopback host");
    for name in names {
        refused_at_subscribe(&strict, &format!("http://{name}:8080/h")).await;
    }
    refused_at_subscribe(&strict, "http://localhost:8080/h").await;
}

/// Inserts a subscription as it is stored, past the subscription check (an address that
/// was public when subscribed and is not any more looks the same to the worker).
fn stored(app: &TestApp, url: &str, event: &str) -> i64 {
    app.write(|conn| {
        Ok(m::insert(
            conn,
            &NewWebhook {
                bank_code: "psbc".into(),
                url: url.into(),
                events: event.into(),
                secret: SECRET.into(),
                active: true,
                created_at: coophub::db::models::now(),
            },
        )?)
    })
    .unwrap()
    .id
}

#[actix_web::test]
async fn every_listed_range_is_refused_again_at_delivery_without_a_connection() {
    let app = TestApp::new().await;
    let hooks: Vec<i64> = LISTED
        .iter()
        .map(|url| stored(&app, url, "loan.approved"))
        .collect();
    emit(&app, "psbc", "loan.approved");
    // Even the development worker (loopback allowed) refuses; a connection attempt to these
    // addresses would end `unreachable` or `timeout` instead.
    let w = coophub::webhooks::Worker {
        timeout: Duration::from_secs(2),
        ..worker(&app)
    };
    let started = Instant::now();
    assert_eq!(w.run_once().await.unwrap(), LISTED.len());
    for (hook, url) in hooks.iter().zip(LISTED) {
        let log = log_of(&app, *hook);
        assert_eq!(log.len(), 1, "{url}");
        assert_eq!(log[0].last_error.as_deref(), Some("refused"), "{url}");
        assert_eq!(log[0].status, "pending", "{url}: retried later");
        assert_eq!(log[0].attempts, 1);
        assert_eq!(log[0].last_status_code, None);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no connection waited on"
    );
}

/// A lookup that answers `addr`'s IP for every name and counts its calls.
fn pinned_lookup(ip: &str, calls: Arc<AtomicUsize>) -> coophub::webhooks::connect::Lookup {
    let ip: std::net::IpAddr = ip.parse().unwrap();
    Arc::new(move |_host: &str, port: u16| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(vec![SocketAddr::new(ip, port)])
    })
}

#[actix_web::test]
async fn the_worker_connects_to_the_address_it_resolved_and_checked() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received::default()));
    let port = receiver(st.clone())
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/hook")
        .to_string();
    // A name no system resolver knows: the connection can only go where the worker's own
    // lookup said, and the Host header keeps the name.
    let url = format!("http://bank.coophub.invalid:{port}/hook");
    let hook = stored(&app, &url, "loan.submitted");
    emit(&app, "psbc", "loan.submitted");
    let calls = Arc::new(AtomicUsize::new(0));
    let dev = coophub::webhooks::Worker {
        lookup: pinned_lookup("127.0.0.1", calls.clone()),
        ..worker(&app)
    };
    dev.run_once().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "resolved once per attempt");
    assert_eq!(st.lock().unwrap().hits.len(), 1);
    assert_eq!(
        st.lock().unwrap().hosts[0],
        format!("bank.coophub.invalid:{port}")
    );
    assert_eq!(log_of(&app, hook)[0].status, "delivered");

    // The name now answers loopback (rebinding); without the flag nothing is sent.
    emit(&app, "psbc", "loan.submitted");
    let strict = coophub::webhooks::Worker {
        allow_loopback: false,
        lookup: pinned_lookup("127.0.0.1", calls.clone()),
        ..worker(&app)
    };
    strict.run_once().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(st.lock().unwrap().calls, 1, "no second request");
    let log = log_of(&app, hook);
    assert_eq!(log[1].last_error.as_deref(), Some("refused"));
    // A private answer is refused even with the flag.
    emit(&app, "psbc", "loan.submitted");
    let dev_private = coophub::webhooks::Worker {
        lookup: pinned_lookup("10.0.0.8", calls.clone()),
        ..worker(&app)
    };
    dev_private.run_once().await.unwrap();
    let log = log_of(&app, hook);
    assert_eq!(log[2].last_error.as_deref(), Some("refused"));
}

#[actix_web::test]
async fn failures_are_recorded_as_one_word_never_the_connection_error() {
    let app = TestApp::new().await;
    let st = Arc::new(Mutex::new(Received {
        fail_first: 1,
        ..Default::default()
    }));
    let failing = stored(&app, &receiver(st), "loan.approved");
    let slow_st = Arc::new(Mutex::new(Received {
        delay: Duration::from_secs(3),
        ..Default::default()
    }));
    let slow = stored(&app, &receiver(slow_st), "loan.approved");
    let dead = stored(&app, "http://127.0.0.1:9/h", "loan.approved");
    let private = stored(&app, "http://192.168.7.7:6379/h", "loan.approved");
    let dead_tls = stored(&app, "https://127.0.0.1:9/h", "loan.approved");
    emit(&app, "psbc", "loan.approved");
    let w = coophub::webhooks::Worker {
        timeout: Duration::from_millis(500),
        ..worker(&app)
    };
    assert_eq!(w.run_once().await.unwrap(), 5);
    let word = |hook| log_of(&app, hook)[0].last_error.clone();
    assert_eq!(word(failing).as_deref(), Some("non-2xx"));
    assert_eq!(log_of(&app, failing)[0].last_status_code, Some(500));
    assert_eq!(word(slow).as_deref(), Some("timeout"));
    assert_eq!(word(dead).as_deref(), Some("unreachable"));
    assert_eq!(word(private).as_deref(), Some("refused"));
    assert_eq!(word(dead_tls).as_deref(), Some("unreachable"));
    // The bank reads the same words over the API.
    let log = app
        .get(
            &format!("/api/v1/webhooks/{dead}/deliveries"),
            &app.token(Role::BankPartner),
        )
        .await
        .ok(200);
    assert_eq!(log["items"][0]["last_error"], "unreachable");
}
