//! Logging in and sessions: username and password → an access token and a refresh token;
//! who am I; logout; changing one's own password. The token endpoint (OAuth 2.0 grants) is in
//! `token.rs`.

mod token;

use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::client::client_key;
use crate::api::support::extract::ValidJson;
use crate::auth::password;
use crate::auth::revocation::SubjectKey;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::middleware::RequestId;
use crate::service::{auth, sessions, users};
use crate::state::AppState;
use crate::views::auth::{LoginRequest, LogoutRequest, TokenResponse};
use crate::views::users::{MeOut, PasswordChange};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(token::token)
        .service(me)
        .service(logout)
        .service(change_password);
}

const BAD_CREDENTIALS: &str = "the username or password is wrong";

fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|r| r.0.clone())
}

/// A token answer: never cached.
fn tokens(out: TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out)
}

/// An attempt both limiter layers admitted: its slots, given back on success.
struct Admitted {
    local: crate::auth::login_limiter::Ticket,
    shared: auth::SharedTicket,
}

fn too_many(wait: u64) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: wait,
    }
}

/// Counts an attempt on `account` before anything is checked: first in this process (a flood
/// never reaches the database), then in the database, across every instance.
async fn admit(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    account: String,
) -> ApiResult<Admitted> {
    let client = client_key(req, state.settings.trust_proxy);
    let local = state
        .login_limiter
        .admit(&client, &account)
        .map_err(too_many)?;
    let shared = state
        .db_write(move |conn| auth::admit_shared(conn, &client, &account))
        .await?;
    match shared {
        Ok(shared) => Ok(Admitted { local, shared }),
        Err(wait) => Err(too_many(wait)),
    }
}

/// The attempt succeeded: both layers get their slots back.
async fn succeeded(state: &web::Data<AppState>, admitted: Admitted) -> ApiResult<()> {
    state.login_limiter.succeeded(admitted.local);
    let shared = admitted.shared;
    state
        .db_write(move |conn| auth::give_back_shared(conn, shared))
        .await
}

/// The user whose password this is, after the limiter admitted the attempt; the password is
/// checked on the blocking pool with no database connection held. `None`: wrong, unknown or
/// disabled (one answer for all, after the same work).
async fn verified_user(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    username: String,
    pw: String,
) -> ApiResult<crate::db::models::user::User> {
    // The attempt is counted before anything is checked.
    let ticket = admit(state, req, format!("user:{username}")).await?;
    let found = state
        .db(move |conn| auth::find_login(conn, &username))
        .await?;
    let limiter = state.login_limiter.clone();
    let verified =
        web::block(move || auth::verify_login(found, &pw, || limiter.count_verification()))
            .await
            .map_err(ApiError::from)?;
    let u = verified.ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?;
    succeeded(state, ticket).await?;
    Ok(u)
}

/// A password login (`/auth/login` and `grant_type=password`): a new session.
async fn password_login(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    username: String,
    pw: String,
) -> ApiResult<TokenResponse> {
    let u = verified_user(state, req, username, pw).await?;
    let st = state.clone();
    state
        .db_write(move |conn| sessions::open(conn, &st.jwt, u))
        .await
}

/// Log in with a username and password.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Log in and get an access token and a refresh token",
    description = "Exchanges a username and password for an HS256 bearer token valid for at most one hour, and a refresh token (opaque, 256 random bits, valid 14 days, good for one use with `POST /auth/token grant_type=refresh_token`). Each login opens a session, which `POST /auth/logout` ends. Unknown users, disabled users and wrong passwords get the same 401 after the same work (one Argon2 verification). Every attempt is counted before the password is checked: from the 6th failed attempt within a minute from one client (the peer address; with `COOPHUB_TRUST_PROXY=1` the right-most untrusted `X-Forwarded-For`/`Forwarded` hop), or the 11th within ten minutes on one username from any client, the answer is 429 with `Retry-After` and the password is not checked.",
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
    let LoginRequest { username, password } = body.0;
    Ok(tokens(
        password_login(&state, &req, username, password).await?,
    ))
}

