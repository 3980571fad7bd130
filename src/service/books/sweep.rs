//! Sweeping the document store: objects no document row references (an upload whose row was
//! never committed, a row removed) are deleted, once they are old enough that no upload can
//! still be on its way to its row.
//!
//! Races with uploads are closed on both sides. The sweep decides and deletes a batch while
//! new `documents` rows are held off (one write transaction: `BEGIN IMMEDIATE` on SQLite, a
//! `SHARE` lock on PostgreSQL); an upload, once its row is committed, checks that its object
//! is still there and stores it again if a sweep took it in between
//! (`api::books::documents`). The age guard keeps the objects of uploads in flight.

use chrono::{DateTime, Duration, Utc};

use crate::db::models::document as db;
use crate::db::{write_tx, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::storage::{DocumentStore, StoredObject};

/// Objects younger than this are kept (an upload stores its bytes before its row).
pub const MIN_AGE: Duration = Duration::hours(1);
/// Objects decided in one transaction.
pub const BATCH: usize = 200;

/// What a sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Objects in the store.
    pub stored: usize,
    /// Kept because younger than the age guard.
    pub young: usize,
    /// Kept because a row has their hash.
    pub referenced: usize,
    /// Referenced by no row: deleted, or only listed with `dry_run`.
    pub orphans: Vec<StoredObject>,
    pub dry_run: bool,
}

impl std::fmt::Display for Swept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes: u64 = self.orphans.iter().map(|o| o.size).sum();
        write!(
            f,
            "{} objects stored: {} referenced, {} younger than the age guard, {} orphaned ({} bytes) {}",
            self.stored,
            self.referenced,
            self.young,
            self.orphans.len(),
            bytes,
            if self.dry_run { "to delete (dry run: nothing deleted)" } else { "deleted" }
        )
    }
}

fn store_error(e: crate::storage::StoreError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Sweeps `store`: objects last changed before `now - min_age` that no row references are
/// deleted (`dry_run`: only listed). Blocking: the store's calls run on `rt`, which must not
/// be the runtime of the calling thread.
pub fn sweep(
    conn: &mut DbConn,
    store: &DocumentStore,
    rt: &tokio::runtime::Runtime,
    now: DateTime<Utc>,
    min_age: Duration,
    dry_run: bool,
) -> ApiResult<Swept> {
    let objects = rt.block_on(store.list_objects()).map_err(store_error)?;
    let mut out = Swept {
        stored: objects.len(),
        dry_run,
        ..Swept::default()
    };
    let cutoff = now - min_age;
    let (old, young): (Vec<_>, Vec<_>) =
        objects.into_iter().partition(|o| o.last_modified < cutoff);
    out.young = young.len();
    for batch in old.chunks(BATCH) {
        let shas: Vec<String> = batch.iter().map(|o| o.sha256.clone()).collect();
        let orphans = write_tx(conn, |conn| -> ApiResult<Vec<String>> {
            db::hold_inserts(conn)?;
            let orphans = db::unreferenced(conn, &shas)?;
            if !dry_run {
                for sha in &orphans {
                    rt.block_on(store.delete(sha)).map_err(store_error)?;
                }
            }
            Ok(orphans)
        })?;
        out.referenced += batch.len() - orphans.len();
        out.orphans.extend(
            batch
                .iter()
                .filter(|o| orphans.contains(&o.sha256))
                .cloned(),
        );
    }
    Ok(out)
}
