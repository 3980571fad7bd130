//! Partner banks' machine clients (OAuth 2.0 client credentials, RFC 6749 §4.4) and the token
//! endpoint they use.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::client::client_key;
use crate::api::support::extract::{content_type_essence, parse_json, ValidJson, ValidQuery};
use crate::auth::revocation::SubjectKey;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::{auth, partners};
use crate::state::AppState;
use crate::views::auth::{TokenRequest, TokenResponse};
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::partners::{PartnerCreate, PartnerOut, PartnerWithSecret};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_partner)
        .service(list_partners)
        .service(get_partner)
        .service(disable_partner)
        .service(rotate_secret)
        .service(token);
}

/// Create a partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "createPartner",
    summary = "Create a partner bank client",
    description = "Creates OAuth 2.0 client credentials for a partner bank's loan system. The answer carries `client_secret` once; only a salted hash is kept. District admin only.",
    request_body = PartnerCreate,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = PartnerWithSecret),
        (status = 403, description = "Only the district admin manages partners")
    )
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PartnerCreate>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db_write(move |conn| partners::create(conn, &caller, body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/partners/{}", out.partner.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// List partner clients.
#[utoipa::path(
    tag = "partners",
    operation_id = "listPartners",
    summary = "List partner bank clients",
    description = "All partner clients, without secrets. District admin only.",
    params(PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<PartnerOut>),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| partners::list(conn, &caller, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "getPartner",
    summary = "Get a partner bank client",
    description = "One partner client, without its secret. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The partner", body = PartnerOut),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| partners::get(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Disable a partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "disablePartner",
    summary = "Disable a partner bank client",
    description = "The client can no longer get tokens, and every token issued to it is refused (401) at once on this instance and within the revocation cache's lifetime (5 s by default) on any other. Without an enabled client, the district admin acts for the bank. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "Disabled", body = PartnerOut),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/disable")]
pub async fn disable_partner(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| partners::disable(conn, &caller, id))
        .await?;
    state.revocation.forget(SubjectKey::Partner(id));
    Ok(HttpResponse::Ok().json(out))
}

/// Rotate a partner client's secret.
#[utoipa::path(
    tag = "partners",
    operation_id = "rotatePartnerSecret",
    summary = "Rotate a partner bank client's secret",
    description = "Issues a new secret, shown once; the old one stops working at once, and every token issued before the rotation is refused (401) at once on this instance and within the revocation cache's lifetime (5 s by default) on any other. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = PartnerWithSecret),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| partners::rotate_secret(conn, &caller, id))
        .await?;
    state.revocation.forget(SubjectKey::Partner(id));
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

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

/// Get a token with client credentials.
#[utoipa::path(
    tag = "auth",
    operation_id = "clientCredentialsToken",
    summary = "Get a partner bank token (client credentials)",
    description = "OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for partner banks' systems. Send `grant_type=client_credentials`, `client_id` and `client_secret` form-encoded (`application/x-www-form-urlencoded`) or as JSON; the credentials may instead come as HTTP Basic. Answers a bearer token of role `bank_partner` scoped to the client's bank, valid for at most one hour. A wrong secret, an unknown or a disabled client → 401. Every attempt is counted before the secret is checked, towards the same per-client limit as logins (5 failures a minute) and a limit per client id (10 in ten minutes, from any address); beyond either the answer is 429 with `Retry-After`.",
    security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json")
    )),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Malformed body, missing credentials or a grant type other than client_credentials"),
        (status = 401, description = "Unknown client, wrong secret, or a disabled client"),
        (status = 415, description = "The body is neither form-encoded nor JSON"),
        (status = 429, description = "Too many failed attempts from this client or for this client id; see Retry-After")
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let client = client_key(&req, state.settings.trust_proxy);
    let form = token_request(&req, &body)?;
    form.validate()?;
    let (client_id, secret) = auth::client_credentials(form, || basic_credentials(&req))?;
    // The attempt is counted before the secret is checked.
    let ticket = state
        .login_limiter
        .admit(&client, &format!("partner:{client_id}"))
        .map_err(|wait| ApiError::TooManyRequests {
            retry_after_secs: wait,
        })?;
    let found = state
        .db(move |conn| partners::find_client(conn, &client_id))
        .await?;
    // A keyed hash: microseconds, so it runs here, with the connection already let go.
    let Some(p) = partners::verify_client(found, &secret) else {
        return Err(ApiError::Unauthorized(BAD_CLIENT.into()));
    };
    state.login_limiter.succeeded(ticket);
    let out = auth::partner_token(&state.jwt, p)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
