//! The `Idempotency-Key` header (API.md "Idempotency"): reading it and replaying a stored
//! response. The keys themselves are stored by `crate::service::idempotency`, in the
//! transaction of the change, so a request that failed or died leaves nothing to free.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::idempotency::{self as idem, Begun, Key, IDEMPOTENCY_KEY};
use crate::state::AppState;

/// How an idempotent request goes on.
pub enum Start {
    /// Run it; with the key to store with the change when the request carried one.
    Go(Option<Key>),
    /// Answer the first response again.
    Replay(HttpResponse),
}

/// The request as the key's hash sees it: method, path and canonical body.
pub fn canonical<T: Serialize>(path: &str, body: &T) -> String {
    format!(
        "POST {path}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    )
}

fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(v) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into()))?
        .trim();
    if v.is_empty() || v.len() > 255 {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1–255 characters".into(),
        ));
    }
    Ok(Some(v.to_string()))
}

/// Opens the request's `Idempotency-Key` (400 without one when `required`): a replay
/// answers the stored response, another body with the key → 422. Only reads.
/// `request` identifies the request (see [`canonical`]).
pub async fn open(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    request: String,
    required: bool,
) -> ApiResult<Start> {
    let Some(key) = idempotency_key(req)? else {
        if required {
            return Err(ApiError::BadRequest(
                "an Idempotency-Key header is required for this request".into(),
            ));
        }
        return Ok(Start::Go(None));
    };
    let owner = idem::owner(caller);
    let begun = state
        .db(move |conn| idem::begin(conn, &owner, &key, &request))
        .await?;
    Ok(match begun {
        Begun::Proceed(key) => Start::Go(Some(key)),
        Begun::Replay { status, body } => Start::Replay(
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .insert_header(("Idempotent-Replayed", "true"))
                .body(body),
        ),
    })
}

/// The optional `Idempotency-Key` header of a change, as the OpenAPI document states it
/// (`params(IdempotencyKey)`): read by [`open`], which enforces the same bounds.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: the header is read from the request by `open`
pub struct IdempotencyKey {
    /// Optional: a retry with the same key (and the same body) answers the first response again, with `Idempotent-Replayed: true`, and changes nothing.
    #[param(rename = "Idempotency-Key", schema_with = key_schema)]
    key: Option<String>,
}

/// The `Idempotency-Key` of a repayment: required for bank partners (400 without).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: the header is read from the request by `open`
pub struct RepaymentIdempotencyKey {
    /// A unique key per repayment (required for bank partners): a retry with the same key and body answers the first response again and changes nothing.
    #[param(rename = "Idempotency-Key", schema_with = key_schema)]
    key: Option<String>,
}

/// The header's schema: 1–255 visible ASCII characters (what [`open`] accepts).
fn key_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some(r"^[\t\x20-\x7e]+$"))
        .build()
}
