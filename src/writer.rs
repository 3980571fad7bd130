//! SQLite's writer: this process's write transactions run one after another on one thread,
//! and the changes that arrive while one runs are committed together (group commit).
//!
//! SQLite has one writer at a time, and the commit (the transaction's pages appended to the
//! WAL) is the largest single cost of a small change. Each change runs in a savepoint of its
//! own inside a shared `BEGIN IMMEDIATE` transaction (`db::write_tx`, nested): a change that
//! fails, or panics, is rolled back to its savepoint and answered at once, and the others go
//! on. Those that succeeded are answered only after the shared `COMMIT`, so no caller hears of
//! a change that is not committed; if the commit fails, every one of them gets the error and
//! nothing of the group is kept. A group takes at most [`MAX_GROUP`] changes and stops taking
//! more once it has run for [`MAX_GROUP_TIME`] (both settings: `COOPHUB_WRITE_GROUP_MAX`,
//! `COOPHUB_WRITE_GROUP_MS`), so an early change is never held back long by
//! those queued behind it.
//!
//! The thread is the blocking side of the service like `web::block`'s pool: the async executor
//! only sends it the work and awaits the answer. PostgreSQL writers do not come here: they run
//! concurrently and lock rows.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::db::{transaction_depth, write_tx, DbConn, Pool};
use crate::error::{ApiError, ApiResult};

/// The most changes committed together.
pub const MAX_GROUP: usize = 64;
/// A group takes no further changes once it has run this long.
pub const MAX_GROUP_TIME: Duration = Duration::from_millis(5);

/// Why changes were not committed (called once for each of them).
type Refusal = fn() -> ApiError;
/// What a change leaves to do once its group's commit is known: answer its caller.
type Finish = Box<dyn FnOnce(Result<(), Refusal>) + Send>;
/// A change: run on the group's connection (or told why it cannot run); `Some` when it
/// succeeded and waits for the commit.
type Job = Box<dyn FnOnce(Result<&mut DbConn, Refusal>) -> Option<Finish> + Send>;

/// When a group stops taking changes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_group: usize,
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_group: MAX_GROUP,
            max_time: MAX_GROUP_TIME,
        }
    }
}

/// The sending side of the writer thread (cheap to clone).
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread, whose groups stop taking changes at `limits`; it ends when the
    /// last clone of the returned handle is dropped.
    pub fn start(pool: Pool, limits: Limits) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&pool, &queue, limits))?;
        Ok(Writer { jobs })
    }

    /// Runs `f` in the writer's transaction and answers once it is committed.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |conn| {
            let done = conn
                .map_err(|refusal| refusal())
                .and_then(|c| in_savepoint(c, f));
            match done {
                Ok(value) => Some(Box::new(move |committed: Result<(), Refusal>| {
                    let _ = answer.send(committed.map(|()| value).map_err(|refusal| refusal()));
                })),
                Err(e) => {
                    let _ = answer.send(Err(e));
                    None
                }
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("the SQLite writer has stopped"))?;
        answered
            .await
            .map_err(|_| ApiError::internal("the SQLite writer dropped a change"))?
    }
}

/// `f` in a savepoint of the group's transaction; a panic is rolled back like an error.
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> ApiResult<T>) -> ApiResult<T> {
    write_tx(conn, |c| {
        std::panic::catch_unwind(AssertUnwindSafe(|| f(c)))
            .unwrap_or_else(|_| Err(ApiError::internal("a change panicked and was rolled back")))
    })
}

/// Runs `next` and the changes queued behind it in the open transaction, until the group is
/// full, has run its time, or the queue is empty. Fails when a change broke the transaction
/// (SQLite rolls a whole transaction back by itself on some errors: a full disk, I/O).
fn take_group(
    conn: &mut DbConn,
    queue: &mpsc::Receiver<Job>,
    limits: Limits,
    next: &mut Option<Job>,
    waiting: &mut Vec<Finish>,
) -> diesel::QueryResult<()> {
    let started = Instant::now();
    let mut taken = 0;
    while let Some(job) = next.take() {
        taken += 1;
        waiting.extend(job(Ok(&mut *conn)));
        if transaction_depth(conn)? != 1 {
            return Err(diesel::result::Error::BrokenTransactionManager);
        }
        if taken >= limits.max_group || started.elapsed() >= limits.max_time {
            break;
        }
        *next = queue.try_recv().ok();
    }
    Ok(())
}