/// Who is logged in.
#[utoipa::path(
    tag = "auth",
    operation_id = "getMe",
    summary = "Who the token belongs to, with its role and scope",
    description = "The caller's username (a partner client's client id), role, the scope of that role (`town_code`, `cooperative_id`, `bank_code`, `counselor_id`) and when the access token expires: what a front end draws its menus from. Any valid token, every role.",
    responses((status = 200, description = "The caller", body = MeOut))
)]
#[get("/auth/me")]
pub async fn me(caller: Caller) -> ApiResult<HttpResponse> {
    let c = &caller.claims;
    let out = MeOut {
        username: c.name.clone(),
        role: c.role,
        user_id: caller.user_id(),
        town_code: c.town_code.clone(),
        cooperative_id: c.cooperative_id,
        bank_code: c.bank_code.clone(),
        counselor_id: c.counselor_id,
        expires_at: chrono::DateTime::from_timestamp(c.exp, 0)
            .ok_or_else(|| ApiError::internal("a token expiry out of range"))?,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(out))
}

/// End a session.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    summary = "Log out: end the session of a refresh token",
    description = "Ends the login session the refresh token belongs to: that refresh token, every other of its chain and every access token issued in the session are refused (401) from now on, on this instance at once and on any other within the revocation cache's lifetime (5 s by default). Needs no access token (one that has expired still lets a front end log out). An unknown or already ended refresh token is not an error (RFC 7009 §2.2): 204 either way.",
    security(()),
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "The session has ended (or had ended already)"),
        (status = 422, description = "refresh_token missing or too long")
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LogoutRequest>,
) -> ApiResult<HttpResponse> {
    let rid = request_id(&req);
    let ended = state
        .db_write(move |conn| sessions::logout(conn, &body.0.refresh_token, rid))
        .await?;
    if let Some(sid) = ended {
        state.revocation.forget(SubjectKey::Session(sid));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Change one's own password.
#[utoipa::path(
    tag = "auth",
    operation_id = "changeOwnPassword",
    summary = "Change your own password",
    description = "Checks `current_password` (counted by the login limiter like a login: 429 with `Retry-After` beyond it), then sets `new_password`: at least 12 characters, not containing the username, not one of the 10,000 most common passwords (422 naming `new_password` otherwise). Every token issued before — this one included, every session on every device — is revoked; the answer carries a fresh access and refresh token so this front end stays logged in. Users only: a partner client's token → 403.",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; a new session", body = TokenResponse),
        (status = 401, description = "current_password is wrong"),
        (status = 403, description = "A partner client has no password"),
        (status = 422, description = "new_password fails the policy"),
        (status = 429, description = "Too many failed attempts; see Retry-After")
    )
)]
#[post("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: ValidJson<PasswordChange>,
) -> ApiResult<HttpResponse> {
    if caller.user_id().is_none() {
        return Err(ApiError::Forbidden(
            "a partner client has no password: rotate its secret instead".into(),
        ));
    }
    let PasswordChange {
        current_password,
        new_password,
    } = body.0;
    let username = caller.claims.name.clone();
    if let Some(refusal) = password::policy_refusal(&username, &new_password) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "new_password",
            "policy",
            refusal,
        )]));
    }
    let u = verified_user(&state, &req, username, current_password).await?;
    if Some(u.id) != caller.user_id() {
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    }
    let hash = web::block(move || password::hash(&new_password))
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::internal)?;
    let actor = caller.actor();
    let id = u.id;
    let st = state.clone();
    let out = state
        .db_write(move |conn| {
            let after = users::set_password(conn, &actor, id, &hash, "change_password")?;
            sessions::open(conn, &st.jwt, after)
        })
        .await?;
    state.revocation.forget(SubjectKey::User(id));
    Ok(tokens(out))
}
