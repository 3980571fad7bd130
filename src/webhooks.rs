//! Signed webhooks: the outbox writer used inside loan transactions, URL checks, signatures,
//! and the background worker that delivers the outbox with exponential backoff.
//!
//! A delivery is `POST <url>` with the body `{"id","type","created_at","data"}` and the header
//! `X-Coophub-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The event id
//! stays the same on every retry, so a receiver can drop duplicates.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::db::models::{now, webhooks as m};
use crate::db::{DbConn, Pool};

pub const SIGNATURE_HEADER: &str = "X-Coophub-Signature";
pub const EVENT_ID_HEADER: &str = "X-Coophub-Event-Id";

/// The event types a subscription may ask for.
pub const EVENT_TYPES: [&str; 9] = [
    "loan.submitted",
    "loan.approved",
    "loan.rejected",
    "loan.disbursed",
    "loan.repayment_recorded",
    "loan.settled",
    "loan.overdue",
    "loan.defaulted",
    "loan.compensated",
];

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

/// Addresses a webhook may not point at (unless loopback is allowed for development).
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 0
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_ip(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link local
        }
    }
}

/// Why a webhook URL is refused (422 on `url`).
pub fn check_url(raw: &str, allow_loopback: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be https (or http)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials in the URL are not allowed; use the secret".into());
    }
    let host = url.host_str().ok_or("the URL has no host")?.to_string();
    if allow_loopback {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            if bare.eq_ignore_ascii_case("localhost") || bare.ends_with(".localhost") {
                return Err("the URL points at a loopback address".into());
            }
            (bare, port)
                .to_socket_addrs()
                .map_err(|e| format!("the host {bare} does not resolve: {e}"))?
                .map(|a| a.ip())
                .collect()
        }
    };
    if addrs.is_empty() {
        return Err(format!("the host {bare} does not resolve"));
    }
    if addrs.iter().any(|ip| is_forbidden_ip(*ip)) {
        return Err("the URL resolves to a loopback or private address".into());
    }
    Ok(url)
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
    let at = now();
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::to_string(&Envelope {
        id: &id,
        type_: event_type,
        created_at: at.and_utc(),
        data,
    })
    .unwrap_or_else(|_| "{}".into());
    m::enqueue(conn, bank_code, event_type, &id, &body, at)
}

/// Delivers the outbox. Runs on the actix runtime (the HTTP client is not `Send`).
#[derive(Clone)]
pub struct Worker {
    pub pool: Pool,
    /// First retry delay; doubles with every failure.
    pub base_backoff: Duration,
    /// How often the outbox is polled.
    pub poll_every: Duration,
    pub timeout: Duration,
    /// `COOPHUB_WEBHOOK_ALLOW_LOOPBACK`: otherwise the URL is checked again before every
    /// attempt (a name may have been pointed at a private address since it was subscribed).
    pub allow_loopback: bool,
}

impl Worker {
    pub fn new(pool: Pool) -> Self {
        Worker {
            pool,
            base_backoff: Duration::from_secs(10),
            poll_every: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            allow_loopback: false,
        }
    }

    fn client(&self) -> awc::Client {
        awc::Client::builder()
            .timeout(self.timeout)
            .disable_redirects()
            .finish()
    }

    /// Starts the loop on the current actix system; it never blocks request handling.
    pub fn spawn(self) -> actix_web::rt::task::JoinHandle<()> {
        actix_web::rt::spawn(async move {
            let client = self.client();
            let mut last_purge = std::time::Instant::now() - Duration::from_secs(3600);
            loop {
                match self.run_once_with(&client).await {
                    Ok(_) => {}
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

    /// One pass over the due deliveries; returns how many were attempted.
    pub async fn run_once(&self) -> Result<usize, String> {
        self.run_once_with(&self.client()).await
    }

    async fn run_once_with(&self, client: &awc::Client) -> Result<usize, String> {
        let pool = self.pool.clone();
        let due = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            m::due(&mut conn, now(), 50).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        let n = due.len();
        for (d, hook) in due {
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
            if !self.allow_loopback {
                let url = hook.url.clone();
                let refused = actix_web::web::block(move || check_url(&url, false).err())
                    .await
                    .unwrap_or_else(|e| Some(e.to_string()));
                if let Some(why) = refused {
                    let pool = self.pool.clone();
                    let attempts = d.attempts + 1;
                    let status = if attempts >= MAX_ATTEMPTS {
                        "failed"
                    } else {
                        "pending"
                    };
                    let next = now()
                        + chrono::Duration::from_std(backoff(self.base_backoff, attempts))
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                    actix_web::web::block(move || {
                        let mut conn = pool.get().map_err(|e| e.to_string())?;
                        m::record_attempt(
                            &mut conn,
                            d.id,
                            status,
                            attempts,
                            next,
                            None,
                            Some(format!("not sent: {why}")),
                            None,
                        )
                        .map_err(|e| e.to_string())
                    })
                    .await
                    .map_err(|e| e.to_string())??;
                    continue;
                }
            }
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
            let attempts = d.attempts + 1;
            let at = now();
            let (status, code, error, delivered_at, next): (
                &str,
                Option<i32>,
                Option<String>,
                Option<NaiveDateTime>,
                NaiveDateTime,
            ) = match result {
                Ok(resp) if resp.status().is_success() => (
                    "delivered",
                    Some(resp.status().as_u16() as i32),
                    None,
                    Some(at),
                    at,
                ),
                other => {
                    let (code, err) = match other {
                        Ok(resp) => (
                            Some(resp.status().as_u16() as i32),
                            format!("answered {}", resp.status()),
                        ),
                        Err(e) => (None, e.to_string()),
                    };
                    let delay = backoff(self.base_backoff, attempts);
                    let next = at
                        + chrono::Duration::from_std(delay)
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                    let status = if attempts >= MAX_ATTEMPTS {
                        "failed"
                    } else {
                        "pending"
                    };
                    (status, code, Some(err), None, next)
                }
            };
            let pool = self.pool.clone();
            let status = status.to_string();
            actix_web::web::block(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                m::record_attempt(
                    &mut conn,
                    d.id,
                    &status,
                    attempts,
                    next,
                    code,
                    error,
                    delivered_at,
                )
                .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())??;
        }
        Ok(n)
    }
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

    #[test]
    fn urls() {
        for bad in [
            "http://127.0.0.1:9000/h",
            "http://localhost/h",
            "http://10.1.2.3/h",
            "http://192.168.1.1/h",
            "http://172.16.0.5/h",
            "http://169.254.169.254/latest",
            "http://[::1]/h",
            "http://[fd00::1]/h",
            "http://[::ffff:127.0.0.1]/h",
            "http://0.0.0.0/h",
            "ftp://203.0.113.9/h",
            "not a url",
            "https://user:pw@203.0.113.9/h",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("https://203.0.113.9/hooks", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/h", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/h", true).is_err());
    }
}
