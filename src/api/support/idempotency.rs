//! The `Idempotency-Key` header (API.md "Idempotency"): reading it, replaying a stored
//! response, freeing the key of a request that failed. The keys themselves are kept by
//! `crate::service::idempotency`, in the transaction of the change.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::idempotency::{self as idem, Begun, Key, IDEMPOTENCY_KEY};
use crate::state::AppState;

/// How an idempotent request goes on.
pub enum Start {
    /// Run it; with the key in flight when the request carried one.
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
/// answers the stored response, another body with the key → 422, the key in flight → 409.
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
        .db_write(move |conn| idem::begin(conn, &owner, &key, &request))
        .await
        .map_err(|e| match e {
            // Two first requests racing on PostgreSQL: the unique index decides.
            ApiError::Conflict(_) => idem::in_flight(),
            other => other,
        })?;
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

/// Frees the key of a request that failed, so that it may be retried.
pub async fn abort(state: &AppState, key: Option<Key>) {
    if let Some(k) = key {
        let _ = state.db_write(move |conn| idem::release(conn, &k)).await;
    }
}

/// The result of an idempotent request, its key freed when it failed.
pub async fn finish<T>(state: &AppState, key: Option<Key>, result: ApiResult<T>) -> ApiResult<T> {
    if result.is_err() {
        abort(state, key).await;
    }
    result
}
