//! The `Idempotency-Key` header (API.md "Idempotency"): reading it and replaying a stored
//! response. The keys themselves are stored by `crate::service::idempotency`, in the
//! transaction of the change, so a request that failed or died leaves nothing to free.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::Caller;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::service::idempotency::{self as idem, IDEMPOTENCY_KEY};
use crate::state::AppState;

/// What an idempotent request came to.
pub enum Outcome<T> {
    /// The change was made now.
    Done(T),
    /// The first response's status and body, answered again (`Idempotent-Replayed: true`).
    Replay { status: u16, body: String },
}

impl<T: DeserializeOwned> Outcome<T> {
    /// The response: `done` of a change made now, or the first response again. A replay
    /// carries the stored status and body byte for byte, with the headers `done` gives the
    /// stored body (its `ETag`, its `Location`), as the first response had them.
    pub fn respond(self, done: impl FnOnce(T) -> HttpResponse) -> HttpResponse {
        let (status, body) = match self {
            Outcome::Done(out) => return done(out),
            Outcome::Replay { status, body } => (status, body),
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        let mut r = match serde_json::from_str::<T>(&body) {
            Ok(out) => done(out).set_body(body).map_into_boxed_body(),
            // A body stored in an earlier shape: answered as it was stored.
            Err(_) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .body(body),
        };
        *r.status_mut() = status;
        r.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderValue::from_static("true"),
        );
        r
    }
}

/// An idempotent request, read from its headers: run it with [`Keyed::run`].
pub struct Keyed {
    /// The caller's key for this request.
    key: Option<idem::Key>,
}

impl Keyed {
    /// Reads the request's `Idempotency-Key` (400 without one when `required`). `request`
    /// identifies the request (see [`canonical`]). Reads nothing stored.
    pub fn of(
        caller: &Caller,
        req: &HttpRequest,
        request: String,
        required: bool,
    ) -> ApiResult<Keyed> {
        let key = match idempotency_key(req)? {
            Some(key) => Some(idem::Key::new(idem::owner(caller), key, &request)),
            None if required => {
                return Err(ApiError::BadRequest(
                    "an Idempotency-Key header is required for this request".into(),
                ))
            }
            None => None,
        };
        Ok(Keyed { key })
    }

    /// Runs the change `f` in one write transaction, which ends by storing its response
    /// (`status`) with the key ([`idem::perform`]). Only when that transaction did not commit
    /// is the key read ([`idem::settle`]): a key stored before answers its response again
    /// (what `f` did is rolled back), the key with another body → 422, a key whose request was
    /// in flight when this one arrived → 409; otherwise `f`'s own error stands.
    pub async fn run<T, F>(self, state: &AppState, status: u16, f: F) -> ApiResult<Outcome<T>>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let Some(key) = self.key else {
            return state.db_write(f).await.map(Outcome::Done);
        };
        let arrived = crate::db::models::now();
        let k = key.clone();
        let failed = match state
            .db_write(move |conn| idem::perform(conn, &k, status, f))
            .await
        {
            Ok(out) => return Ok(Outcome::Done(out)),
            Err(e) => e,
        };
        match state
            .db(move |conn| idem::settle(conn, &key, arrived))
            .await?
        {
            Some(r) => Ok(Outcome::Replay {
                status: r.status,
                body: r.body,
            }),
            None => Err(failed),
        }
    }
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

/// The optional `Idempotency-Key` header of a change, as the OpenAPI document states it
/// (`params(IdempotencyKey)`): read by [`Keyed::of`], which enforces the same bounds.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: the header is read from the request by `Keyed::of`
pub struct IdempotencyKey {
    /// Optional: a retry with the same key (and the same body) answers the first response again, with `Idempotent-Replayed: true`, and changes nothing.
    #[param(rename = "Idempotency-Key", schema_with = key_schema)]
    key: Option<String>,
}

/// The `Idempotency-Key` of a repayment: required for bank partners (400 without).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: the header is read from the request by `Keyed::of`
pub struct RepaymentIdempotencyKey {
    /// A unique key per repayment (required for bank partners): a retry with the same key and body answers the first response again and changes nothing.
    #[param(rename = "Idempotency-Key", schema_with = key_schema)]
    key: Option<String>,
}

/// The header's schema: 1–255 visible ASCII characters (what [`Keyed::of`] accepts).
fn key_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some(r"^[\t\x20-\x7e]+$"))
        .build()
}
