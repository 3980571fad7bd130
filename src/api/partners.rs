//! Partner banks' machine clients (OAuth 2.0 client credentials, RFC 6749 §4.4) and the token
//! endpoint they use.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::auth::{client_key, TokenResponse};
use crate::api::support::extract::{content_type_essence, parse_json, ValidJson, ValidQuery};
use crate::auth::jwt::Subject;
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::loans::{self as m, NewPartner, Partner};
use crate::db::models::now;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_partner)
        .service(list_partners)
        .service(get_partner)
        .service(disable_partner)
        .service(rotate_secret)
        .service(token);
}

type HmacSha256 = Hmac<Sha256>;

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// `<salt>$<hex HMAC-SHA256(salt, secret)>`. Secrets are 256 random bits, so a keyed fast
/// hash is enough (no password stretching needed) and keeps the token endpoint fast.
pub fn hash_secret(secret: &str) -> String {
    let salt = random_hex(16);
    format!("{salt}${}", mac_hex(&salt, secret))
}

fn mac_hex(salt: &str, secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a secret against its stored hash in constant time.
pub fn verify_secret(secret: &str, stored: &str) -> bool {
    let Some((salt, expected)) = stored.split_once('$') else {
        return false;
    };
    let Ok(expected) = hex::decode(expected) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(salt.as_bytes()).expect("HMAC takes any key length");
    mac.update(secret.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

fn validate_bank_code(code: &str) -> Result<(), validator::ValidationError> {
    if !code.is_empty()
        && code.len() <= 20
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("format")
            .with_message("1–20 lower-case letters, digits or _".into()))
    }
}

pub(crate) fn validate_bank(code: &str) -> Result<(), validator::ValidationError> {
    validate_bank_code(code)
}

/// A new partner client for a bank.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统"}))]
pub struct PartnerCreate {
    /// The bank's code (`psbc`, `cqrcb`, …): lower-case letters, digits, `_`.
    #[validate(custom(function = "validate_bank_code"))]
    pub bank_code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
}

/// A partner client. The secret is never shown again after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统", "client_id": "cp_3f9a0c2b7d1e4a56", "disabled": false, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct PartnerOut {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Partner> for PartnerOut {
    fn from(p: Partner) -> Self {
        PartnerOut {
            id: p.id,
            bank_code: p.bank_code,
            name: p.name,
            client_id: p.client_id,
            disabled: p.disabled,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

/// A partner client with its secret, shown exactly once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统", "client_id": "cp_3f9a0c2b7d1e4a56", "client_secret": "9b1c…", "disabled": false, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct PartnerWithSecret {
    #[serde(flatten)]
    pub partner: PartnerOut,
    /// Keep it safe: only a hash is stored, it cannot be shown again.
    pub client_secret: String,
}

fn admin_only(user: &Caller) -> ApiResult<()> {
    user.require(Resource::Partners, Access::Write)
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
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<PartnerCreate>,
) -> ApiResult<HttpResponse> {
    admin_only(&user)?;
    let body = body.0;
    let actor = Actor::from(&user);
    let secret = random_hex(32);
    let hash = hash_secret(&secret);
    let out = state
        .db_write(move |conn| {
            let at = now();
            let p = m::insert_partner(
                conn,
                &NewPartner {
                    bank_code: body.bank_code,
                    name: body.name.trim().to_string(),
                    client_id: format!("cp_{}", random_hex(8)),
                    secret_hash: hash,
                    disabled: false,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            let out = PartnerOut::from(p);
            audit::record(
                conn,
                &actor,
                "create",
                "partner",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/partners/{}", out.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PartnerWithSecret {
            partner: out,
            client_secret: secret,
        }))
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
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    user: Caller,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    admin_only(&user)?;
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            let rows = m::list_partners(conn, page.after, page.limit + 1)?;
            Ok(ListResponse::from_rows(rows, page, None, |p| p.id).map(PartnerOut::from))
        })
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
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    admin_only(&user)?;
    let id = path.into_inner();
    let p = state.db(move |conn| Ok(m::partner(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(PartnerOut::from(p)))
}

/// Disable a partner client.
#[utoipa::path(
    tag = "partners",
    operation_id = "disablePartner",
    summary = "Disable a partner bank client",
    description = "The client can no longer get tokens (tokens already issued run out within the hour). Without an enabled client, the district admin acts for the bank. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "Disabled", body = PartnerOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/disable")]
pub async fn disable_partner(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    admin_only(&user)?;
    let id = path.into_inner();
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let before = PartnerOut::from(m::partner(conn, id)?);
            let after = PartnerOut::from(m::update_partner(conn, id, Some(true), None, now())?);
            audit::record(
                conn,
                &actor,
                "disable",
                "partner",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Rotate a partner client's secret.
#[utoipa::path(
    tag = "partners",
    operation_id = "rotatePartnerSecret",
    summary = "Rotate a partner bank client's secret",
    description = "Issues a new secret, shown once; the old one stops working at once. District admin only.",
    params(("id" = i64, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = PartnerWithSecret),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages partners"),
        (status = 404, description = "No such partner")
    )
)]
#[post("/partners/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    admin_only(&user)?;
    let id = path.into_inner();
    let actor = Actor::from(&user);
    let secret = random_hex(32);
    let hash = hash_secret(&secret);
    let out = state
        .db_write(move |conn| {
            m::partner(conn, id)?;
            let after = PartnerOut::from(m::update_partner(conn, id, None, Some(hash), now())?);
            audit::record(
                conn,
                &actor,
                "rotate_secret",
                "partner",
                &id.to_string(),
                None::<&()>,
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PartnerWithSecret {
            partner: out,
            client_secret: secret,
        }))
}

/// A client-credentials token request (RFC 6749 §4.4), form-encoded or JSON.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "cp_3f9a0c2b7d1e4a56", "client_secret": "9b1c…"}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// May instead be sent with HTTP Basic authentication (RFC 6749 §2.3.1).
    #[serde(default)]
    #[validate(length(max = 100))]
    pub client_id: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    pub client_secret: Option<String>,
    /// Ignored: a partner token always carries the bank's scope.
    #[serde(default)]
    pub scope: Option<String>,
}

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

const BAD_CLIENT: &str = "the client id or secret is wrong, or the client is disabled";

/// Get a token with client credentials.
#[utoipa::path(
    tag = "auth",
    operation_id = "clientCredentialsToken",
    summary = "Get a partner bank token (client credentials)",
    description = "OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for partner banks' systems. Send `grant_type=client_credentials`, `client_id` and `client_secret` form-encoded (`application/x-www-form-urlencoded`) or as JSON; the credentials may instead come as HTTP Basic. Answers a bearer token of role `bank_partner` scoped to the client's bank, valid for at most one hour. A wrong secret, an unknown or a disabled client → 401. Failures count towards the same per-client limit as logins (429).",
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
        (status = 429, description = "Too many failed attempts from this client; see Retry-After")
    )
)]
#[post("/auth/token")]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let client = client_key(&req, state.settings.trust_proxy);
    if let Some(wait) = state.login_limiter.blocked_for(&client) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let ct = content_type_essence(&req).unwrap_or_default();
    let form: TokenRequest = if ct == "application/x-www-form-urlencoded" {
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| ApiError::BadRequest(format!("malformed form body: {e}")))?
    } else if ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
    {
        parse_json(&body)?
    } else {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send application/x-www-form-urlencoded or application/json (Content-Type was {})",
            if ct.is_empty() { "none" } else { &ct }
        )));
    };
    form.validate()?;
    if form.grant_type != "client_credentials" {
        return Err(ApiError::BadFields(
            "unsupported_grant_type: only client_credentials is supported here".into(),
            vec![crate::error::FieldError::new(
                "grant_type",
                "unsupported_grant_type",
                "must be client_credentials",
            )],
        ));
    }
    let (client_id, secret) = match (form.client_id, form.client_secret) {
        (Some(id), Some(s)) => (id, s),
        _ => basic_credentials(&req).ok_or_else(|| {
            ApiError::BadRequest(
                "invalid_request: client_id and client_secret are required (in the body or as HTTP Basic)"
                    .into(),
            )
        })?,
    };
    let found = state
        .db(move |conn| {
            Ok(match m::partner_by_client_id(conn, &client_id)? {
                Some(p) if !p.disabled && verify_secret(&secret, &p.secret_hash) => Some(p),
                _ => None,
            })
        })
        .await?;
    let Some(p) = found else {
        if let Some(wait) = state.login_limiter.record_failure(&client) {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: wait,
            });
        }
        return Err(ApiError::Unauthorized(BAD_CLIENT.into()));
    };
    let (access_token, expires_in) = state
        .jwt
        .issue(
            Role::BankPartner,
            Subject {
                sub: format!("partner:{}", p.id),
                name: p.client_id,
                bank_code: Some(p.bank_code),
                ..Default::default()
            },
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_round_trip() {
        let h = hash_secret("s3cret");
        assert!(verify_secret("s3cret", &h));
        assert!(!verify_secret("s3cret!", &h));
        assert!(!verify_secret("s3cret", "garbage"));
        assert_ne!(hash_secret("s3cret"), h, "salted");
        assert!(!h.contains("s3cret"));
    }

    #[test]
    fn bank_codes() {
        assert!(validate_bank_code("psbc").is_ok());
        assert!(validate_bank_code("PSBC").is_err());
        assert!(validate_bank_code("").is_err());
    }
}