fn unavailable() -> ApiError {
    ApiError::Unavailable
}

fn not_committed() -> ApiError {
    ApiError::internal("the change could not be committed; nothing of it was kept")
}

/// Keeps the group's savepoint journals in memory (`PRAGMA temp_store = MEMORY`, read when
/// the transaction begins), then gives the connection back to the pool as it was. Each change
/// runs in a savepoint, so each page the group had already changed is copied to the savepoint's
/// journal when the change first writes it again; by default that journal spills to a temporary
/// file past 64 KiB, which a repayment exceeds (writing it was 16 % of this thread's time under
/// repayments, BENCHMARKS.md). It lives while its savepoint is open. Only for the group:
/// elsewhere the setting would also hold a `VACUUM`'s copy of the database in memory.
fn journals_in_memory(conn: &mut crate::db::PooledConn, on: bool) {
    use diesel::connection::SimpleConnection;
    let pragma = if on {
        "PRAGMA temp_store = MEMORY"
    } else {
        "PRAGMA temp_store = DEFAULT"
    };
    if let Err(e) = conn.batch_execute(pragma) {
        tracing::error!(error = %e, pragma, "the SQLite writer's connection");
        conn.doubt();
    }
}

/// The writer thread: a group per turn, until every [`Writer`] is gone.
fn run(pool: &Pool, queue: &mpsc::Receiver<Job>, limits: Limits) {
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        let mut waiting = Vec::new();
        let committed = match pool.get() {
            Err(e) => {
                tracing::error!(error = %e, "database pool");
                Err(unavailable as Refusal)
            }
            Ok(mut conn) => {
                journals_in_memory(&mut conn, true);
                let group = write_tx(&mut conn, |c| {
                    take_group(c, queue, limits, &mut next, &mut waiting)
                });
                let outcome = match group {
                    Ok(()) => {
                        conn.vouch();
                        Ok(())
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "a group of changes was rolled back");
                        conn.doubt();
                        Err(not_committed as Refusal)
                    }
                };
                journals_in_memory(&mut conn, false);
                outcome
            }
        };
        if committed.is_ok() && !waiting.is_empty() {
            crate::metrics::sqlite_group(waiting.len());
        }
        // A change that never ran: no connection, or the transaction did not begin.
        if let (Some(job), Err(refusal)) = (next, committed) {
            job(Err(refusal));
        }
        for finish in waiting {
            finish(committed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc as std_mpsc;

    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::*;

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// The rows of `t` as `conn` sees them.
    fn count_on(conn: &mut DbConn) -> i64 {
        diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result::<N>(conn)
            .unwrap()
            .n
    }

    /// The rows of `t` committed (another connection of the pool sees only those).
    fn committed(pool: &Pool) -> i64 {
        count_on(&mut pool.get().unwrap())
    }

    fn insert(conn: &mut DbConn, v: i64) -> ApiResult<()> {
        conn.batch_execute(&format!("INSERT INTO t (v) VALUES ({v})"))?;
        Ok(())
    }

    /// A file database with a table `t`, and a writer whose groups take up to `max_group`
    /// changes and wait up to a second.
    fn setup(max_group: usize) -> (tempfile::TempDir, Pool, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("w.db").to_string_lossy().into_owned();
        let pool = crate::db::connect_and_migrate(&url).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (v BIGINT NOT NULL)")
            .unwrap();
        let limits = Limits {
            max_group,
            max_time: Duration::from_secs(1),
        };
        let writer = Writer::start(pool.clone(), limits).unwrap();
        (dir, pool, writer)
    }

    /// A change that waits for the returned sender before it inserts `v`, holding its group
    /// open until the changes after it are queued.
    fn held(
        writer: &Writer,
        v: i64,
    ) -> (
        std_mpsc::Sender<()>,
        impl std::future::Future<Output = ApiResult<()>> + '_,
    ) {
        let (go, wait) = std_mpsc::channel::<()>();
        let change = writer.write(move |c| {
            wait.recv().unwrap();
            insert(c, v)
        });
        (go, change)
    }

    /// Sends `go` once the changes polled before it have been queued.
    async fn release(go: std_mpsc::Sender<()>) {
        tokio::task::yield_now().await;
        go.send(()).unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn changes_queued_behind_one_are_committed_with_it_and_each_fails_alone() {
        let (_dir, pool, writer) = setup(64);
        let (go, first) = held(&writer, 1);
        let check = pool.clone();
        let ok = writer.write(move |c| {
            insert(c, 2)?;
            // In the first one's transaction: it sees the first row, which is not committed.
            Ok((count_on(c), committed(&check)))
        });
        let failed = writer.write(|c| {
            insert(c, 3)?;
            Err::<(), _>(ApiError::Conflict("refused after writing".into()))
        });
        let panicked = writer.write(|c| -> ApiResult<()> {
            insert(c, 4)?;
            panic!("a bug in a change");
        });
        // 1 and 2 (3 and 4 were rolled back to their savepoints).
        let last = writer.write(|c| Ok(count_on(c)));
        let all = async { futures_util::join!(first, ok, failed, panicked, last) };
        let ((first, ok, failed, panicked, last), ()) = futures_util::join!(all, release(go));
        assert!(first.is_ok());
        assert_eq!(
            ok.unwrap(),
            (2, 0),
            "one group: nothing committed before its end"
        );
        assert!(matches!(failed, Err(ApiError::Conflict(_))), "{failed:?}");
        assert!(
            matches!(panicked, Err(ApiError::Internal(_))),
            "{panicked:?}"
        );
        assert_eq!(last.unwrap(), 2);
        // Answered after the commit: another connection sees every change that succeeded.
        assert_eq!(committed(&pool), 2);
        // The writer goes on after a panic.
        writer.write(|c| insert(c, 6)).await.unwrap();
        assert_eq!(committed(&pool), 3);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_group_closes_at_its_size() {
        let (_dir, pool, writer) = setup(2);
        let (go, first) = held(&writer, 1);
        // What each change sees committed when it runs: groups of two, {1, 2} {3, 4} {5}.
        let rest = futures_util::future::join_all((2..=5).map(|v| {
            let check = pool.clone();
            writer.write(move |c| {
                insert(c, v)?;
                Ok(committed(&check))
            })
        }));
        let all = async { futures_util::join!(first, rest) };
        let ((first, rest), ()) = futures_util::join!(all, release(go));
        assert!(first.is_ok());
        let seen: Vec<i64> = rest.into_iter().map(Result::unwrap).collect();
        assert_eq!(seen, vec![0, 2, 2, 4]);
        assert_eq!(committed(&pool), 5);
    }

    /// `PRAGMA temp_store` of a connection (0: default, 2: memory).
    fn temp_store(conn: &mut DbConn) -> i64 {
        diesel::sql_query("SELECT temp_store AS n FROM pragma_temp_store")
            .get_result::<N>(conn)
            .unwrap()
            .n
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_group_keeps_its_journals_in_memory_and_hands_its_connection_back_as_it_was() {
        let (_dir, pool, writer) = setup(4);
        let inside = writer.write(|c| Ok(temp_store(c))).await.unwrap();
        assert_eq!(inside, 2, "the group's transaction: journals in memory");
        // Every connection of the pool at once, the writer's among them: all back to default.
        let mut all: Vec<_> = (0..pool.max_size()).map(|_| pool.get().unwrap()).collect();
        for c in &mut all {
            assert_eq!(temp_store(c), 0);
        }
    }
}
