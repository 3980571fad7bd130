//! Shared application state handed to every handler.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::jwt::JwtKeys;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::revocation::RevocationCache;
use crate::config::{ConfigError, Settings};
use crate::db::{DbConn, Pool};
use crate::error::{ApiError, ApiResult};
use crate::storage::DocumentStore;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub jwt: Arc<JwtKeys>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Subjects' credentials versions, cached for `settings.revocation_ttl_ms`.
    pub revocation: Arc<RevocationCache>,
    /// The archive's bytes (`settings.storage`).
    pub store: DocumentStore,
    /// This process's queue of SQLite write transactions (see [`AppState::db_write`]); None
    /// on PostgreSQL.
    writers: Option<Arc<std::sync::Mutex<()>>>,
}

impl AppState {
    /// The state of a running service; fails when the document store does not open.
    pub fn new(pool: Pool, settings: Settings) -> Result<Self, ConfigError> {
        let store = DocumentStore::open(&settings.storage).map_err(ConfigError::Storage)?;
        // The member ledger seals and opens farmers' ID numbers with these keys.
        crate::pii::install(&settings.data_keys);
        let sqlite = !crate::db::is_postgres_url(&settings.database_url);
        Ok(AppState {
            writers: sqlite.then(Arc::default),
            store,
            pool,
            jwt: Arc::new(JwtKeys::new(&settings.jwt_secret)),
            revocation: Arc::new(RevocationCache::new(Duration::from_millis(
                settings.revocation_ttl_ms,
            ))),
            settings: Arc::new(settings),
            login_limiter: Arc::new(LoginLimiter::new()),
        })
    }

    /// Runs blocking database work on actix's thread pool, never on the async executor.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.blocking(None, f).await
    }

    /// Like [`AppState::db`], inside one write transaction (`BEGIN IMMEDIATE` on SQLite).
    ///
    /// SQLite has one writer at a time. Its own wait for the lock (`busy_timeout`) sleeps
    /// 1, 2, 5, 10… ms between tries, so writers racing for it wait far longer than the
    /// transactions take; this process's writers queue on a mutex instead and each starts the
    /// moment the one before it commits. (Other processes, such as the CLI, still meet the
    /// busy timeout.) PostgreSQL writers run concurrently and lock rows.
    pub async fn db_write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        // Queued before a connection is taken from the pool, so waiting writers leave the
        // pool's connections to readers.
        let queue = self.writers.clone();
        self.blocking(queue, move |conn| crate::db::write_tx(conn, f))
            .await
    }

    /// Runs `f` with a pooled connection on the blocking pool, after taking its turn in
    /// `queue` when there is one.
    async fn blocking<T, F>(&self, queue: Option<Arc<std::sync::Mutex<()>>>, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let _turn = queue
                .as_deref()
                .map(|q| q.lock().unwrap_or_else(|p| p.into_inner()));
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            // A failure that may be the connection's has it tested at its next checkout.
            match &result {
                Err(ApiError::Internal(_)) => conn.doubt(),
                _ => conn.vouch(),
            }
            result
        })
        .await
        .map_err(ApiError::from)?
    }
}
