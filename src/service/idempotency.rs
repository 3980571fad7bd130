//! Idempotency keys (API.md "Idempotency"): a key is written only by the transaction of the
//! change it stands for, together with its response. Either that transaction committed and
//! a retry with the same key and body gets the stored response again, or it did not (the
//! request failed, or the process died) and there is no trace of the key: the retry performs
//! the change, once. The same key with another body is refused (422); a key whose first
//! request was still in flight when this one arrived → 409. Keys are per caller.
//!
//! The key is not looked up first: the change runs, and its transaction ends by storing the
//! key ([`perform`]), which finds a key stored before it (the statement stores nothing then,
//! and the change rolls back). Only a request that did not commit reads the key, after its
//! rollback ([`settle`]): a replay answers the stored response, another body is refused, and
//! otherwise the request's own error stands. The usual request, a new key, costs one statement
//! for its key rather than two.

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::db::hot_sql::StoreKey;
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

/// A request's key: whose it is, the key, and the hash of the request it stands for.
#[derive(Debug, Clone)]
pub struct Key {
    owner: String,
    key: String,
    hash: String,
}

impl Key {
    /// The key `key` of `owner` (see [`owner`]) for `request` (method, path, canonical body).
    pub fn new(owner: String, key: String, request: &str) -> Key {
        Key {
            owner,
            key,
            hash: hash_of(request),
        }
    }
}

/// A response stored with a key, answered again.
#[derive(Debug)]
pub struct Replay {
    pub status: u16,
    pub body: String,
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

/// Stores the response of an idempotent request, inside its transaction: one statement. A
/// key stored before by another request (it committed first, with this body or another) → 409,
/// so this change rolls back; [`settle`] then says what the request comes to.
pub fn store<T: Serialize>(conn: &mut DbConn, k: &Key, status: u16, out: &T) -> ApiResult<()> {
    let body = serde_json::to_string(out).map_err(ApiError::internal)?;
    let stored = m::idem_store_done(
        conn,
        StoreKey {
            owner: &k.owner,
            key: &k.key,
            hash: &k.hash,
            done: DONE,
            response_status: i32::from(status),
            response_body: &body,
            at: now(),
        },
    );
    // Not stored: done meanwhile and committed (PostgreSQL waits for the other's commit here),
    // or by the twin before this one in the SQLite writer's group. (`ON CONFLICT` on the key
    // leaves no unique violation to catch.)
    if stored? {
        Ok(())
    } else {
        Err(in_flight())
    }
}

/// The change `f` and its key, in the caller's write transaction: `f`, then its response
/// (`status`) stored with the key ([`store`]). On an error the caller rolls the transaction
/// back and asks [`settle`].
pub fn perform<T: Serialize>(
    conn: &mut DbConn,
    k: &Key,
    status: u16,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    let out = f(conn)?;
    store(conn, k, status, &out)?;
    Ok(out)
}

/// What a keyed request that did not commit comes to, read after its rollback. The key with
/// another body → 422. Done by a request that stored it before this one `arrived` → its
/// response again; stored since (that request was in flight when this one arrived) → 409.
/// No key done: `None`, and the request's own error stands.
pub fn settle(conn: &mut DbConn, k: &Key, arrived: NaiveDateTime) -> ApiResult<Option<Replay>> {
    match m::idem_find(conn, &k.owner, &k.key)? {
        Some(row) if row.request_hash != k.hash => Err(reused()),
        Some(row) if row.status == DONE && row.created_at >= arrived => Err(in_flight()),
        Some(row) if row.status == DONE => Ok(Some(Replay {
            status: row.response_status.unwrap_or(201) as u16,
            body: row.response_body.unwrap_or_default(),
        })),
        _ => Ok(None),
    }
}
