//! The background worker that delivers the outbox.
//!
//! Deliveries run concurrently: every due delivery is claimed and sent as its own task, at
//! most `per_webhook` at once for one subscription and `max_in_flight` in all, so a slow or
//! dead endpoint holds only its own deliveries back, never another bank's. The poll loop does
//! not wait for a pass to finish before the next one.
//!
//! A failed attempt is recorded with one of four words, never the connection's own error
//! text (which would tell a bank about hosts inside the network): `refused` (the address is
//! not permitted; nothing was sent), `unreachable` (no connection or TLS session to a
//! permitted address), `timeout`, `non-2xx` (the status code is in `last_status_code`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use futures_util::future::{join_all, LocalBoxFuture};

use super::connect::{is_refusal, Lookup, Pinned};
use super::{backoff, signature, EVENT_ID_HEADER, MAX_ATTEMPTS, SIGNATURE_HEADER};
use crate::db::models::{now, webhooks as m};
use crate::db::Pool;

/// How an attempt ended, as recorded in `last_error` (none when delivered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Refused,
    Unreachable,
    Timeout,
    Non2xx,
}

impl Outcome {
    pub fn text(self) -> Option<&'static str> {
        match self {
            Outcome::Delivered => None,
            Outcome::Refused => Some("refused"),
            Outcome::Unreachable => Some("unreachable"),
            Outcome::Timeout => Some("timeout"),
            Outcome::Non2xx => Some("non-2xx"),
        }
    }

    fn of(result: &Result<awc::ClientResponse, awc::error::SendRequestError>) -> Self {
        use awc::error::{ConnectError, SendRequestError};
        match result {
            Ok(resp) if resp.status().is_success() => Outcome::Delivered,
            Ok(_) => Outcome::Non2xx,
            Err(e) if is_refusal(e) => Outcome::Refused,
            Err(SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout)) => {
                Outcome::Timeout
            }
            Err(_) => Outcome::Unreachable,
        }
    }
}

/// Deliveries in flight per subscription (the worker runs on one thread).
type Busy = Rc<RefCell<HashMap<i64, usize>>>;

/// Delivers the outbox. Runs on the actix runtime (the HTTP client is not `Send`).
#[derive(Clone)]
pub struct Worker {
    pub pool: Pool,
    /// First retry delay; doubles with every failure.
    pub base_backoff: Duration,
    /// How often the outbox is polled.
    pub poll_every: Duration,
    /// For the connection and for the answer.
    pub timeout: Duration,
    /// `COOPHUB_WEBHOOK_ALLOW_LOOPBACK`: loopback addresses may be reached (never private,
    /// link-local or reserved ones). Every connection is checked, not only the subscription.
    pub allow_loopback: bool,
    /// At most this many deliveries of one subscription at once.
    pub per_webhook: usize,
    /// At most this many deliveries at once in all.
    pub max_in_flight: usize,
    /// Name resolution for connections (the system resolver).
    pub lookup: Lookup,
}

impl Worker {
    pub fn new(pool: Pool) -> Self {
        Worker {
            pool,
            base_backoff: Duration::from_secs(10),
            poll_every: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            allow_loopback: false,
            per_webhook: 2,
            max_in_flight: 32,
            lookup: Arc::new(super::addr::system_lookup),
        }
    }

    fn client(&self) -> awc::Client {
        let connector = awc::Connector::new()
            .connector(Pinned::new(self.lookup.clone(), self.allow_loopback))
            .timeout(self.timeout);
        awc::Client::builder()
            .connector(connector)
            .timeout(self.timeout)
            .disable_redirects()
            .finish()
    }

