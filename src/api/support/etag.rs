//! Versions as strong ETags: `ETag` on every versioned resource, `If-Match` on its changes.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{ApiError, ApiResult};

/// The strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A JSON response carrying the resource's version as its `ETag`.
pub fn with_etag<T: serde::Serialize>(
    mut builder: actix_web::HttpResponseBuilder,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    builder
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `201 Created` for a new versioned resource: its `Location` and its version as the `ETag`.
pub fn created<T: serde::Serialize>(
    location: String,
    version: i32,
    body: &T,
) -> actix_web::HttpResponse {
    with_etag(
        actix_web::HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .take(),
        version,
        body,
    )
}

/// The version an `If-Match` header demands, if any; `*` demands nothing.
/// A header that names no version of ours can never match: 412.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed)?
        .trim();
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let quoted = tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"');
    if value.is_empty() || (value != "*" && !quoted) {
        // Not an entity tag at all (RFC 9110 §8.8.3: `"…"`, `W/"…"` or `*`): malformed, not
        // unmet. A well-formed tag that names no version of ours is 412 below.
        return Err(ApiError::BadFields(
            "If-Match must name an entity tag (the ETag last read) or *".into(),
            vec![crate::error::FieldError::new(
                "If-Match",
                "invalid_value",
                "must name an entity tag or *",
            )],
        ));
    }
    if value == "*" {
        return Ok(None);
    }
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i32>()
        .map(Some)
        .map_err(|_| ApiError::PreconditionFailed)
}
