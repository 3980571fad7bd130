//! Signed webhooks: the outbox writer used inside loan transactions, URL checks, signatures,
//! and the background worker that delivers the outbox with exponential backoff.
//!
//! A delivery is `POST <url>` with the body `{"id","type","created_at","data"}` and the header
//! `X-Coophub-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The event id
//! stays the same on every retry, so a receiver can drop duplicates.

use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::db::models::{now, webhooks as m};
use crate::db::DbConn;

pub mod addr;
pub mod connect;
mod worker;

pub use addr::{check_url, is_public, permitted};
pub use worker::{Outcome, Worker};

pub const SIGNATURE_HEADER: &str = "X-Coophub-Signature";
pub const EVENT_ID_HEADER: &str = "X-Coophub-Event-Id";

/// The event types a subscription may ask for.
pub const EVENT_TYPES: [&str; 13] = [
    "loan.submitted",
    "loan.approved",
    "loan.rejected",
    "loan.disbursed",
    "loan.repayment_recorded",
    "loan.settled",
    "loan.overdue",
    "loan.defaulted",
    "loan.compensated",
    "loan.withdrawn",
    "risk_fund.claim_paid",
    "loan.repayment_reversed",
    "loan.classification_changed",
];

/// A bank may hold at most this many active subscriptions (409 beyond).
pub const MAX_WEBHOOKS_PER_BANK: i64 = 10;

/// After this many failed attempts a delivery is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 15;

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Verifies a signature header as a receiver would (used by the tests and as a reference).
pub fn verify(secret: &str, header: &str, body: &[u8], now_unix: i64, tolerance_secs: i64) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", x)) => t = x.parse::<i64>().ok(),
            Some(("v1", x)) => v1.push(x.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now_unix - t).abs() > tolerance_secs {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    v1.iter().any(|sig| {
        hex::decode(sig)
            .map(|raw| mac.clone().verify_slice(&raw).is_ok())
            .unwrap_or(false)
    })
}

/// Delay before attempt `attempts + 1`: base × 2^(attempts−1), at most one hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = (attempts.max(1) - 1).min(20) as u32;
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(3600))
}

/// The body of a delivery.
#[derive(Serialize)]
pub struct Envelope<'a, T: Serialize> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub type_: &'a str,
    pub created_at: chrono::DateTime<Utc>,
    pub data: &'a T,
}

/// Writes an event into the outbox for the bank's subscriptions (inside the caller's
/// transaction, so the event exists exactly when the change does).
pub fn emit<T: Serialize>(
    conn: &mut DbConn,
    bank_code: &str,
    event_type: &str,
    data: &T,
) -> diesel::QueryResult<usize> {
    // Serialised whether or not anyone listens: the insert finds the subscriptions itself,
    // one statement rather than a read of them first.
    let at = now();
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_string(&Envelope {
        id: &id,
        type_: event_type,
        created_at: at.and_utc(),
        data,
    })
    .unwrap_or_else(|_| "{}".into());
    m::enqueue_subscribed(conn, bank_code, event_type, &id, &body, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_t_dot_body() {
        // Reference value: HMAC-SHA256("whsec", "1700000000.{}").
        let s = signature("whsec", 1_700_000_000, b"{}");
        // Python: hmac.new(b"whsec", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            s,
            "t=1700000000,v1=7d44587dddbaf4c7f70fef20f48cd594834ffea1641e3ac227b84408298738af"
        );
        assert!(verify("whsec", &s, b"{}", 1_700_000_100, 300));
        assert!(!verify("whsec", &s, b"{ }", 1_700_000_100, 300));
        assert!(!verify("other", &s, b"{}", 1_700_000_100, 300));
        assert!(!verify("whsec", &s, b"{}", 1_700_001_000, 300), "too old");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(10);
        assert_eq!(backoff(b, 1), Duration::from_secs(10));
        assert_eq!(backoff(b, 2), Duration::from_secs(20));
        assert_eq!(backoff(b, 4), Duration::from_secs(80));
        assert_eq!(backoff(b, 30), Duration::from_secs(3600));
    }
}
