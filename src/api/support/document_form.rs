//! The archive's upload form (`multipart/form-data`: `file`, `kind`, `title`, `year`), read as
//! a stream: the file's bytes are counted and hashed (SHA-256) as they arrive and spooled to a
//! temporary file in [`SPOOL_BUFFER`] writes, and the first byte past 20 MiB ends the request
//! with a 413 — the body is never read beyond the cap (the app's payload limit does not apply
//! to a streamed `web::Payload`; this is the route's own). An upload holds at most its first
//! [`HEAD`] bytes (its type is told from them) and one buffer in memory, whatever its size.

use std::io::{Read, Seek, SeekFrom, Write};

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::api::support::extract::content_type_essence;
use crate::domain::document::{clean_file_name, content_type_of, HEAD, MAX_SIZE};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::documents::{DocumentFields, UploadedFile};

/// How much of the file is gathered before it is written to the spool.
pub const SPOOL_BUFFER: usize = 128 * 1024;

/// The form field that carries the file.
pub const FILE_FIELD: &str = "file";
/// What a form may add around the file (boundaries, part headers, the small fields).
const FORM_OVERHEAD: u64 = 64 * 1024;
/// The most a text field may hold (a title is 200 characters, up to 800 bytes of UTF-8).
const TEXT_FIELD_MAX: usize = 4 * 1024;

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the document is larger than {} MiB",
        MAX_SIZE / (1024 * 1024)
    ))
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("the multipart/form-data body cannot be read: {e}"))
}

fn duplicate(field: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        field,
        "duplicate",
        "the field appears twice in the form",
    )])
}

/// Reads the upload form: the file (if any) and the text fields as sent. 415 for a body
/// that is not `multipart/form-data`, 413 as soon as the file passes 20 MiB (or the declared
/// length is beyond it and the form's overhead), 422 for a field given twice.
pub async fn document_form(
    req: &HttpRequest,
    payload: web::Payload,
) -> ApiResult<(Option<UploadedFile>, DocumentFields)> {
    let essence = content_type_essence(req).unwrap_or_else(|| "none".into());
    if essence != "multipart/form-data" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be multipart/form-data with the document in the field `{FILE_FIELD}` \
             (Content-Type was {essence})"
        )));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SIZE + FORM_OVERHEAD) {
        return Err(too_large());
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut file: Option<UploadedFile> = None;
    let mut fields = DocumentFields::default();
    // The bytes of every part but the file, together within the form's allowance.
    let mut other_bytes = 0u64;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or("").to_string();
        if name == FILE_FIELD {
            if file.is_some() {
                return Err(duplicate(FILE_FIELD));
            }
            let file_name =
                clean_file_name(field.content_disposition().and_then(|cd| cd.get_filename()));
            file = Some(spool_file(&mut field, file_name).await?);
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            other_bytes += chunk.len() as u64;
            if other_bytes > FORM_OVERHEAD {
                return Err(too_large());
            }
            if text.len() + chunk.len() > TEXT_FIELD_MAX {
                return Err(ApiError::Validation(vec![FieldError::new(
                    name.as_str(),
                    "length",
                    "the field is too long",
                )]));
            }
            text.extend_from_slice(&chunk);
        }
        let slot = match name.as_str() {
            "kind" => &mut fields.kind,
            "title" => &mut fields.title,
            "year" => &mut fields.year,
            // Other fields are read (within the bound) and dropped.
            _ => continue,
        };
        if slot.is_some() {
            return Err(duplicate(&name));
        }
        let text = String::from_utf8(text).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                name.as_str(),
                "utf8",
                "the field is not UTF-8 text",
            )])
        })?;
        *slot = Some(text);
    }
    Ok((file, fields))
}

fn spool_failed(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "the upload cannot be spooled to a temporary file");
    ApiError::Internal("the upload cannot be spooled".into())
}

/// Writes `buf` at the end of the spool, off the async executor; gives both back.
async fn spool_write(
    spool: std::fs::File,
    buf: web::BytesMut,
) -> ApiResult<(std::fs::File, web::BytesMut)> {
    web::block(move || {
        let mut spool = spool;
        let mut buf = buf;
        spool.write_all(&buf)?;
        buf.clear();
        Ok::<_, std::io::Error>((spool, buf))
    })
    .await
    .map_err(spool_failed)?
    .map_err(spool_failed)
}

/// Reads the file part into a temporary file, hashing and counting (413 past the cap), then
/// tells its type from its first bytes (and, for a ZIP, its central directory read back from
/// the spool).
async fn spool_file(
    field: &mut actix_multipart::Field,
    file_name: String,
) -> ApiResult<UploadedFile> {
    let mut spool = web::block(tempfile::tempfile)
        .await
        .map_err(spool_failed)?
        .map_err(spool_failed)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size = 0u64;
    let mut buf = web::BytesMut::with_capacity(SPOOL_BUFFER);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(malformed)?;
        size += chunk.len() as u64;
        if size > MAX_SIZE {
            return Err(too_large());
        }
        hasher.update(&chunk);
        if head.len() < HEAD {
            head.extend_from_slice(&chunk[..chunk.len().min(HEAD - head.len())]);
        }
        buf.extend_from_slice(&chunk);
        if buf.len() >= SPOOL_BUFFER {
            (spool, buf) = spool_write(spool, buf).await?;
        }
    }
    if !buf.is_empty() {
        (spool, _) = spool_write(spool, buf).await?;
    }
    let spool = std::sync::Arc::new(spool);
    let reader = spool.clone();
    let content = web::block(move || {
        content_type_of(&head, size, |at, len| {
            let mut out = vec![0; len];
            let mut file = &*reader;
            file.seek(SeekFrom::Start(at)).ok()?;
            file.read_exact(&mut out).ok()?;
            Some(out)
        })
    })
    .await
    .map_err(spool_failed)?;
    Ok(UploadedFile {
        spool,
        size,
        sha256: hex::encode(hasher.finalize()),
        file_name,
        content,
    })
}
