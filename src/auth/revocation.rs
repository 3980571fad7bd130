//! Revocation at once: every token carries its subject's credentials version (`ver`), and the
//! extractor compares it with the stored one. The stored versions are cached per process for a
//! few seconds (subject → version, disabled); this process drops an entry whenever it writes
//! the subject, other instances see the change when their entry runs out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::models::{loans as partners, session, user};
use crate::db::DbConn;

/// Whose credentials a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKey {
    User(i64),
    Partner(i64),
    /// A user's login session (the token's `sid`): ended by logout or a refresh token's reuse.
    Session(i64),
}

impl SubjectKey {
    /// The subject of a token's `sub`: a user id, or `partner:<id>`.
    pub fn parse(sub: &str) -> Option<SubjectKey> {
        match sub.strip_prefix("partner:") {
            Some(id) => id.parse().ok().map(SubjectKey::Partner),
            None => sub.parse().ok().map(SubjectKey::User),
        }
    }
}

/// What a token is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub version: i64,
    pub disabled: bool,
}

impl Standing {
    /// Whether a token issued at credentials version `ver` still stands.
    pub fn admits(&self, ver: i64) -> bool {
        !self.disabled && ver == self.version
    }
}

/// The stored standing of a subject (`None`: no such user or partner). One primary-key read.
pub fn load(conn: &mut DbConn, key: SubjectKey) -> diesel::QueryResult<Option<Standing>> {
    let row = match key {
        SubjectKey::User(id) => user::credentials(conn, id)?,
        SubjectKey::Partner(id) => partners::partner_credentials(conn, id)?,
        SubjectKey::Session(id) => {
            session::revoked(conn, id)?.map(|ended| (SESSION_VERSION, ended))
        }
    };
    Ok(row.map(|(version, disabled)| Standing { version, disabled }))
}

/// The "version" a session's standing is checked at: sessions only end, they have no versions.
pub const SESSION_VERSION: i64 = 0;

/// Default lifetime of a cached standing.
pub const DEFAULT_TTL_MS: u64 = 5_000;
/// Beyond this many entries, expired ones are swept on insert.
const SWEEP_AT: usize = 10_000;

pub struct RevocationCache {
    ttl: Duration,
    entries: Mutex<HashMap<SubjectKey, (Instant, Option<Standing>)>>,
    /// Bumped by every `forget`: a lookup that began before a write does not cache its
    /// (possibly stale) answer.
    generation: AtomicU64,
}

impl RevocationCache {
    pub fn new(ttl: Duration) -> Self {
        RevocationCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SubjectKey, (Instant, Option<Standing>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached standing, if fresh (`Some(None)`: cached as unknown).
    pub fn get(&self, key: SubjectKey) -> Option<Option<Standing>> {
        let now = Instant::now();
        self.lock()
            .get(&key)
            .filter(|(at, _)| now.duration_since(*at) < self.ttl)
            .map(|(_, s)| *s)
    }

    /// The generation to hand back to [`RevocationCache::put`] after a lookup.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches a looked-up standing, unless a write happened since the lookup began.
    pub fn put(&self, key: SubjectKey, standing: Option<Standing>, generation: u64) {
        let mut entries = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        let now = Instant::now();
        if entries.len() >= SWEEP_AT {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| now.duration_since(*at) < ttl);
        }
        entries.insert(key, (now, standing));
    }

    /// Drops a subject's entry after this process changed its credentials.
    pub fn forget(&self, key: SubjectKey) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse() {
        assert_eq!(SubjectKey::parse("12"), Some(SubjectKey::User(12)));
        assert_eq!(SubjectKey::parse("partner:3"), Some(SubjectKey::Partner(3)));
        assert_eq!(SubjectKey::parse("partner:x"), None);
        assert_eq!(SubjectKey::parse("admin"), None);
    }

    #[test]
    fn standing_admits_only_current_enabled_version() {
        let s = Standing {
            version: 2,
            disabled: false,
        };
        assert!(s.admits(2));
        assert!(!s.admits(1));
        assert!(!Standing {
            disabled: true,
            ..s
        }
        .admits(2));
    }

    #[test]
    fn entries_expire_and_are_forgotten() {
        let c = RevocationCache::new(Duration::from_millis(30));
        let k = SubjectKey::User(1);
        let s = Some(Standing {
            version: 1,
            disabled: false,
        });
        c.put(k, s, c.generation());
        assert_eq!(c.get(k), Some(s));
        c.forget(k);
        assert_eq!(c.get(k), None);
        c.put(k, s, c.generation());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(k), None);
    }

    #[test]
    fn a_lookup_older_than_a_write_is_not_cached() {
        let c = RevocationCache::new(Duration::from_secs(5));
        let k = SubjectKey::Partner(1);
        let g = c.generation();
        c.forget(k);
        c.put(k, None, g);
        assert_eq!(c.get(k), None);
    }
}
