//! Idempotency keys (API.md "Idempotency"): the first request with a key runs and its response
//! is stored in the same transaction; a retry with the same key and body gets that response
//! again; the same key with another body is refused (422); a key whose request is still
//! running is refused (409). Keys are per caller.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::models::loans as m;
use crate::db::models::now;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// The header, and the field a refusal names.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// An in-flight key older than this is taken to belong to a request that died.
const IN_FLIGHT_TIMEOUT_SECS: i64 = 300;
/// What a key is while its request runs, and once its response is stored.
const IN_FLIGHT: &str = "in_flight";
const DONE: &str = "done";

/// The refusal while the first request with a key is running.
pub fn in_flight() -> ApiError {
    ApiError::Conflict("a request with this Idempotency-Key is still in flight".into())
}

/// A key in flight: its request runs until the change commits (or the key is released).
#[derive(Debug, Clone)]
pub struct Key {
    owner: String,
    key: String,
}

/// How a request with a key starts.
#[derive(Debug)]
pub enum Begun {
    /// First time (or the first attempt died): go ahead, the key is now in flight.
    Proceed(Key),
    /// Done before: answer the stored response again.
    Replay { status: u16, body: String },
}

/// Whose keys these are: role, subject and bank scope.
pub fn owner(caller: &Caller) -> String {
    format!(
        "{}:{}:{}",
        caller.role(),
        caller.claims.sub,
        caller.claims.bank_code.as_deref().unwrap_or("")
    )
}

/// Starts an idempotent request of `owner` with `key`; `request` identifies the request
/// (method, path, canonical body). Replay, refusal, or go ahead.
pub fn begin(conn: &mut DbConn, owner: &str, key: &str, request: &str) -> ApiResult<Begun> {
    let hash = hex::encode(Sha256::digest(request.as_bytes()));
    let at = now();
    let proceed = || Key {
        owner: owner.to_string(),
        key: key.to_string(),
    };
    match m::idem_find(conn, owner, key)? {
        Some(k) if k.request_hash != hash => Err(ApiError::field(
            IDEMPOTENCY_KEY,
            "reused",
            "this Idempotency-Key was used with a different request body",
        )),
        Some(k) if k.status == DONE => Ok(Begun::Replay {
            status: k.response_status.unwrap_or(201) as u16,
            body: k.response_body.unwrap_or_default(),
        }),
        Some(k) if (at - k.created_at).num_seconds() < IN_FLIGHT_TIMEOUT_SECS => Err(in_flight()),
        Some(k) => {
            m::idem_restart(conn, k.id, at)?;
            Ok(Begun::Proceed(proceed()))
        }
        None => {
            m::idem_insert(conn, owner, key, &hash, IN_FLIGHT, at)?;
            Ok(Begun::Proceed(proceed()))
        }
    }
}

/// Stores the response of an idempotent request, inside its transaction.
pub fn store<T: Serialize>(
    conn: &mut DbConn,
    key: Option<&Key>,
    status: u16,
    out: &T,
) -> ApiResult<()> {
    if let Some(k) = key {
        let body = serde_json::to_string(out).map_err(ApiError::internal)?;
        m::idem_complete(conn, &k.owner, &k.key, DONE, status as i32, &body)?;
    }
    Ok(())
}

/// Runs a use case and stores its response under `key`, in one transaction.
pub fn within<T: Serialize>(
    conn: &mut DbConn,
    key: Option<&Key>,
    status: u16,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    let out = f(conn)?;
    store(conn, key, status, &out)?;
    Ok(out)
}

/// Frees the key of a request that failed, so that it may be retried.
pub fn release(conn: &mut DbConn, key: &Key) -> ApiResult<()> {
    Ok(m::idem_release(conn, &key.owner, &key.key, IN_FLIGHT)?)
}
