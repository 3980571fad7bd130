//! `GET /metrics` in the Prometheus text format: requests by route template, method and
//! status, a latency histogram by route template, the connection pool, the webhook outbox,
//! SQLite's committed groups of changes.
//! Not part of the public API: served on `serve --metrics-bind ADDR` (a listener of its own)
//! or, with `COOPHUB_METRICS=1`, on the main listener; off otherwise.
//!
//! The per-request cost is two look-ups of existing series (no label string is built: the
//! route is the matched template, the method and status are static strings) and one
//! histogram observation. Pool and outbox figures are read when scraped, never per request.

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::state::AppState;

/// The route label of a request no route matched (a random path must not make a series).
pub const UNMATCHED: &str = "unmatched";

/// Latency buckets, seconds: from a cached read (1 ms) to a large import (30 s).
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    outbox: IntGaugeVec,
    webhook_attempts: IntCounterVec,
    write_groups: IntCounter,
    write_changes: IntCounter,
}

fn build() -> Metrics {
    let registry = Registry::new_custom(Some("coophub".into()), None).expect("registry");
    let requests = IntCounterVec::new(
        Opts::new("http_requests_total", "HTTP requests answered"),
        &["route", "method", "status"],
    )
    .expect("counter");
    let latency = HistogramVec::new(
        HistogramOpts::new(
            "http_request_duration_seconds",
            "Time from the request's arrival to its answer's headers",
        )
        .buckets(BUCKETS.to_vec()),
        &["route"],
    )
    .expect("histogram");
    let pool = IntGaugeVec::new(
        Opts::new("db_pool_connections", "Database connections by state"),
        &["state"],
    )
    .expect("gauge");
    let pool_max = IntGauge::new("db_pool_max_connections", "The pool's size").expect("gauge");
    let outbox = IntGaugeVec::new(
        Opts::new(
            "webhook_deliveries",
            "Webhook deliveries in the outbox by status (pending is the queue depth; failed gave up after every attempt)",
        ),
        &["status"],
    )
    .expect("gauge");
    let webhook_attempts = IntCounterVec::new(
        Opts::new(
            "webhook_attempts_total",
            "Webhook delivery attempts of this process by outcome",
        ),
        &["outcome"],
    )
    .expect("counter");
    let write_groups = IntCounter::new(
        "sqlite_write_groups_total",
        "Transactions the SQLite writer committed holding at least one change (0 on PostgreSQL)",
    )
    .expect("counter");
    let write_changes = IntCounter::new(
        "sqlite_write_changes_total",
        "Changes committed in those groups (changes per group: this over the groups)",
    )
    .expect("counter");
    for c in [
        Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
        Box::new(write_groups.clone()),
        Box::new(write_changes.clone()),
        Box::new(latency.clone()),
        Box::new(pool.clone()),
        Box::new(pool_max.clone()),
        Box::new(outbox.clone()),
        Box::new(webhook_attempts.clone()),
    ] {
        registry.register(c).expect("a metric registered once");
    }
    Metrics {
        registry,
        requests,
        latency,
        pool,
        pool_max,
        outbox,
        webhook_attempts,
        write_groups,
        write_changes,
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(build);

/// Counts one answered request (called by `middleware::request_context`).
pub fn observe<B>(res: &ServiceResponse<B>, elapsed: Duration) {
    let m = &*METRICS;
    let req = res.request();
    let pattern = req.match_pattern();
    let route = pattern.as_deref().unwrap_or(UNMATCHED);
    m.requests
        .with_label_values(&[route, req.method().as_str(), res.status().as_str()])
        .inc();
    m.latency
        .with_label_values(&[route])
        .observe(elapsed.as_secs_f64());
}

/// The SQLite writer committed a group of `changes` changes.
pub fn sqlite_group(changes: usize) {
    METRICS.write_changes.inc_by(changes as u64);
    METRICS.write_groups.inc();
}

/// Counts one webhook delivery attempt by its outcome (`delivered`, `refused`, `timeout`…).
pub fn webhook_attempt(outcome: &str) {
    METRICS.webhook_attempts.with_label_values(&[outcome]).inc();
}

/// Every outbox status, so a status with no delivery reads 0 rather than vanishing.
const OUTBOX_STATUSES: [&str; 4] = ["pending", "delivered", "failed", "cancelled"];

/// The metrics, in the Prometheus text format (version 0.0.4).
pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    let m = &*METRICS;
    let pool = state.pool.state();
    let idle = i64::from(pool.idle_connections);
    m.pool.with_label_values(&["idle"]).set(idle);
    m.pool
        .with_label_values(&["in_use"])
        .set(i64::from(pool.connections) - idle);
    m.pool_max.set(i64::from(state.pool.max_size()));
    let counts = state
        .db(|conn| Ok(crate::db::models::webhooks::count_by_status(conn)?))
        .await;
    match counts {
        Ok(counts) => {
            for status in OUTBOX_STATUSES {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status)
                    .map_or(0, |(_, n)| *n);
                m.outbox.with_label_values(&[status]).set(n);
            }
        }
        // The rest is still worth scraping; the outbox figures keep their last values.
        Err(e) => tracing::warn!(error = %e, "metrics: cannot count the webhook outbox"),
    }
    let mut out = Vec::with_capacity(16 * 1024);
    if let Err(e) = TextEncoder::new().encode(&m.registry.gather(), &mut out) {
        tracing::error!(error = %e, "metrics: cannot encode");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, prometheus::TEXT_FORMAT))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

/// `GET /metrics` on the main listener when `COOPHUB_METRICS=1`.
pub fn configure(enabled: bool) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        if enabled {
            cfg.route("/metrics", web::get().to(render));
        }
    }
}

/// The app of the separate `--metrics-bind` listener: `/metrics` only.
pub fn metrics_only_app(
    state: AppState,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(web::Data::new(state))
        .route("/metrics", web::get().to(render))
        .default_service(web::to(|_: HttpRequest| async {
            HttpResponse::NotFound().body("only /metrics is served here\n")
        }))
}
