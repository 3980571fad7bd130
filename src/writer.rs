//! SQLite's writer: this process's write transactions run one after another on one thread,
//! and the changes that arrive while one runs are committed together (group commit).
//!
//! SQLite has one writer at a time, and the commit (the transaction's pages appended to the
//! WAL) is the largest single cost of a small change. Each change runs in a savepoint of its
//! own inside a shared `BEGIN IMMEDIATE` transaction: a change that fails is rolled back to its
//! savepoint and answered at once, and the others go on. Those that succeeded are answered
//! only after the shared `COMMIT`, so no caller hears of a change that is not committed; if the
//! commit fails, every one of them gets the error and nothing of the group is kept. A group
//! takes at most [`MAX_GROUP`] changes and stops taking more once it has run for
//! [`MAX_GROUP_TIME`], so an early change is never held back long by those queued behind it.
//!
//! The thread is the blocking side of the service like `web::block`'s pool: the async executor
//! only sends it the work and awaits the answer. PostgreSQL writers do not come here: they run
//! concurrently and lock rows.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use crate::db::{DbConn, Pool};
use crate::error::{ApiError, ApiResult};

/// The most changes committed together.
pub const MAX_GROUP: usize = 64;
/// A group takes no further changes once it has run this long.
pub const MAX_GROUP_TIME: Duration = Duration::from_millis(5);

type Tm = <DbConn as Connection>::TransactionManager;

/// What a change leaves to do once its group's commit is known: answer its caller.
type Finish = Box<dyn FnOnce(Result<(), &str>) + Send>;
/// A change: run on the group's connection (or told why it cannot run); `Some` when it
/// succeeded and waits for the commit.
type Job = Box<dyn FnOnce(Result<&mut DbConn, &str>) -> Option<Finish> + Send>;

/// How many groups the writer committed with at least one change, and how many changes they
/// held.
#[derive(Debug, Default)]
pub struct Counts {
    pub groups: AtomicU64,
    pub changes: AtomicU64,
}

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
    counts: Arc<Counts>,
}

impl Writer {
    /// Starts the writer thread; it ends when the last clone of the returned handle is dropped.
    pub fn start(pool: Pool) -> std::io::Result<Writer> {
        Self::start_with(pool, Limits::default())
    }

