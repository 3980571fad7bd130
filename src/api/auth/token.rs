//! The OAuth 2.0 token endpoint: `grant_type=password` (users, RFC 6749 §4.3),
//! `refresh_token` (rotation, §6) and `client_credentials` (partner banks' systems, §4.4).

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::Engine;
use validator::Validate;

use super::{admit, password_login, request_id, succeeded, tokens};
use crate::api::support::extract::{content_type_essence, parse_json};
use crate::auth::revocation::SubjectKey;
use crate::error::{ApiError, ApiResult};
use crate::service::auth::{self, Grant};
use crate::service::partners;
use crate::service::sessions::{self, Refreshed};
use crate::state::AppState;
use crate::views::auth::{TokenRequest, TokenResponse};

/// The client id and secret of an `Authorization: Basic` header (RFC 6749 §2.3.1: each
/// form-urlencoded).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("a={x}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((dec(id), dec(secret)))
}

/// A form-encoded or JSON token request.
fn token_request(req: &HttpRequest, body: &[u8]) -> ApiResult<TokenRequest> {
    let ct = content_type_essence(req).unwrap_or_default();
    if ct == "application/x-www-form-urlencoded" {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| ApiError::BadRequest(format!("malformed form body: {e}")))
    } else if ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
    {
        parse_json(body)
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "send application/x-www-form-urlencoded or application/json (Content-Type was {})",
            if ct.is_empty() { "none" } else { &ct }
        )))
    }
}

const BAD_CLIENT: &str = "the client id or secret is wrong, or the client is disabled";

/// Get a token: password, refresh token or client credentials.
#[utoipa::path(
    tag = "auth",
    operation_id = "issueToken",
    summary = "Get a token (OAuth 2.0: password, refresh_token, client_credentials)",
    description = "The OAuth 2.0 token endpoint, form-encoded (`application/x-www-form-urlencoded`, as OAuth2 tools and Swagger UI send it) or JSON.\n\n- `grant_type=password` with `username` and `password` (RFC 6749 §4.3): a user's login, exactly as `POST /auth/login` and under the same limiter; answers an access token and a refresh token. Client credentials sent along are ignored (public clients).\n- `grant_type=refresh_token` with `refresh_token` (§6): spends the refresh token and answers a new access token **and a new refresh token** of the same session. A refresh token is good for one use: presenting a spent one ends the whole session (every refresh and access token of its chain) and answers 401. A refresh token of a user since disabled, re-scoped or given a new password is refused (401), and so is an expired one (14 days).\n- `grant_type=client_credentials` with `client_id` and `client_secret` (§4.4), or the credentials as HTTP Basic: a partner bank's system; answers a bearer token of role `bank_partner` scoped to the client's bank, with no refresh token. A wrong secret, an unknown or a disabled client → 401.\n\nAccess tokens are valid for at most one hour. Password and client-credentials attempts are counted before the secret is checked: from the 6th failure within a minute from one client, or the 11th in ten minutes on one username or client id, the answer is 429 with `Retry-After`.",
    security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json")
    )),
    responses(
        (status = 200, description = "A token (and, for users, a refresh token)", body = TokenResponse),
        (status = 400, description = "Malformed body, a missing field of the grant, or an unsupported grant_type"),
        (status = 401, description = "Wrong credentials, or a refresh token that is unknown, expired, spent (the session is now ended) or revoked"),
        (status = 415, description = "The body is neither form-encoded nor JSON"),
        (status = 429, description = "Too many failed attempts from this client or on this account; see Retry-After")
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let form = token_request(&req, &body)?;
    form.validate()?;
    let out = match auth::grant(form, || basic_credentials(&req))? {
        Grant::Password { username, password } => {
            password_login(&state, &req, username, password).await?
        }
        Grant::Refresh(presented) => refresh(&state, &req, presented).await?,
        Grant::ClientCredentials { client_id, secret } => {
            client_token(&state, &req, client_id, secret).await?
        }
    };
    Ok(tokens(out))
}

async fn refresh(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    presented: String,
) -> ApiResult<TokenResponse> {
    let st = state.clone();
    let rid = request_id(req);
    match state
        .db_write(move |conn| sessions::rotate(conn, &st.jwt, &presented, rid))
        .await?
    {
        Refreshed::Tokens(out) => Ok(out),
        Refreshed::Refused(ended) => {
            if let Some(sid) = ended {
                state.revocation.forget(SubjectKey::Session(sid));
            }
            Err(sessions::refused())
        }
    }
}

async fn client_token(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    client_id: String,
    secret: String,
) -> ApiResult<TokenResponse> {
    // The attempt is counted before the secret is checked.
    let ticket = admit(state, req, format!("partner:{client_id}")).await?;
    let found = state
        .db(move |conn| partners::find_client(conn, &client_id))
        .await?;
    // A keyed hash: microseconds, so it runs here, with the connection already let go.
    let Some(p) = partners::verify_client(found, &secret) else {
        return Err(ApiError::Unauthorized(BAD_CLIENT.into()));
    };
    succeeded(state, ticket).await?;
    auth::partner_token(&state.jwt, p)
}
