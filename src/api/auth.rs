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
/// Unknown users, disabled users and wrong passwords get the same answer, after the same
/// work. Attempts are counted before the password is checked: from the 6th failure within a
/// minute from one client, or the 11th within ten minutes on one account, the answer is 429
/// with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Log in and get a bearer token",
    description = "Exchanges a username and password for an HS256 bearer token valid for at most one hour. Unknown users, disabled users and wrong passwords get the same 401 after the same work (one Argon2 verification). Every attempt is counted before the password is checked: from the 6th failed attempt within a minute from one client (the peer address; with `COOPHUB_TRUST_PROXY=1` the right-most untrusted `X-Forwarded-For`/`Forwarded` hop), or the 11th within ten minutes on one username from any client, the answer is 429 with `Retry-After` and the password is not checked.",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Unknown user, disabled user or wrong password (one answer for all)"),
        (status = 422, description = "A field is missing or too long"),
        (status = 429, description = "Too many failed attempts from this client or on this account; see Retry-After")
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_key(&req, state.settings.trust_proxy);
    let LoginRequest {
        username,
        password: pw,
    } = body.0;
    // The attempt is counted before anything is checked.
    let ticket = state
        .login_limiter
        .admit(&client, &format!("user:{username}"))
        .map_err(|wait| ApiError::TooManyRequests {
            retry_after_secs: wait,
        })?;
    let found = state
        .db(move |conn| auth::find_login(conn, &username))
        .await?;
    // Argon2 on the blocking pool, with no database connection held.
    let limiter = state.login_limiter.clone();
    let verified =
        web::block(move || auth::verify_login(found, &pw, || limiter.count_verification()))
            .await
            .map_err(ApiError::from)?;
    let Some(u) = verified else {
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    state.login_limiter.succeeded(ticket);
    let out = auth::user_token(&state.jwt, u)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}
