//! The archive (档案): documents kept by a cooperative, scoped like its member ledger (the
//! cooperative keeps its own, its town officer reads and writes, counselors of its town and
//! observers read, the district everything; banks and the service center never). The bytes
//! are in the document store; this records, lists and finds their rows, and checks the
//! document ids that claims and applications cite.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::document::{self as db, Document};
use crate::db::models::now;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::coop_page;
use crate::service::cooperatives::ensure_operating;
use crate::views::documents::{DocumentFilterParams, DocumentMeta, DocumentOut, UploadedFile};
use crate::views::pagination::{ListResponse, PageParams};

/// 403 unless the caller may add to an archive; 404 unless the cooperative is in its scope;
/// 409 when the cooperative is merged or deregistered. Checked before the body is read.
pub fn may_upload(conn: &mut DbConn, caller: &Caller, coop_id: i64) -> ApiResult<()> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)
}

/// The upload's 422 problems, every field at once: the text fields' rules, then the file
/// (missing, empty, of a type the archive does not keep). The file's checked type, or the
/// problems.
pub fn check_upload(
    file: Option<&UploadedFile>,
    fields: &crate::views::documents::DocumentFields,
) -> ApiResult<(DocumentMeta, &'static str)> {
    let (meta, mut errors) = fields.check();
    let content_type = match file {
        None => {
            errors.push(FieldError::new(
                "file",
                "required",
                "the document goes in the form field `file`",
            ));
            None
        }
        Some(f) => match f.content_type() {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    match (meta, content_type) {
        (Some(meta), Some(t)) if errors.is_empty() => Ok((meta, t)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Records an upload whose bytes are stored already (the row is the last thing written).
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    meta: DocumentMeta,
    file: &UploadedFile,
    content_type: &str,
) -> ApiResult<DocumentOut> {
    may_upload(conn, caller, coop_id)?;
    let row = db::insert(
        conn,
        &Document {
            id: 0,
            cooperative_id: coop_id,
            kind: meta.kind,
            title: meta.title,
            year: meta.year,
            file_name: file.file_name.clone(),
            sha256: file.sha256.clone(),
            size: i64::try_from(file.size).unwrap_or(i64::MAX),
            content_type: content_type.to_string(),
            uploaded_by: caller.actor().name,
            created_at: now(),
        },
    )?;
    let out = DocumentOut::from(row);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "document",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of a cooperative's documents, the most recent first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    filters: &DocumentFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<DocumentOut>> {
    let f = filters.to_filter();
    let list = coop_page(
        conn,
        caller,
        coop_id,
        page,
        |conn, after, n| db::list(conn, coop_id, &f, after, n),
        |conn| db::count(conn, coop_id, &f),
        |d| d.id,
    )?;
    Ok(list.map(DocumentOut::from))
}

/// One document of a cooperative in scope (404 for another cooperative's).
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    doc_id: i64,
) -> ApiResult<DocumentOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    caller.cooperative(conn, coop_id)?;
    Ok(db::find(conn, coop_id, doc_id)?.into())
}

/// The problems of cited document ids: each `(field, id)` must be a document of cooperative
/// `coop_id` (`unknown_document` otherwise). Used by compensation claims (the loan's
/// cooperative) and demonstration applications (the applicant).
pub fn check_cited(
    conn: &mut DbConn,
    coop_id: i64,
    cited: &[(String, i64)],
) -> ApiResult<Vec<FieldError>> {
    if cited.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = cited.iter().map(|(_, id)| *id).collect();
    let found = db::ids_of(conn, coop_id, &ids)?;
    Ok(cited
        .iter()
        .filter(|(_, id)| !found.contains(id))
        .map(|(field, id)| {
            FieldError::new(
                field.as_str(),
                "unknown_document",
                format!("document {id} is not in the archive of cooperative {coop_id}"),
            )
        })
        .collect())
}
