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
use crate::writer::Writer;

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
    /// This process's SQLite writer (see [`AppState::db_write`]); None on PostgreSQL.
    writer: Option<Writer>,
}

impl AppState {
    /// The state of a running service; fails when the document store does not open.
    pub fn new(pool: Pool, settings: Settings) -> Result<Self, ConfigError> {
        let store = DocumentStore::open(&settings.storage).map_err(ConfigError::Storage)?;
        // The member ledger seals and opens farmers' ID numbers with these keys.
        crate::pii::install(&settings.data_keys);
        let sqlite = !crate::db::is_postgres_url(&settings.database_url);
        Ok(AppState {
            writer: sqlite
                .then(|| Writer::start(pool.clone(), settings.write_group))
                .transpose()
                .map_err(ConfigError::Writer)?,
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
        self.blocking(f).await
    }

    /// Like [`AppState::db`], inside one write transaction (`BEGIN IMMEDIATE` on SQLite).
    ///
    /// SQLite has one writer at a time: this process's changes go to its writer thread, which
    /// commits the changes that queue up while one runs together, each in a savepoint of its
    /// own, and answers each once its group is committed ([`crate::writer`]). (Other
    /// processes, such as the CLI, meet SQLite's busy timeout.) PostgreSQL writers run
    /// concurrently on the blocking pool and lock rows.
    pub async fn db_write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write(f).await,
            None => {
                self.blocking(move |conn| crate::db::write_tx(conn, f))
                    .await
            }
        }
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
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
