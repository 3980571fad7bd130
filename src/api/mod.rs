//! HTTP handlers, one module per resource. Every route is registered here, under `/api/v1`,
//! and collected into the OpenAPI document in the same pass (utoipa-actix-web).

pub mod audit;
pub mod auth;
pub mod cooperatives;
pub mod counselors;
pub mod demonstration;
pub mod extract;
pub mod federations;
pub mod health;
pub mod loans;
pub mod members;
pub mod pagination;
pub mod partners;
pub mod pilot;
pub mod reference;
pub mod services;
pub mod standardisation;
pub mod supervision;
pub mod transfer;
pub mod validators;
pub mod webhooks;

use actix_web::http::header;
use actix_web::HttpRequest;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};

/// The routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    reference::configure(cfg);
    cooperatives::configure(cfg);
    members::configure(cfg);
    standardisation::configure(cfg);
    supervision::configure(cfg);
    services::configure(cfg);
    demonstration::configure(cfg);
    federations::configure(cfg);
    counselors::configure(cfg);
    transfer::configure(cfg);
    audit::configure(cfg);
    partners::configure(cfg);
    loans::configure(cfg);
    webhooks::configure(cfg);
    pilot::configure(cfg);
}

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

/// The cooperative `id` if the caller may see it; otherwise 404 (never 403: another town's
/// records are not admitted to exist).
pub fn cooperative_in_scope(
    conn: &mut crate::db::DbConn,
    user: &crate::auth::AuthUser,
    id: i64,
) -> ApiResult<crate::db::models::cooperative::Cooperative> {
    let scope = user.coop_scope(conn)?;
    Ok(crate::db::models::cooperative::find(conn, &scope, id)?)
}

/// 409 unless the cooperative still operates (merged and deregistered ones are closed books).
pub fn ensure_operating(c: &crate::db::models::cooperative::Cooperative) -> ApiResult<()> {
    match c.status.as_str() {
        "merged" | "deregistered" => Err(ApiError::Conflict(format!(
            "cooperative {} is {}; its records can no longer change",
            c.id, c.status
        ))),
        _ => Ok(()),
    }
}

/// Renders one CSV record (the `csv` crate does the quoting).
pub fn csv_line<I, T>(fields: I) -> ApiResult<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(ApiError::internal)?;
    w.into_inner().map_err(ApiError::internal)
}
