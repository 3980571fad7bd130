//! Logging in: users by password, partner banks by client credentials; both get a bearer
//! token carrying their role and scope.

use crate::auth::jwt::{JwtKeys, Subject};
use crate::auth::{password, Role};
use crate::db::models::loans::Partner;
use crate::db::models::user::{self, User};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::auth::{TokenRequest, TokenResponse};

/// The enabled user with this username and password, if any. Unknown users cost a hash
/// verification too, so that the answer takes as long.
pub fn authenticate(conn: &mut DbConn, username: &str, pw: &str) -> ApiResult<Option<User>> {
    let user = user::find_by_username(conn, username)?;
    // Hash verification is CPU-bound: it stays on the blocking pool with the query.
    Ok(match user {
        Some(u) if !u.disabled && password::verify(pw, &u.password_hash) => Some(u),
        Some(_) => None,
        None => {
            password::verify_dummy(pw);
            None
        }
    })
}

/// A user's token: its role and the scope of its account.
pub fn user_token(jwt: &JwtKeys, u: User) -> ApiResult<TokenResponse> {
    let (access_token, expires_in) = jwt
        .issue(
            u.role,
            Subject {
                sub: u.id.to_string(),
                name: u.username,
                town_code: u.town_code,
                cooperative_id: u.cooperative_id,
                bank_code: u.bank_code,
                counselor_id: u.counselor_id,
                ver: u.credentials_version,
            },
        )
        .map_err(ApiError::internal)?;
    Ok(TokenResponse::bearer(access_token, expires_in))
}

/// The client id and secret of a client-credentials request: from the body, else from HTTP
/// Basic (`basic`). Only `grant_type=client_credentials` is supported.
pub fn client_credentials(
    form: TokenRequest,
    basic: impl FnOnce() -> Option<(String, String)>,
) -> ApiResult<(String, String)> {
    if form.grant_type != "client_credentials" {
        return Err(ApiError::BadFields(
            "unsupported_grant_type: only client_credentials is supported here".into(),
            vec![FieldError::new(
                "grant_type",
                "unsupported_grant_type",
                "must be client_credentials",
            )],
        ));
    }
    match (form.client_id, form.client_secret) {
        (Some(id), Some(s)) => Ok((id, s)),
        _ => basic().ok_or_else(|| {
            ApiError::BadRequest(
                "invalid_request: client_id and client_secret are required (in the body or as HTTP Basic)"
                    .into(),
            )
        }),
    }
}

/// A partner client's token: role `bank_partner`, scoped to the client's bank.
pub fn partner_token(jwt: &JwtKeys, p: Partner) -> ApiResult<TokenResponse> {
    let (access_token, expires_in) = jwt
        .issue(
            Role::BankPartner,
            Subject {
                sub: format!("partner:{}", p.id),
                name: p.client_id,
                bank_code: Some(p.bank_code),
                ver: p.credentials_version,
                ..Default::default()
            },
        )
        .map_err(ApiError::internal)?;
    Ok(TokenResponse::bearer(access_token, expires_in))
}
