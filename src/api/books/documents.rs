//! The archive (档案): upload (multipart, type by content, ≤ 20 MiB, SHA-256), list, metadata,
//! download. The bytes go to the document store (async, here in the handler) from the spooled
//! file before the row is committed (in `db_write`), and are checked again after it, so a row
//! always has its object (`service::books::sweep` removes objects no row took).

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::api::support::document_form::document_form;
use crate::api::support::etag::{created, with_etag};
use crate::api::support::extract::ValidQuery;
use crate::auth::Caller;
use crate::domain::document::content_disposition;
use crate::error::{ApiError, ApiResult, Problem};
use crate::service::books::documents;
use crate::state::AppState;
use crate::storage::StoreError;
use crate::views::documents::{DocumentFilterParams, DocumentOut, DocumentUpload};
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::transfer::FileBytes;

fn store_down(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "the document store does not answer");
    ApiError::StoreUnavailable
}

/// Upload a document.
#[utoipa::path(
    tag = "books",
    operation_id = "uploadDocument",
    summary = "Add a document to a cooperative's archive",
    description = "A `multipart/form-data` form: `file` (the document), `kind`, `title` (1–200 characters), `year` (optional, 2000–2100). The type is told from the file's **content** (its magic numbers; DOCX and XLSX from the ZIP's first entries), never from its name or the part's `Content-Type`: PDF, JPEG, PNG, DOCX and XLSX are kept, anything else is a 422 naming `file` (code `file_type`) — so a PDF named `minutes.exe` is accepted as a PDF and a program named `minutes.pdf` is refused. An empty file is a 422 (`empty`) and a form without `file` a 422 (`required`); all fields' problems come in one answer. The file may be up to 20 MiB: the body is read as it comes and the first byte past the cap ends it with a 413, nothing stored. The SHA-256 of the bytes is computed as they arrive; the bytes are stored content-addressed (`<sha256[0..2]>/<sha256>`) outside the database, once however often they are uploaded, then the row is recorded (a store that does not answer: 503, no row). Scoped like the member ledger: the cooperative's own account, its town officer and the district upload.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data", description = "The document and its description."),
    responses(
        (status = 201, description = "Recorded", body = DocumentOut, headers(("Location" = String, description = "The document's URL"), ("ETag" = String, description = "The version (always 1: a document never changes)"))),
        (status = 403, description = "The role may not add to a cooperative's archive"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 413, description = "The file is larger than 20 MiB; nothing was stored",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:coophub:problem:payload-too-large", "title": "Payload Too Large", "status": 413, "detail": "the document is larger than 20 MiB"})),
        (status = 415, description = "The body is not `multipart/form-data`",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:coophub:problem:unsupported-media-type", "title": "Unsupported Media Type", "status": 415, "detail": "the body must be multipart/form-data with the document in the field `file` (Content-Type was application/json)"})),
        (status = 422, description = "A field is invalid: `kind` not one of the eight, `title` missing or over 200 characters, `year` outside 2000–2100, `file` missing, empty or of a type the archive does not keep",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:coophub:problem:validation", "title": "Unprocessable Entity", "status": 422, "detail": "file: the file's content is application/vnd.microsoft.portable-executable; only PDF, JPEG, PNG, DOCX and XLSX documents are kept", "errors": [{"field": "file", "code": "file_type", "message": "the file's content is application/vnd.microsoft.portable-executable; only PDF, JPEG, PNG, DOCX and XLSX documents are kept"}]})),
        (status = 503, description = "The document store does not answer; nothing was recorded",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:coophub:problem:storage-unavailable", "title": "Service Unavailable", "status": 503, "detail": "the document store is unavailable; try again later"}))
    )
)]
#[post("/cooperatives/{id}/documents")]
pub async fn upload_document(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let who = caller.clone();
    state
        .db(move |conn| documents::may_upload(conn, &who, coop_id))
        .await?;
    let (file, fields) = document_form(&req, payload).await?;
    let (meta, content_type) = documents::check_upload(file.as_ref(), &fields)?;
    let file = file.ok_or(ApiError::Internal("checked file missing".into()))?;
    state
        .store
        .put_file_once(&file.sha256, file.spool.clone(), file.size)
        .await
        .map_err(store_down)?;
    let row = file.clone();
    let out = state
        .db_write(move |conn| documents::record(conn, &caller, coop_id, meta, &row, content_type))
        .await?;
    // A sweep may have taken the object between its storing and the row's commit (it was
    // referenced by no row then): the row is in, so store it again if it is gone.
    state
        .store
        .put_file_once(&file.sha256, file.spool.clone(), file.size)
        .await
        .map_err(store_down)?;
    let location = format!("/api/v1/cooperatives/{coop_id}/documents/{}", out.id);
    Ok(created(location, 1, &out))
}

/// List documents.
#[utoipa::path(
    tag = "books",
    operation_id = "listDocuments",
    summary = "List a cooperative's archive",
    description = "The documents of a cooperative in scope, the most recently uploaded first, filtered by `kind` and `year`.",
    params(("id" = i64, Path, description = "Cooperative id"), DocumentFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of documents", body = ListResponse<DocumentOut>),
        (status = 403, description = "The role may not read a cooperative's archive"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "`year` outside 2000–2100, limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    filters: ValidQuery<DocumentFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let list = state
        .db(move |conn| documents::list(conn, &caller, coop_id, &filters, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a document's metadata.
#[utoipa::path(
    tag = "books",
    operation_id = "getDocument",
    summary = "Get a document's metadata",
    description = "One document of a cooperative in scope: kind, title, year, file name, SHA-256, size and type. Another cooperative's document is a 404.",
    params(("id" = i64, Path, description = "Cooperative id"), ("doc_id" = i64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentOut, headers(("ETag" = String, description = "The version (always 1)"))),
        (status = 403, description = "The role may not read a cooperative's archive"),
        (status = 404, description = "No such document or cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/documents/{doc_id}")]
pub async fn get_document(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (coop_id, doc_id) = path.into_inner();
    let out = state
        .db(move |conn| documents::get(conn, &caller, coop_id, doc_id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), 1, &out))
}

/// Download a document.
#[utoipa::path(
    tag = "books",
    operation_id = "downloadDocument",
    summary = "Download a document",
    description = "The stored bytes, streamed from the document store, with the type told at upload, `Content-Disposition: attachment` naming the uploaded file (`filename*=UTF-8''…`, RFC 5987, with an ASCII `filename` fallback) and the SHA-256 as the `ETag` (`If-None-Match` with it: 304). Another cooperative's document is a 404.",
    params(("id" = i64, Path, description = "Cooperative id"), ("doc_id" = i64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document's bytes",
            content(
                (FileBytes = "application/pdf"),
                (FileBytes = "image/jpeg"),
                (FileBytes = "image/png"),
                (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            ),
            headers(
                ("ETag" = String, description = "The SHA-256 of the bytes, quoted"),
                ("Content-Disposition" = String, description = "`attachment; filename=\"…\"; filename*=UTF-8''…`")
            )),
        (status = 403, description = "The role may not read a cooperative's archive"),
        (status = 404, description = "No such document or cooperative, or outside your scope"),
        (status = 503, description = "The document store does not answer",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:coophub:problem:storage-unavailable", "title": "Service Unavailable", "status": 503, "detail": "the document store is unavailable; try again later"}))
    )
)]
#[get("/cooperatives/{id}/documents/{doc_id}/content")]
pub async fn download_document(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (coop_id, doc_id) = path.into_inner();
    let doc = state
        .db(move |conn| documents::get(conn, &caller, coop_id, doc_id))
        .await?;
    let stream = state.store.get(&doc.sha256).await.map_err(store_down)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, doc.content_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&doc.file_name),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", doc.sha256)))
        .body(SizedStream::new(doc.size.max(0) as u64, stream)))
}