    /// [`Writer::start`] with other limits on a group.
    pub fn start_with(pool: Pool, limits: Limits) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let counts = Arc::new(Counts::default());
        let counted = counts.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&pool, &queue, limits, &counted))?;
        Ok(Writer { jobs, counts })
    }

    /// The groups committed so far and the changes in them.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.counts.groups.load(Ordering::Relaxed),
            self.counts.changes.load(Ordering::Relaxed),
        )
    }

    /// Runs `f` in the writer's transaction and answers once it is committed.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |conn| {
            let conn = match conn {
                Ok(c) => c,
                Err(why) => {
                    let _ = answer.send(Err(ApiError::Internal(why.to_string())));
                    return None;
                }
            };
            match in_savepoint(conn, f) {
                Ok(value) => Some(Box::new(move |committed: Result<(), &str>| {
                    let _ = answer.send(
                        committed
                            .map(|()| value)
                            .map_err(|why| ApiError::Internal(why.to_string())),
                    );
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

/// `f` in a savepoint of the open transaction: released when it succeeds, rolled back when it
/// fails or panics.
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> ApiResult<T>) -> ApiResult<T> {
    Tm::begin_transaction(conn)?;
    let result = match std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut *conn))) {
        Ok(r) => r,
        Err(_) => Err(ApiError::internal("a change panicked and was rolled back")),
    };
    match result {
        Ok(value) => match Tm::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Tm::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = Tm::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// The shared transaction is still open and usable (one level deep, nothing broken): SQLite
/// rolls a whole transaction back by itself on some errors (a full disk, I/O).
fn group_intact(conn: &mut DbConn) -> bool {
    match conn {
        DbConn::Sqlite(c) => matches!(
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
            Ok(Some(depth)) if depth.get() == 1
        ),
        DbConn::Pg(_) => false,
    }
}

/// The writer thread: a group per turn, until every [`Writer`] is gone.
fn run(pool: &Pool, queue: &mpsc::Receiver<Job>, limits: Limits, counts: &Counts) {
    while let Ok(first) = queue.recv() {
        let mut conn = match pool.get() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "database pool");
                first(Err("the database is unavailable"));
                continue;
            }
        };
        let begun = match &mut **conn {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
            DbConn::Pg(_) => Err(diesel::result::Error::BrokenTransactionManager),
        };
        if let Err(e) = begun {
            tracing::error!(error = %e, "beginning a write transaction");
            conn.doubt();
            first(Err("the write transaction could not begin"));
            continue;
        }
        let started = Instant::now();
        let mut waiting: Vec<Finish> = Vec::new();
        let mut next = Some(first);
        let mut taken = 0;
        let mut intact = true;
        while let Some(job) = next.take() {
            taken += 1;
            waiting.extend(job(Ok(&mut **conn)));
            intact = group_intact(&mut conn);
            if !intact || taken >= limits.max_group || started.elapsed() >= limits.max_time {
                break;
            }
            next = queue.try_recv().ok();
        }
        let committed = if intact {
            Tm::commit_transaction(&mut **conn).map_err(|e| {
                tracing::error!(error = %e, "committing a group of changes");
                let _ = Tm::rollback_transaction(&mut **conn);
            })
        } else {
            tracing::error!("a change broke its group's transaction; the group is rolled back");
            let _ = Tm::rollback_transaction(&mut **conn);
            Err(())
        };
        match committed {
            Ok(()) => {
                conn.vouch();
                // A group whose every change failed committed nothing: not counted.
                if !waiting.is_empty() {
                    counts
                        .changes
                        .fetch_add(waiting.len() as u64, Ordering::Relaxed);
                    counts.groups.fetch_add(1, Ordering::Relaxed);
                    crate::metrics::sqlite_group(waiting.len());
                }
                for finish in waiting {
                    finish(Ok(()));
                }
            }
            Err(()) => {
                conn.doubt();
                for finish in waiting {
                    finish(Err(
                        "the change could not be committed; nothing of it was kept",
                    ));
                }
            }
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

    fn count(pool: &Pool) -> i64 {
        let mut c = pool.get().unwrap();
        diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result::<N>(&mut **c)
            .unwrap()
            .n
    }

    fn insert(conn: &mut DbConn, v: i64) -> ApiResult<()> {
        conn.batch_execute(&format!("INSERT INTO t (v) VALUES ({v})"))?;
        Ok(())
    }

    /// A file database with a table `t`, and a writer whose groups wait up to a second.
    fn setup() -> (tempfile::TempDir, Pool, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("w.db").to_string_lossy().into_owned();
        let pool = crate::db::connect_and_migrate(&url).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (v BIGINT NOT NULL)")
            .unwrap();
        let limits = Limits {
            max_group: 64,
            max_time: Duration::from_secs(1),
        };
        let writer = Writer::start_with(pool.clone(), limits).unwrap();
        (dir, pool, writer)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn changes_queued_behind_one_are_committed_with_it_and_each_fails_alone() {
        let (_dir, pool, writer) = setup();
        // The first change holds the group open until the others are queued behind it.
        let (go, wait) = std_mpsc::channel::<()>();
        let first = writer.write(move |c| {
            wait.recv().unwrap();
            insert(c, 1)
        });
        let ok = writer.write(|c| insert(c, 2));
        let failed = writer.write(|c| {
            insert(c, 3)?;
            Err::<(), _>(ApiError::Conflict("refused after writing".into()))
        });
        let panicked = writer.write(|c| -> ApiResult<()> {
            insert(c, 4)?;
            panic!("a bug in a change");
        });
        let last = writer.write(|c| {
            // The group's own earlier changes are visible to it: 1 and 2 (3 and 4 were
            // rolled back to their savepoints).
            let seen = diesel::sql_query("SELECT count(*) AS n FROM t").get_result::<N>(c)?;
            insert(c, 5)?;
            Ok(seen.n)
        });
        let all = async { futures_util::join!(first, ok, failed, panicked, last) };
        let signal = async {
            // Every change above is sent once the join has polled each of them.
            tokio::task::yield_now().await;
            go.send(()).unwrap();
        };
        let ((first, ok, failed, panicked, last), ()) = futures_util::join!(all, signal);
        assert!(first.is_ok() && ok.is_ok());
        assert!(matches!(failed, Err(ApiError::Conflict(_))), "{failed:?}");
        assert!(
            matches!(panicked, Err(ApiError::Internal(_))),
            "{panicked:?}"
        );
        assert_eq!(last.unwrap(), 2);
        // Answered after the commit: another connection sees every change that succeeded.
        assert_eq!(count(&pool), 3);
        assert_eq!(
            writer.counts(),
            (1, 3),
            "one group of the three that succeeded"
        );
        // The writer goes on after a panic.
        writer.write(|c| insert(c, 6)).await.unwrap();
        assert_eq!(count(&pool), 4);
        assert_eq!(writer.counts(), (2, 4));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_group_closes_at_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("w.db").to_string_lossy().into_owned();
        let pool = crate::db::connect_and_migrate(&url).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (v BIGINT NOT NULL)")
            .unwrap();
        let limits = Limits {
            max_group: 2,
            max_time: Duration::from_secs(1),
        };
        let writer = Writer::start_with(pool.clone(), limits).unwrap();
        let (go, wait) = std_mpsc::channel::<()>();
        let first = writer.write(move |c| {
            wait.recv().unwrap();
            insert(c, 1)
        });
        let rest =
            futures_util::future::join_all((2..=5).map(|v| writer.write(move |c| insert(c, v))));
        let all = async { futures_util::join!(first, rest) };
        let signal = async {
            tokio::task::yield_now().await;
            go.send(()).unwrap();
        };
        let ((first, rest), ()) = futures_util::join!(all, signal);
        assert!(first.is_ok() && rest.iter().all(Result::is_ok));
        assert_eq!(count(&pool), 5);
        // 5 changes, at most 2 a group.
        assert_eq!(writer.counts(), (3, 5));
    }
}