    /// Starts the loop on the current actix system; it never blocks request handling.
    pub fn spawn(self) -> actix_web::rt::task::JoinHandle<()> {
        actix_web::rt::spawn(async move {
            let client = self.client();
            let busy = Busy::default();
            let mut last_purge = std::time::Instant::now() - Duration::from_secs(3600);
            loop {
                match self.pass(&client, &busy).await {
                    Ok(sends) => {
                        for send in sends {
                            actix_web::rt::spawn(send);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed"),
                }
                if last_purge.elapsed() > Duration::from_secs(600) {
                    last_purge = std::time::Instant::now();
                    let pool = self.pool.clone();
                    let _ = actix_web::web::block(move || {
                        let mut conn = pool.get().map_err(|e| e.to_string())?;
                        // Idempotency keys are kept at least 24 hours (48 here).
                        let before = now() - chrono::Duration::hours(48);
                        crate::db::models::loans::idem_purge(&mut conn, before)
                            .map_err(|e| e.to_string())
                    })
                    .await;
                }
                actix_web::rt::time::sleep(self.poll_every).await;
            }
        })
    }

    /// One pass over the due deliveries, sent concurrently; waits for all of them and returns
    /// how many were attempted.
    pub async fn run_once(&self) -> Result<usize, String> {
        let sends = self.pass(&self.client(), &Busy::default()).await?;
        let n = sends.len();
        join_all(sends).await;
        Ok(n)
    }

    /// Claims the due deliveries there is room for and returns one send per claim.
    async fn pass(
        &self,
        client: &awc::Client,
        busy: &Busy,
    ) -> Result<Vec<LocalBoxFuture<'static, ()>>, String> {
        let (full, in_flight) = {
            let b = busy.borrow();
            let full: Vec<i64> = b
                .iter()
                .filter(|(_, n)| **n >= self.per_webhook)
                .map(|(id, _)| *id)
                .collect();
            (full, b.values().sum::<usize>())
        };
        let room = self.max_in_flight.saturating_sub(in_flight);
        if room == 0 {
            return Ok(Vec::new());
        }
        let pool = self.pool.clone();
        let limit = room.min(50) as i64;
        let due = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            m::due(&mut conn, now(), &full, limit).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        let mut sends = Vec::new();
        for (d, hook) in due {
            if *busy.borrow().get(&hook.id).unwrap_or(&0) >= self.per_webhook {
                continue;
            }
            // Claim it, so that two workers (two `serve` processes) never both send it.
            let pool = self.pool.clone();
            let lease = now()
                + chrono::Duration::from_std(self.timeout * 3)
                    .unwrap_or_else(|_| chrono::Duration::minutes(1));
            let (id, seen) = (d.id, d.next_attempt_at);
            let mine = actix_web::web::block(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                m::claim(&mut conn, id, seen, lease).map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
            if !mine {
                continue;
            }
            *busy.borrow_mut().entry(hook.id).or_default() += 1;
            let (worker, client, busy) = (self.clone(), client.clone(), busy.clone());
            sends.push(Box::pin(async move {
                let hook_id = hook.id;
                if let Err(e) = worker.send(&client, d, hook).await {
                    tracing::warn!(error = %e, webhook = hook_id, "recording a webhook attempt failed");
                }
                let mut b = busy.borrow_mut();
                if let Some(n) = b.get_mut(&hook_id) {
                    *n -= 1;
                    if *n == 0 {
                        b.remove(&hook_id);
                    }
                }
            }) as LocalBoxFuture<'static, ()>);
        }
        Ok(sends)
    }

    /// One attempt of one claimed delivery, and its record.
    async fn send(
        &self,
        client: &awc::Client,
        d: m::Delivery,
        hook: m::Webhook,
    ) -> Result<(), String> {
        let t = Utc::now().timestamp();
        let sig = signature(&hook.secret, t, d.payload.as_bytes());
        let result = client
            .post(&hook.url)
            .insert_header(("Content-Type", "application/json"))
            .insert_header((SIGNATURE_HEADER, sig))
            .insert_header((EVENT_ID_HEADER, d.event_id.clone()))
            .insert_header(("User-Agent", "coophub-webhooks/1"))
            .send_body(d.payload.clone())
            .await;
        let outcome = Outcome::of(&result);
        let code = result.as_ref().ok().map(|r| r.status().as_u16() as i32);
        if let Err(e) = &result {
            // The detail stays in the service's own log; the bank sees the outcome's word.
            tracing::info!(webhook = hook.id, delivery = d.id, error = %e, "webhook attempt failed");
        }
        crate::metrics::webhook_attempt(outcome.text().unwrap_or("delivered"));
        let attempts = d.attempts + 1;
        let at = now();
        let (status, delivered_at, next): (&str, Option<NaiveDateTime>, NaiveDateTime) = if outcome
            == Outcome::Delivered
        {
            ("delivered", Some(at), at)
        } else {
            let delay = backoff(self.base_backoff, attempts);
            let next = at
                + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::hours(1));
            let status = if attempts >= MAX_ATTEMPTS {
                "failed"
            } else {
                "pending"
            };
            (status, None, next)
        };
        let pool = self.pool.clone();
        let error = outcome.text().map(str::to_string);
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            m::record_attempt(
                &mut conn,
                d.id,
                status,
                attempts,
                next,
                code,
                error,
                delivered_at,
            )
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}
