//! Database access: one Diesel codebase over SQLite and PostgreSQL.
//!
//! The backend is chosen by the URL: `postgres://`/`postgresql://` selects
//! PostgreSQL, anything else is a SQLite file path (created on first use).

pub mod columns;
pub mod dates;
pub mod fragments;
pub mod hot_sql;
pub mod models;
mod pool;
pub mod schema;
pub mod schema_accounts;
pub mod schema_books;
pub mod schema_fund;
pub mod schema_history;
pub mod schema_tallies;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Only portable column types are used in the schema.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The backend type Diesel generates for [`DbConn`]; boxed queries are built for it.
pub type Backend = <DbConn as Connection>::Backend;

pub use pool::{ConnManager, Pooled, TRUSTED_FOR};
pub type Pool = r2d2::Pool<ConnManager>;
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// SQLite settings applied to every pooled connection. `busy_timeout` comes first: switching
/// to WAL needs a lock, and a new connection opened while another writes must wait for it
/// rather than fail with "database is locked". The WAL is checkpointed every 10,000 pages
/// (40 MB) instead of SQLite's 1,000: a checkpoint runs in the committing writer, with two
/// `fsync`s, and copies each page once however often it changed since the last one, so the
/// pages every repayment touches (the loan, its book, the index leaves) are copied ten times
/// less often (BENCHMARKS.md, fifth round).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA wal_autocheckpoint = 10000;";

/// Opens one connection, keeping the real error (the derived `establish` hides it).
pub fn establish(url: &str) -> Result<DbConn, diesel::r2d2::Error> {
    use diesel::r2d2::Error;
    if is_postgres_url(url) {
        let conn = diesel::PgConnection::establish(url).map_err(Error::ConnectionError)?;
        Ok(DbConn::Pg(conn))
    } else {
        if let Some(dir) = std::path::Path::new(url).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::ConnectionError(diesel::ConnectionError::BadConnection(format!(
                        "cannot create the folder {}: {e}",
                        dir.display()
                    )))
                })?;
            }
        }
        configure_sqlite();
        let mut conn = diesel::SqliteConnection::establish(url).map_err(Error::ConnectionError)?;
        conn.batch_execute(SQLITE_PRAGMAS)
            .map_err(Error::QueryError)?;
        Ok(DbConn::Sqlite(conn))
    }
}

/// Puts this process's SQLite in multi-thread mode, before its first connection opens. The
/// bundled SQLite defaults to serialized mode, which takes each connection's mutex around every
/// call, each column of each row read included: 3.7 % of a list page's CPU. A connection here
/// is only ever used by one thread at a time (r2d2 hands it to one holder; the writer thread
/// owns its own; Diesel's connection is `Send`, not `Sync`), which is what multi-thread mode
/// asks. Once SQLite has been initialised the call is refused (`SQLITE_MISUSE`) and changes
/// nothing: the process stays serialized, which is only slower. (Memory statistics, the other
/// global mutex, are off at compile time: `.cargo/config.toml`.)
fn configure_sqlite() {
    use libsqlite3_sys::{sqlite3_config, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `SQLITE_CONFIG_MULTITHREAD` takes no further argument; `sqlite3_config` runs
        // once, before this process opens a connection through `establish`.
        let rc = unsafe { sqlite3_config(SQLITE_CONFIG_MULTITHREAD) };
        if rc != SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was already initialised: it stays in serialized mode"
            );
        }
    });
}

pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// Runs the pending migrations of the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, String> {
    let applied = match conn {
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| e.to_string())
}

/// Opens one connection, migrates, then builds the pool (sized for the machine's cores).
pub fn connect_and_migrate(url: &str) -> Result<Pool, String> {
    let mut conn = establish(url).map_err(|e| format!("cannot open the database: {e}"))?;
    run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
    drop(conn);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2) as u32;
    // PostgreSQL benefits from a few connections per core; SQLite has one writer anyway.
    let size = if is_postgres_url(url) {
        cores * 4
    } else {
        cores * 2
    }
    .max(4);
    r2d2::Pool::builder()
        .max_size(size)
        // The checkout test is `ConnManager::is_valid`: a round trip to the server only when
        // the connection was idle or its last use failed (see `pool`).
        .test_on_check_out(true)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnManager::new(url))
        .map_err(|e| format!("cannot build the connection pool: {e}"))
}

/// Runs `f` in a write transaction. On SQLite this is `BEGIN IMMEDIATE`, so the write lock is
/// taken up front: a deferred read-then-write transaction would fail with "database is
/// locked" under concurrency whatever the busy timeout. Inside a transaction already (the
/// SQLite writer's group) it is a savepoint of it, on both backends.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Tm = <DbConn as Connection>::TransactionManager;
    let outermost = transaction_depth(conn)? == 0;
    match conn {
        DbConn::Sqlite(c) if outermost => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        _ => Tm::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match Tm::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// For a bulk write transaction that makes a table grow by orders of magnitude (the registry's
/// import): on PostgreSQL, plans every statement for the tables as they are now, until the
/// transaction ends (`SET LOCAL plan_cache_mode = force_custom_plan`); nothing on SQLite.
/// Otherwise a pooled connection's prepared statement keeps the generic plan it settled on
/// after its first executions: made while the registry was small (or never analysed), that
/// plan scanned the whole table, and each 20,000-row import file cost more than the last
/// (1.8, 9.4, 18.3 s for the first three; BENCHMARKS.md). Planning per execution costs a
/// fraction of a millisecond a statement, so it is not the connection's default.
pub fn plan_for_current_sizes(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => c.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// How many transactions deep the connection is (0: none; a savepoint adds one). An error
/// when Diesel found its transaction state broken.
pub fn transaction_depth(conn: &mut DbConn) -> QueryResult<u32> {
    type Tm = <DbConn as Connection>::TransactionManager;
    Ok(Tm::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .map_or(0, |d| d.get()))
}

/// Runs Diesel statements on the backend-specific connection inside a [`DbConn`]: for the
/// statements the multi-backend cannot express (batch inserts, `ON CONFLICT`), and for the hot
/// ones. Through [`DbConn`] itself, Diesel's multi-backend connection writes a statement's
/// whole SQL text on every pass over it (the cache check and the binds included), even when
/// its prepared statement is cached; on the inner connection a static query finds its cached
/// statement by its type alone. (`$body` is compiled once per backend.)
#[macro_export]
macro_rules! on_inner {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Which backend a connection talks to (for the rare query that must differ).
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Pg(_))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_busy_timeout_is_set_before_anything_that_takes_a_lock() {
        let first = super::SQLITE_PRAGMAS
            .split(';')
            .map(str::trim)
            .find(|p| !p.is_empty())
            .unwrap();
        assert_eq!(first, "PRAGMA busy_timeout = 5000");
    }
}
