//! Throttles failed logins per client: the 6th failure within a minute is answered 429, and
//! the client stays blocked until the limiter lets it try again (the time in `Retry-After`).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Failures allowed per client per minute.
pub const FAILURES_PER_MINUTE: u32 = 5;

pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    blocked: Mutex<HashMap<String, Instant>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl LoginLimiter {
    pub fn new() -> Self {
        // One cell per minute, bursts of five: never more than five failures in any minute.
        let quota = Quota::with_period(Duration::from_secs(60))
            .expect("non-zero period")
            .allow_burst(NonZeroU32::new(FAILURES_PER_MINUTE).expect("non-zero"));
        LoginLimiter {
            limiter: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds the client must still wait, if it is blocked.
    pub fn blocked_for(&self, client: &str) -> Option<u64> {
        let now = Instant::now();
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        blocked
            .get(client)
            .filter(|until| **until > now)
            .map(|until| until.duration_since(now).as_secs().max(1))
    }

    /// Records a failure; returns the seconds to wait when it was one too many.
    pub fn record_failure(&self, client: &str) -> Option<u64> {
        let key = client.to_string();
        match self.limiter.check_key(&key) {
            Ok(()) => None,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let wait = wait.max(Duration::from_secs(1));
                let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                if blocked.len() > 10_000 {
                    blocked.retain(|_, until| *until > now);
                    self.limiter.retain_recent();
                }
                blocked.insert(key, now + wait);
                Some(wait.as_secs_f64().ceil() as u64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixth_failure_is_refused_and_blocks() {
        let l = LoginLimiter::new();
        for _ in 0..5 {
            assert_eq!(l.record_failure("a"), None);
            assert_eq!(l.blocked_for("a"), None);
        }
        let wait = l.record_failure("a").expect("sixth failure refused");
        assert!((1..=60).contains(&wait));
        assert!(l.blocked_for("a").is_some());
        // Another client is not affected.
        assert_eq!(l.blocked_for("b"), None);
        assert_eq!(l.record_failure("b"), None);
    }
}
