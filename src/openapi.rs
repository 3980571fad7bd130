//! The OpenAPI 3.1 document: info, tags, bearer security, and the finishing pass that gives
//! every error response its problem+json body.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Doc, RefOr, Response};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem, PROBLEM_JSON};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coophub API",
        version = "1.0.0",
        description = "The system of record and integration API of a county's farmers' cooperative quality-improvement pilot (农民合作社质量提升整县推进试点): the cooperative registry and its standardisation, federations, counselors, demonstration cooperatives, agricultural loans with partner banks, the service center and the pilot's progress.\n\nAuthenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json`. Lists take `limit` (1–200), `cursor` and `count`. Money is integer fen in `_fen` fields.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
        contact(name = "coophub maintainers", url = "https://github.com/coophub/coophub")
    ),
    servers((url = "/", description = "This coophub instance")),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Logging in and tokens"),
        (name = "reference", description = "Towns and industries"),
        (name = "cooperatives", description = "The cooperative registry (合作社名录)"),
        (name = "audit", description = "The audit trail of every change")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/login (or /auth/token for partner banks); valid for at most one hour."))
                    .build(),
            ),
        );
    }
}

fn problem_example(status: u16) -> serde_json::Value {
    let (slug, detail) = match status {
        400 => ("bad-request", "malformed JSON: expected value"),
        401 => ("unauthorized", "an Authorization: Bearer token is required"),
        403 => ("forbidden", "the role observer may not change cooperatives"),
        404 => ("not-found", "no such record, or it is outside your scope"),
        405 => ("method-not-allowed", "DELETE is not allowed on /api/v1/towns"),
        409 => ("conflict", "a cooperative with USCC 93500119MA5U7K3L78 is already registered"),
        412 => ("precondition-failed", "the resource has changed since it was read (If-Match does not match the current ETag)"),
        413 => ("payload-too-large", "the request body is larger than this endpoint accepts"),
        415 => ("unsupported-media-type", "the body must be application/json (Content-Type was text/plain)"),
        429 => ("rate-limited", "too many attempts; retry after 60 s"),
        503 => ("unavailable", "the database is unavailable"),
        _ => ("error", "an error occurred"),
    };
    let title = actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    if status == 422 {
        return serde_json::json!({
            "type": "urn:coophub:problem:validation",
            "title": title,
            "status": 422,
            "detail": "uscc: the check character is wrong: it should be 8",
            "errors": [{"field": "uscc", "code": "checksum", "message": "the check character is wrong: it should be 8"}]
        });
    }
    serde_json::json!({"type": format!("urn:coophub:problem:{slug}"), "title": title, "status": status, "detail": detail})
}

/// Finishes the generated document: problem bodies on error responses, `security: []` on the
/// public operations, and a 401 on every secured one.
pub fn finish(doc: &mut Doc) {
    let global_secured = doc.security.as_ref().is_some_and(|s| !s.is_empty());
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            let public = op
                .security
                .as_ref()
                .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
            if public {
                op.security = Some(Vec::new());
            } else if global_secured && !op.responses.responses.contains_key("401") {
                op.responses.responses.insert(
                    "401".into(),
                    RefOr::T(Response::new("Missing, invalid or expired token")),
                );
            }
            for (code, resp) in op.responses.responses.iter_mut() {
                let Ok(status) = code.parse::<u16>() else { continue };
                if status < 400 {
                    continue;
                }
                if let RefOr::T(r) = resp {
                    if r.content.is_empty() {
                        r.content.insert(
                            PROBLEM_JSON.to_string(),
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"))))
                                .example(Some(problem_example(status)))
                                .build(),
                        );
                    }
                }
            }
        }
    }
}
