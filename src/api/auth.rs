//! Logging in: username and password → a bearer token.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::extract::ValidJson;
use crate::auth::jwt::Subject;
use crate::auth::{password, Role};
use crate::db::models::user;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 100))]
    pub username: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

/// An access token (RFC 6749 §5.1 shape).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires (at most 3600).
    pub expires_in: i64,
}

/// The key failed logins are counted under: the peer address, or with
/// `COOPHUB_TRUST_PROXY=1` the client address a reverse proxy reports.
pub fn client_key(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

const BAD_CREDENTIALS: &str = "the username or password is wrong";

/// Log in with a username and password.
///
/// Unknown users and wrong passwords get the same answer. From the 6th failure within a
/// minute from one client the answer is 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Log in and get a bearer token",
    description = "Exchanges a username and password for an HS256 bearer token valid for at most one hour. Unknown users and wrong passwords get the same 401. From the 6th failure within a minute from one client the answer is 429 with `Retry-After`.",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Unknown user or wrong password (one answer for both)"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is missing or too long"),
        (status = 429, description = "Too many failed attempts from this client; see Retry-After")
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_key(&req, state.settings.trust_proxy);
    if let Some(wait) = state.login_limiter.blocked_for(&client) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let LoginRequest {
        username,
        password: pw,
    } = body.0;
    let found = state
        .db(move |conn| {
            let user = user::find_by_username(conn, &username)?;
            // Hash verification is CPU-bound: it stays on the blocking pool with the query.
            Ok(match user {
                Some(u) if !u.disabled && password::verify(&pw, &u.password_hash) => Some(u),
                Some(_) => None,
                None => {
                    password::verify_dummy(&pw);
                    None
                }
            })
        })
        .await?;
    let Some(u) = found else {
        if let Some(wait) = state.login_limiter.record_failure(&client) {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: wait,
            });
        }
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    let role = Role::parse(&u.role)
        .ok_or_else(|| ApiError::internal(format!("user {} has an unknown role", u.id)))?;
    let (access_token, expires_in) = state
        .jwt
        .issue(
            role,
            Subject {
                sub: u.id.to_string(),
                name: u.username,
                town_code: u.town_code,
                cooperative_id: u.cooperative_id,
                bank_code: u.bank_code,
                counselor_id: u.counselor_id,
            },
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        }))
}
