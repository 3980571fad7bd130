//! HTTP handlers, one module per resource. Every route is registered here, under `/api/v1`,
//! and collected into the OpenAPI document in the same pass (utoipa-actix-web).

pub mod audit;
pub mod auth;
pub mod cooperatives;
pub mod extract;
pub mod health;
pub mod pagination;
pub mod reference;
pub mod transfer;

use actix_web::http::header;
use actix_web::HttpRequest;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};

/// The routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    reference::configure(cfg);
    cooperatives::configure(cfg);
    transfer::configure(cfg);
    audit::configure(cfg);
}

/// The strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
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

/// 412 unless the demanded version is the current one.
pub fn check_version(demanded: Option<i32>, current: i32) -> ApiResult<()> {
    match demanded {
        Some(v) if v != current => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}
