//! CSV uploads as scripts and browsers send them: the file as the whole body (`text/csv`), or
//! as the field `file` of a `multipart/form-data` form (an HTML `<input type="file">`, a
//! generated client's upload method). One reader for every CSV import.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::api::support::extract::content_type_essence;
use crate::error::{ApiError, ApiResult, FieldError};

/// The form field that carries the file.
pub const FILE_FIELD: &str = "file";
/// What a form may add around the file (boundaries, part headers, other small fields).
const FORM_OVERHEAD: usize = 64 * 1024;

/// The charset parameter of a content type, lower-cased, if any.
fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    })
}

fn check_charset(charset: Option<&str>) -> ApiResult<()> {
    match charset {
        None | Some("utf-8") | Some("utf8") => Ok(()),
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "the CSV must be UTF-8 (charset was {other}); save it as \"CSV UTF-8\""
        ))),
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the CSV file is larger than {} MiB; split it",
        limit / (1024 * 1024)
    ))
}

/// Reads the CSV file of an import: a `text/csv` body (UTF-8), or the `file` field of a
/// `multipart/form-data` body (whose own type may be `text/csv`, what browsers give a `.csv`
/// — `application/vnd.ms-excel`, `text/plain`, `application/octet-stream` — or none; a
/// charset other than UTF-8 is refused). More than `limit` bytes of file: 413. Another body
/// type: 415. A form without `file`: 422 naming it.
pub async fn csv_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> ApiResult<web::Bytes> {
    let essence = content_type_essence(req).unwrap_or_else(|| "none".into());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let full_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match essence.as_str() {
        "text/csv" => {
            check_charset(charset(full_type).as_deref())?;
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            read_limited(payload, limit, declared).await
        }
        "multipart/form-data" => {
            if declared.is_some_and(|n| n > limit + FORM_OVERHEAD) {
                return Err(too_large(limit));
            }
            form_file(req, payload, limit).await
        }
        other => Err(ApiError::UnsupportedMediaType(format!(
            "the body must be text/csv, or multipart/form-data with the file in the field \
             `{FILE_FIELD}` (Content-Type was {other})"
        ))),
    }
}

async fn read_limited(
    mut payload: web::Payload,
    limit: usize,
    declared: Option<usize>,
) -> ApiResult<web::Bytes> {
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(64 * 1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("the multipart/form-data body cannot be read: {e}"))
}

/// The types a browser or client may give the file part of a CSV.
fn csv_part_type(essence: &str) -> bool {
    matches!(
        essence,
        "text/csv"
            | "text/plain"
            | "application/csv"
            | "application/vnd.ms-excel"
            | "application/octet-stream"
    )
}

async fn form_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> ApiResult<web::Bytes> {
    let mut form = Multipart::new(req.headers(), payload);
    let mut file: Option<web::BytesMut> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let is_file = field.name() == Some(FILE_FIELD);
        if is_file && file.is_some() {
            return Err(ApiError::Validation(vec![FieldError::new(
                FILE_FIELD,
                "duplicate",
                "send one file per import",
            )]));
        }
        if is_file {
            if let Some(mime) = field.content_type() {
                let essence = mime.essence_str().to_ascii_lowercase();
                if !csv_part_type(&essence) {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "the field `{FILE_FIELD}` must be a CSV file (its type was {essence})"
                    )));
                }
                check_charset(
                    mime.get_param("charset")
                        .map(|c| c.as_str().to_ascii_lowercase())
                        .as_deref(),
                )?;
            }
        }
        let mut bytes = web::BytesMut::new();
        // Other fields are read and dropped, within the same bound.
        let bound = if is_file { limit } else { FORM_OVERHEAD };
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if bytes.len() + chunk.len() > bound {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            file = Some(bytes);
        }
    }
    file.map(web::BytesMut::freeze).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            FILE_FIELD,
            "required",
            "the CSV file goes in the form field `file`",
        )])
    })
}
