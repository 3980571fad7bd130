//! Idempotency keys (API.md "Idempotency"): a key is written only by the transaction of the
//! change it stands for, together with its response. Either that transaction committed and
//! a retry with the same key and body gets the stored response again, or it did not (the
//! request failed, or the process died) and there is no trace of the key: the retry performs
//! the change, once. The same key with another body is refused (422); two requests with one
//! key at the same moment: one performs, the other is refused (409) and its retry replays.
//! Keys are per caller.

use diesel::result::{DatabaseErrorKind, Error as DbError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::models::loans as m;
use crate::db::models::now;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// The header, and the field a refusal names.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// What a stored key is: its change committed with it. (`in_flight` rows were written by an
/// earlier scheme before the change; such a row means nothing and is taken over.)
const DONE: &str = "done";

/// The refusal of a request whose key another request with the same key holds right now.
pub fn in_flight() -> ApiError {
    ApiError::Conflict("a request with this Idempotency-Key is still in flight".into())
}

fn reused() -> ApiError {
    ApiError::field(
        IDEMPOTENCY_KEY,
        "reused",
        "this Idempotency-Key was used with a different request body",
    )
}

/// A key whose request goes ahead; it is stored by [`store`], in the change's transaction.
#[derive(Debug, Clone)]
pub struct Key {
    owner: String,
    key: String,
    hash: String,
    /// A row of the earlier scheme found by [`begin`], taken over when storing.
    stale: Option<i64>,
}

/// How a request with a key starts.
#[derive(Debug)]
pub enum Begun {
    /// No committed change under this key: go ahead.
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

fn hash_of(request: &str) -> String {
    hex::encode(Sha256::digest(request.as_bytes()))
}

/// Looks up `key` of `owner` for the request `request` (method, path, canonical body):
/// replay, refusal (another body), or go ahead. Writes nothing.
pub fn begin(conn: &mut DbConn, owner: &str, key: &str, request: &str) -> ApiResult<Begun> {
    let hash = hash_of(request);
    match m::idem_find(conn, owner, key)? {
        Some(k) if k.request_hash != hash => Err(reused()),
        Some(k) if k.status == DONE => Ok(Begun::Replay {
            status: k.response_status.unwrap_or(201) as u16,
            body: k.response_body.unwrap_or_default(),
        }),
        stale => Ok(Begun::Proceed(Key {
            owner: owner.to_string(),
            key: key.to_string(),
            hash,
            stale: stale.map(|k| k.id),
        })),
    }
}

/// Stores the response of an idempotent request, inside its transaction: one insert (what
/// [`begin`] found needs no second read). A key stored meanwhile by another request (it
/// committed first, with this body or another) → 409, so this change rolls back; the retry's
/// [`begin`] then replays it or refuses another body (422).
pub fn store<T: Serialize>(conn: &mut DbConn, k: &Key, status: u16, out: &T) -> ApiResult<()> {
    let body = serde_json::to_string(out).map_err(ApiError::internal)?;
    // A row of the earlier scheme, left by a request that died: taken over.
    if let Some(id) = k.stale {
        m::idem_delete(conn, id)?;
    }
    let response = (DONE, status as i32, body.as_str());
    let stored = m::idem_insert_done(conn, &k.owner, &k.key, &k.hash, response, now());
    match stored {
        Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(in_flight()),
        other => Ok(other?),
    }
}

/// What a keyed change came to.
#[derive(Debug)]
pub enum Once<T> {
    /// Performed now; its response is stored with it.
    Done(T),
    /// Performed before: the stored response.
    Replay { status: u16, body: String },
}

/// The one write transaction of a keyed request: looks the key up ([`begin`]), and either
/// answers the stored response or runs the use case and stores its response ([`store`]).
/// The key exists exactly when the change committed; a replay changes nothing.
pub fn once<T: Serialize>(
    conn: &mut DbConn,
    owner: &str,
    key: &str,
    request: &str,
    status: u16,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<Once<T>> {
    match begin(conn, owner, key, request)? {
        Begun::Replay { status, body } => Ok(Once::Replay { status, body }),
        Begun::Proceed(k) => {
            let out = f(conn)?;
            store(conn, &k, status, &out)?;
            Ok(Once::Done(out))
        }
    }
}
