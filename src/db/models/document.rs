//! The archive's rows: one per upload (the bytes are in the document store, by SHA-256).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::documents;
use crate::db::DbConn;
use crate::domain::document::DocumentKind;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = documents)]
pub struct Document {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: DocumentKind,
    pub title: String,
    pub year: Option<i32>,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub content_type: String,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
}

/// Which documents a list shows.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub kind: Option<DocumentKind>,
    pub year: Option<i32>,
}

pub fn insert(conn: &mut DbConn, row: &Document) -> QueryResult<Document> {
    let id: i64 = diesel::insert_into(documents::table)
        .values(row)
        .returning(documents::id)
        .get_result(conn)?;
    find(conn, row.cooperative_id, id)
}

/// A document of cooperative `coop_id` (NotFound otherwise).
pub fn find(conn: &mut DbConn, coop_id: i64, id: i64) -> QueryResult<Document> {
    documents::table
        .filter(documents::id.eq(id))
        .filter(documents::cooperative_id.eq(coop_id))
        .select(Document::as_select())
        .first(conn)
}

/// Which of `ids` are documents of cooperative `coop_id`.
pub fn ids_of(conn: &mut DbConn, coop_id: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    documents::table
        .filter(documents::cooperative_id.eq(coop_id))
        .filter(documents::id.eq_any(ids))
        .select(documents::id)
        .load(conn)
}

fn filtered<'a>(coop_id: i64, f: &DocumentFilter) -> documents::BoxedQuery<'a, crate::db::Backend> {
    let mut q = documents::table
        .filter(documents::cooperative_id.eq(coop_id))
        .into_boxed();
    if let Some(k) = f.kind {
        q = q.filter(documents::kind.eq(k));
    }
    if let Some(y) = f.year {
        q = q.filter(documents::year.eq(y));
    }
    q
}

/// One page of a cooperative's documents, the most recently uploaded first (`before`: the
/// last id seen).
pub fn list(
    conn: &mut DbConn,
    coop_id: i64,
    f: &DocumentFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Document>> {
    let mut q = filtered(coop_id, f);
    if let Some(b) = before {
        q = q.filter(documents::id.lt(b));
    }
    q.order(documents::id.desc())
        .limit(limit)
        .select(Document::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, coop_id: i64, f: &DocumentFilter) -> QueryResult<i64> {
    filtered(coop_id, f).count().get_result(conn)
}

/// Which of `shas` no document row has (whatever its cooperative: the bytes are shared by
/// every row with their hash).
pub fn unreferenced(conn: &mut DbConn, shas: &[String]) -> QueryResult<Vec<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in shas.chunks(500) {
        let rows: Vec<String> = documents::table
            .filter(documents::sha256.eq_any(chunk))
            .select(documents::sha256)
            .distinct()
            .load(conn)?;
        found.extend(rows);
    }
    Ok(shas
        .iter()
        .filter(|s| !found.contains(*s))
        .cloned()
        .collect())
}

/// Holds off new rows until the transaction ends (inside `write_tx`: SQLite's `BEGIN
/// IMMEDIATE` has done so already; PostgreSQL takes a `SHARE` lock, which inserts wait for).
pub fn hold_inserts(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Pg(c) => c.batch_execute("LOCK TABLE documents IN SHARE MODE"),
        DbConn::Sqlite(_) => Ok(()),
    }
}
