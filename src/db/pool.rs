//! The connection pool's manager: opens connections by URL and decides when a checkout must
//! test its connection.
//!
//! r2d2's checkout test (`SELECT 1`) is a round trip to the server on every request, a quarter
//! of an authenticated GET's round trips on PostgreSQL. A connection that answered a moment
//! ago is taken on trust instead: the test runs when the connection was idle for longer than
//! [`TRUSTED_FOR`], or when its last use failed (the server may have gone: a restart, a
//! dropped socket). So a connection that died under load fails one request, and the next
//! checkout finds it dead and opens another. A SQLite file has nowhere to go: never tested.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::r2d2::R2D2Connection;

use super::{establish, ping, DbConn};

/// How long a connection that was used without failing is trusted without a test.
pub const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection and what the pool knows about its health.
pub struct Pooled {
    conn: DbConn,
    /// When it last answered (a test, or a use its holder vouched for).
    answered: Instant,
    /// Its last use failed: test it before handing it out again.
    doubted: bool,
}

impl Pooled {
    /// The holder's use of the connection succeeded: it is trusted for [`TRUSTED_FOR`].
    pub fn vouch(&mut self) {
        self.answered = Instant::now();
        self.doubted = false;
    }

    /// The holder's use failed in a way that may be the connection's: test it next time.
    pub fn doubt(&mut self) {
        self.doubted = true;
    }

    fn needs_test(&self, now: Instant) -> bool {
        matches!(self.conn, DbConn::Pg(_)) && lapsed(self.answered, self.doubted, now)
    }
}

/// Whether trust in a connection that last answered at `answered` has lapsed by `now`.
fn lapsed(answered: Instant, doubted: bool, now: Instant) -> bool {
    doubted || now.saturating_duration_since(answered) > TRUSTED_FOR
}

impl Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// r2d2 manager that picks the backend by URL scheme.
#[derive(Debug, Clone)]
pub struct ConnManager {
    url: String,
}

impl ConnManager {
    pub fn new(url: &str) -> ConnManager {
        ConnManager {
            url: url.to_string(),
        }
    }
}

impl r2d2::ManageConnection for ConnManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        Ok(Pooled {
            conn: establish(&self.url)?,
            answered: Instant::now(),
            doubted: false,
        })
    }

    fn is_valid(&self, c: &mut Pooled) -> Result<(), Self::Error> {
        if c.needs_test(Instant::now()) {
            ping(&mut c.conn).map_err(diesel::r2d2::Error::QueryError)?;
            c.vouch();
        }
        Ok(())
    }

    fn has_broken(&self, c: &mut Pooled) -> bool {
        std::thread::panicking()
            || match &mut c.conn {
                DbConn::Pg(c) => c.is_broken(),
                DbConn::Sqlite(c) => c.is_broken(),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite() -> Pooled {
        Pooled {
            conn: establish(":memory:").unwrap(),
            answered: Instant::now(),
            doubted: false,
        }
    }

    #[test]
    fn trust_lapses_after_idle_time_or_a_failure() {
        let t = Instant::now();
        assert!(!lapsed(t, false, t));
        assert!(!lapsed(t, false, t + TRUSTED_FOR));
        assert!(lapsed(t, false, t + TRUSTED_FOR + Duration::from_millis(1)));
        assert!(lapsed(t, true, t));
        // A clock read before the answer (another thread's) is no lapse.
        assert!(!lapsed(t + TRUSTED_FOR, false, t));
    }

    #[test]
    fn vouching_clears_a_doubt() {
        let mut c = sqlite();
        c.doubt();
        assert!(c.doubted);
        c.vouch();
        assert!(!c.doubted && c.answered.elapsed() < TRUSTED_FOR);
    }

    #[test]
    fn a_sqlite_connection_is_never_tested() {
        let mut c = sqlite();
        c.doubt();
        assert!(!c.needs_test(Instant::now() + TRUSTED_FOR * 10));
    }
}
