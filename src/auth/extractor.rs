//! The logged-in caller, as an actix extractor: it reads the token, and checks its credentials
//! version against the per-process revocation cache (one primary-key read, on the blocking
//! pool, when the cache has no fresh entry).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::jwt::Claims;
use super::policy::Role;
use super::revocation::{self, SubjectKey};
use super::scope::Caller;
use crate::error::{ApiError, ApiResult};
use crate::middleware::RequestId;
use crate::state::AppState;

/// Scope claims must match the role, or the token is not accepted.
fn scope_is_consistent(c: &Claims) -> bool {
    match c.role {
        Role::TownOfficer => c.town_code.is_some(),
        Role::Cooperative => c.cooperative_id.is_some(),
        Role::BankPartner => c.bank_code.is_some(),
        Role::Counselor => c.counselor_id.is_some(),
        _ => true,
    }
}

fn authenticate(req: &HttpRequest) -> ApiResult<(web::Data<AppState>, Caller)> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("an Authorization: Bearer token is required".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid".into()))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must use the Bearer scheme".into())
        })?;
    let claims = state.jwt.decode(token).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        ApiError::Unauthorized(
            match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                    "the token was not issued for this API"
                }
                _ => "the token is not valid",
            }
            .into(),
        )
    })?;
    if !scope_is_consistent(&claims) {
        return Err(ApiError::Unauthorized(
            "the token's scope does not match its role".into(),
        ));
    }
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    Ok((state, Caller::new(claims, request_id)))
}

const REVOKED: &str =
    "the token has been revoked (the credentials were changed or disabled, or the session ended)";

/// 401 unless the token's credentials version is the subject's current one, and the login
/// session it belongs to (if any) has not ended.
async fn check_standing(state: &AppState, claims: &Claims) -> ApiResult<()> {
    let key = SubjectKey::parse(&claims.sub)
        .ok_or_else(|| ApiError::Unauthorized("the token's subject is not valid".into()))?;
    check_one(state, key, claims.ver).await?;
    match claims.sid {
        Some(sid) => check_one(state, SubjectKey::Session(sid), revocation::SESSION_VERSION).await,
        None => Ok(()),
    }
}

async fn check_one(state: &AppState, key: SubjectKey, ver: i64) -> ApiResult<()> {
    let cache = state.revocation.clone();
    let standing = match cache.get(key) {
        Some(s) => s,
        None => {
            let generation = cache.generation();
            let s = state
                .db(move |conn| Ok(revocation::load(conn, key)?))
                .await?;
            cache.put(key, s, generation);
            s
        }
    };
    match standing {
        Some(s) if s.admits(ver) => Ok(()),
        _ => Err(ApiError::Unauthorized(REVOKED.into())),
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let decoded = authenticate(req);
        Box::pin(async move {
            let (state, caller) = decoded?;
            check_standing(&state, &caller.claims).await?;
            Ok(caller)
        })
    }
}
