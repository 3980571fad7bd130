//! Request context (request id + tracing span) and the conversion of every error response
//! into RFC 9457 problem+json, including those actix produces itself.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use tracing::Instrument;

use crate::error::{generic_problem, problem_response, PROBLEM_JSON};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, accepted from `X-Request-Id` or made up.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client's id is kept only if it is short and plain (it ends up in logs).
fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    // The path only: query strings may carry search terms and are not logged.
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let elapsed = started.elapsed();
    crate::metrics::observe(&res, elapsed);
    let status = res.status().as_u16();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request finished");
        }
    });
    Ok(res)
}

/// Rewrites any error response that is not already a problem document.
pub fn problemize<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()))
        .unwrap_or(false);
    if already {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = if status.is_server_error() {
        if let Some(e) = res.response().error() {
            tracing::error!(error = %e, "unhandled error");
        }
        "an internal error occurred; it has been logged".to_string()
    } else {
        res.response()
            .error()
            .map(|e| e.to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string())
    };
    let (req, old) = res.into_parts();
    let mut new = problem_response(status, &generic_problem(status, detail));
    // Keep what the answer said beside its body: `Allow`, `Retry-After`, `WWW-Authenticate`,
    // the CORS headers a browser needs to read the problem at all.
    for (name, v) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), v.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// The methods each route template answers (read from the OpenAPI document at start-up), for
/// the `Allow` header of a 405 (RFC 9110 §15.5.6).
#[derive(Debug, Default)]
pub struct AllowedMethods(std::collections::HashMap<String, String>);

impl AllowedMethods {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let value = serde_json::to_value(doc).unwrap_or_default();
        let mut table = std::collections::HashMap::new();
        if let Some(paths) = value["paths"].as_object() {
            for (template, item) in paths {
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|ops| {
                        ops.keys()
                            .filter(|m| {
                                matches!(
                                    m.as_str(),
                                    "get"
                                        | "put"
                                        | "post"
                                        | "delete"
                                        | "patch"
                                        | "head"
                                        | "options"
                                )
                            })
                            .map(|m| m.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                methods.sort();
                table.insert(template.clone(), methods.join(", "));
            }
        }
        AllowedMethods(table)
    }

    fn allow(&self, pattern: &str) -> Option<&str> {
        self.0.get(pattern).map(String::as_str)
    }

    /// The methods of the most literal template that matches `path` (`/counselors/coverage`
    /// rather than `/counselors/{id}`), for a request routed to a parameterised template whose
    /// parameter does not parse: that path is really another resource, with other methods.
    pub fn for_path(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.0
            .iter()
            .filter_map(|(template, methods)| {
                let parts: Vec<&str> = template.split('/').collect();
                if parts.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (part, seg) in parts.iter().zip(&segments) {
                    if part.starts_with('{') {
                        continue;
                    }
                    if part != seg {
                        return None;
                    }
                    literal += 1;
                }
                Some((literal, methods.as_str()))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, methods)| methods)
    }
}

/// A path parameter that does not parse: 405 with `Allow` when the path is a literal route of
/// other methods (`PATCH /counselors/coverage` met `PATCH /counselors/{id}`), else 400.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let method = req.method().as_str().to_string();
    let allow = req
        .app_data::<actix_web::web::Data<AllowedMethods>>()
        .and_then(|t| t.for_path(req.path()).map(str::to_owned))
        .filter(|allow| !allow.split(", ").any(|m| m == method));
    match allow.and_then(|a| header::HeaderValue::from_str(&a).ok()) {
        Some(allow) => {
            let status = StatusCode::METHOD_NOT_ALLOWED;
            let mut res = problem_response(
                status,
                &generic_problem(status, format!("{method} is not allowed on {}", req.path())),
            );
            res.headers_mut().insert(header::ALLOW, allow);
            actix_web::error::InternalError::from_response(err, res).into()
        }
        None => crate::error::ApiError::BadRequest(format!("bad path parameter: {err}")).into(),
    }
}

/// The default service: 405 (with `Allow`) when the path exists with other methods, else 404.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    if let Some(pattern) = req.match_pattern() {
        let status = StatusCode::METHOD_NOT_ALLOWED;
        let mut res = problem_response(
            status,
            &generic_problem(
                status,
                format!("{} is not allowed on {}", req.method(), req.path()),
            ),
        );
        let allow = req
            .app_data::<actix_web::web::Data<AllowedMethods>>()
            .and_then(|t| t.allow(&pattern).map(str::to_owned));
        if let Some(allow) = allow.and_then(|a| header::HeaderValue::from_str(&a).ok()) {
            res.headers_mut().insert(header::ALLOW, allow);
        }
        res
    } else {
        let status = StatusCode::NOT_FOUND;
        problem_response(
            status,
            &generic_problem(status, format!("no route for {}", req.path())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable_request_id;

    #[test]
    fn request_ids_are_sanitised() {
        assert!(acceptable_request_id("abc-123_x.y:z"));
        assert!(!acceptable_request_id(""));
        assert!(!acceptable_request_id("a b"));
        assert!(!acceptable_request_id("line\nbreak"));
        assert!(!acceptable_request_id(&"a".repeat(129)));
    }
}
