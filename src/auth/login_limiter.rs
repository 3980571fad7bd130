//! Throttles logins before their credentials are checked: every attempt takes a slot, per
//! client (5 a minute) and per account (10 in 10 minutes, whichever client tries); when either
//! is full the attempt is answered 429 with the seconds until a slot frees, and the password is
//! not checked. A successful login gives its slots back, so only failures accumulate.
//!
//! Two layers with the same limits: this per-process one, which turns a flood away without
//! touching the database, and the shared one in the database (`service::auth::admit_shared`),
//! which holds across every instance behind a load balancer.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts allowed per client per minute.
pub const FAILURES_PER_MINUTE: u32 = 5;
pub const CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// Attempts allowed per account within [`ACCOUNT_WINDOW`], across clients.
pub const ACCOUNT_ATTEMPTS: u32 = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(600);
/// Beyond this many keys, those without a recent attempt are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
    verifications: AtomicU64,
}

/// The slots an admitted attempt holds; hand it back with [`LoginLimiter::succeeded`].
#[derive(Debug)]
pub struct Ticket {
    client: String,
    account: String,
}

/// The slot of a client's attempts.
pub fn client_slot(client: &str) -> String {
    format!("c:{client}")
}

/// The slot of an account's attempts (`account` namespaced: `user:<name>`, `partner:<id>`).
pub fn account_slot(account: &str) -> String {
    format!("a:{account}")
}

/// Seconds until a slot frees in a full window of `held` attempts whose oldest is `age` old.
pub fn wait_for(held: i64, age: Duration, window: Duration, max: u32) -> Option<u64> {
    if held < i64::from(max) {
        return None;
    }
    let left = window.saturating_sub(age);
    Some(left.as_secs_f64().ceil().max(1.0) as u64)
}

fn expire(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

/// Seconds until the oldest attempt leaves the window, when the window is full.
fn wait(q: &VecDeque<Instant>, now: Instant, window: Duration, max: u32) -> Option<u64> {
    let oldest = *q.front()?;
    wait_for(q.len() as i64, now.duration_since(oldest), window, max)
}

impl LoginLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a slot for an attempt by `client` on `account` (already namespaced by the caller,
    /// e.g. `user:<name>`), or answers the seconds to wait. Counted before any check.
    pub fn admit(&self, client: &str, account: &str) -> Result<Ticket, u64> {
        let now = Instant::now();
        let (ckey, akey) = (client_slot(client), account_slot(account));
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > SWEEP_AT {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < ACCOUNT_WINDOW)
            });
        }
        let c = map.entry(ckey.clone()).or_default();
        expire(c, now, CLIENT_WINDOW);
        if let Some(w) = wait(c, now, CLIENT_WINDOW, FAILURES_PER_MINUTE) {
            return Err(w);
        }
        let a = map.entry(akey.clone()).or_default();
        expire(a, now, ACCOUNT_WINDOW);
        if let Some(w) = wait(a, now, ACCOUNT_WINDOW, ACCOUNT_ATTEMPTS) {
            return Err(w);
        }
        a.push_back(now);
        map.entry(ckey.clone()).or_default().push_back(now);
        Ok(Ticket {
            client: ckey,
            account: akey,
        })
    }

    /// The attempt succeeded: its slots are given back.
    pub fn succeeded(&self, ticket: Ticket) {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        for key in [ticket.client, ticket.account] {
            if let Some(q) = map.get_mut(&key) {
                q.pop_back();
            }
        }
    }

    /// Counts one password verification (argon2 run), for the record and the tests.
    pub fn count_verification(&self) {
        self.verifications.fetch_add(1, Ordering::Relaxed);
    }

    /// Password verifications run so far by this process.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixth_attempt_is_refused_before_any_check() {
        let l = LoginLimiter::new();
        for _ in 0..5 {
            assert!(l.admit("a", "user:x").is_ok());
        }
        let wait = l.admit("a", "user:x").expect_err("sixth attempt refused");
        assert!((1..=60).contains(&wait));
        // Another client is not affected.
        assert!(l.admit("b", "user:y").is_ok());
    }

    #[test]
    fn success_gives_the_slots_back() {
        let l = LoginLimiter::new();
        for _ in 0..20 {
            let t = l.admit("a", "user:x").unwrap();
            l.succeeded(t);
        }
        assert!(l.admit("a", "user:x").is_ok());
    }

    #[test]
    fn an_account_is_limited_across_clients() {
        let l = LoginLimiter::new();
        for i in 0..ACCOUNT_ATTEMPTS {
            assert!(l.admit(&format!("c{}", i / 5), "user:x").is_ok());
        }
        let wait = l.admit("fresh", "user:x").expect_err("account full");
        assert!(wait > 60 && wait <= 600, "{wait}");
        assert!(l.admit("fresh", "user:other").is_ok());
    }
}
