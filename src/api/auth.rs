//! Logging in: username and password → a bearer token.

use actix_web::{post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::client::client_key;
use crate::api::support::extract::ValidJson;
use crate::error::{ApiError, ApiResult};
use crate::service::auth;
use crate::state::AppState;
use crate::views::auth::{LoginRequest, TokenResponse};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login);
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
        (status = 401, description = "Unknown user or wrong password (one answer for both)"),
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
        .db(move |conn| auth::authenticate(conn, &username, &pw))
        .await?;
    let Some(u) = found else {
        if let Some(wait) = state.login_limiter.record_failure(&client) {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: wait,
            });
        }
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    let out = auth::user_token(&state.jwt, u)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}
