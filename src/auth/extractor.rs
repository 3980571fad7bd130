//! The logged-in caller, as an actix extractor: it reads the token only, never the database.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};

use super::jwt::Claims;
use super::policy::Role;
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

fn authenticate(req: &HttpRequest) -> ApiResult<Caller> {
    let state = req
        .app_data::<web::Data<AppState>>()
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
    Ok(Caller::new(
        claims,
        req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    ))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}
