//! CORS for browser front ends on other origins (`COOPHUB_CORS_ORIGINS`): off unless origins
//! are configured; then those origins only, preflight answered, the request headers the API
//! reads allowed and the response headers a front end needs exposed.

use actix_cors::Cors;
use actix_web::http::{header, Method};
use actix_web::middleware::Condition;

/// Request headers a browser may send: the token, the conditional and idempotency headers,
/// the body's type and the language of problem details.
pub const ALLOWED_HEADERS: [header::HeaderName; 6] = [
    header::AUTHORIZATION,
    header::HeaderName::from_static("idempotency-key"),
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::CONTENT_TYPE,
    header::ACCEPT_LANGUAGE,
];

/// Response headers a front end may read beyond the CORS-safelisted ones.
pub const EXPOSED_HEADERS: [header::HeaderName; 4] = [
    header::ETAG,
    header::LOCATION,
    header::HeaderName::from_static("x-request-id"),
    header::RETRY_AFTER,
];

/// How long a browser may cache a preflight answer (seconds).
pub const PREFLIGHT_MAX_AGE: usize = 600;

/// The CORS middleware for `origins`; with none, a no-op (no CORS header is ever sent).
pub fn middleware(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(PREFLIGHT_MAX_AGE);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Condition::new(!origins.is_empty(), cors)
}
