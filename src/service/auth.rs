//! Logging in: users by password, partner banks by client credentials; both get a bearer
//! token carrying their role and scope.

use crate::auth::jwt::{JwtKeys, Subject};
use crate::auth::{password, Role};
use crate::db::models::loans::Partner;
use crate::db::models::now;
use crate::db::models::user::{self, User};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::auth::{TokenRequest, TokenResponse};

/// The slots an attempt holds in the shared limiter; give them back on success
/// ([`give_back_shared`]).
#[derive(Debug, Default)]
pub struct SharedTicket(Vec<i64>);

/// The limiter across instances: the same limits as [`crate::auth::login_limiter`], counted in
/// the database under a lock, before any credential is checked. `Err(seconds)` when a window
/// is full. Run it in a write transaction.
pub fn admit_shared(
    conn: &mut DbConn,
    client: &str,
    account: &str,
) -> ApiResult<Result<SharedTicket, u64>> {
    use crate::auth::login_limiter as lim;
    use crate::db::models::login_attempt as attempts;
    attempts::lock(conn)?;
    let at = now();
    let window = |w: std::time::Duration| chrono::Duration::from_std(w).unwrap_or_default();
    attempts::sweep(conn, at - window(lim::ACCOUNT_WINDOW))?;
    let slots = [
        (
            lim::client_slot(client),
            lim::CLIENT_WINDOW,
            lim::FAILURES_PER_MINUTE,
        ),
        (
            lim::account_slot(account),
            lim::ACCOUNT_WINDOW,
            lim::ACCOUNT_ATTEMPTS,
        ),
    ];
    for (slot, w, max) in &slots {
        let (held, oldest) = attempts::held_since(conn, slot, at - window(*w))?;
        let age = oldest
            .and_then(|o| (at - o).to_std().ok())
            .unwrap_or_default();
        if let Some(wait) = lim::wait_for(held, age, *w, *max) {
            return Ok(Err(wait));
        }
    }
    let mut ticket = SharedTicket::default();
    for (slot, ..) in &slots {
        ticket.0.push(attempts::take(conn, slot, at)?);
    }
    Ok(Ok(ticket))
}

/// A successful attempt gives its shared slots back.
pub fn give_back_shared(conn: &mut DbConn, ticket: SharedTicket) -> ApiResult<()> {
    crate::db::models::login_attempt::give_back(conn, &ticket.0)?;
    Ok(())
}

/// The account a login names, if any: read it, then let go of the connection before the
/// password is checked ([`verify_login`]).
pub fn find_login(conn: &mut DbConn, username: &str) -> ApiResult<Option<User>> {
    Ok(user::find_by_username(conn, username)?)
}

/// The enabled user whose password this is, if any. Exactly one Argon2 verification runs
/// whatever the case — unknown user, disabled user, wrong password — so that every refusal
/// takes as long; `count` is told of it. CPU-bound: call it on the blocking pool.
pub fn verify_login(found: Option<User>, pw: &str, count: impl Fn()) -> Option<User> {
    let verdict = match found {
        Some(u) => {
            let ok = password::verify(pw, &u.password_hash);
            (ok && !u.disabled).then_some(u)
        }
        None => {
            password::verify_dummy(pw);
            None
        }
    };
    count();
    verdict
}

/// Both steps on one connection, for callers without an executor (the CLI, tests).
pub fn authenticate(conn: &mut DbConn, username: &str, pw: &str) -> ApiResult<Option<User>> {
    Ok(verify_login(find_login(conn, username)?, pw, || {}))
}

/// A user's access token: its role and the scope of its account, in login session `sid`.
pub fn user_token(jwt: &JwtKeys, u: User, sid: Option<i64>) -> ApiResult<TokenResponse> {
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
                sid,
            },
        )
        .map_err(ApiError::internal)?;
    Ok(TokenResponse::bearer(access_token, expires_in))
}

/// What a token request asks for (RFC 6749 §4.3, §6, §4.4).
pub enum Grant {
    Password { username: String, password: String },
    Refresh(String),
    ClientCredentials { client_id: String, secret: String },
}

fn missing(field: &str, grant: &str) -> ApiError {
    ApiError::BadFields(
        format!("invalid_request: {field} is required with grant_type={grant}"),
        vec![FieldError::new(
            field,
            "required",
            format!("required with grant_type={grant}"),
        )],
    )
}

/// The grant of a token request. Client credentials may come in the body or as HTTP Basic
/// (`basic`); a password or refresh grant ignores client credentials (public clients).
pub fn grant(
    form: TokenRequest,
    basic: impl FnOnce() -> Option<(String, String)>,
) -> ApiResult<Grant> {
    match form.grant_type.as_str() {
        "password" => match (form.username, form.password) {
            (Some(username), Some(password)) => Ok(Grant::Password { username, password }),
            (None, _) => Err(missing("username", "password")),
            (_, None) => Err(missing("password", "password")),
        },
        "refresh_token" => form
            .refresh_token
            .map(Grant::Refresh)
            .ok_or_else(|| missing("refresh_token", "refresh_token")),
        "client_credentials" => client_credentials(form.client_id, form.client_secret, basic)
            .map(|(client_id, secret)| Grant::ClientCredentials { client_id, secret }),
        _ => Err(ApiError::BadFields(
            "unsupported_grant_type: use password, refresh_token or client_credentials".into(),
            vec![FieldError::new(
                "grant_type",
                "unsupported_grant_type",
                "must be password, refresh_token or client_credentials",
            )],
        )),
    }
}

/// The client id and secret of a client-credentials request: from the body, else from HTTP
/// Basic (`basic`).
fn client_credentials(
    client_id: Option<String>,
    client_secret: Option<String>,
    basic: impl FnOnce() -> Option<(String, String)>,
) -> ApiResult<(String, String)> {
    match (client_id, client_secret) {
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
