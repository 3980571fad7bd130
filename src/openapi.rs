//! The OpenAPI 3.1 document: info, tags, bearer security, and the finishing pass that gives
//! every error response its problem+json body.

use serde_json::{json, Value};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::OpenApi as Doc;
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem, PROBLEM_JSON};

mod integrators;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coophub API",
        version = "1.0.0",
        description = "The system of record and integration API of a county's farmers' cooperative quality-improvement pilot (农民合作社质量提升整县推进试点): the cooperative registry and its standardisation, federations, counselors, demonstration cooperatives, agricultural loans with partner banks, the service center and the pilot's progress.\n\nAuthenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`. Errors are RFC 9457 `application/problem+json`, in English, or in Chinese (简体中文: `title`, `detail` and `errors[].message`) when `Accept-Language` prefers `zh` or `zh-CN` (q-values are honoured: `en;q=0.5, zh-CN` gives Chinese); `Content-Language` names the language of a problem, and `type`, `status`, `errors[].field` and `errors[].code` never change with it. Reads that answer an `ETag` honour `If-None-Match` (304). Browser front ends on the origins the operator lists may call the API (CORS). Lists take `limit` (1–200), `cursor` and `count`. Money is integer fen in `_fen` fields.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
        contact(name = "coophub maintainers", url = "https://github.com/coophub/coophub")
    ),
    servers((url = "/", description = "This coophub instance")),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Logging in, tokens and sessions: password login, refresh-token rotation, logout, who am I, one's own password"),
        (name = "users", description = "User accounts, managed by the district admin: roles, scopes, disabling, password resets"),
        (name = "reference", description = "Towns and industries"),
        (name = "cooperatives", description = "The cooperative registry (合作社名录)"),
        (name = "members", description = "The member ledger (成员台账): members, contributions, exits"),
        (name = "books", description = "The cooperative's own books: meetings and resolutions (decided by the law's thresholds), member accounts and transactions, surplus distributions (成员账户, 盈余分配)"),
        (name = "standardisation", description = "Governance and charter, annual reports, compliance with the cooperative law"),
        (name = "supervision", description = "Classification assessments, the abnormal-operation list, mergers"),
        (name = "services", description = "The cooperative service center (服务中心): catalogue, orders, ratings"),
        (name = "demonstration", description = "Demonstration cooperatives (示范社): applications, directory, monitoring"),
        (name = "federations", description = "Federations (联合社) and industrial consortia (产业化联合体): members, activation, coverage of the specialty industries"),
        (name = "counselors", description = "The counselor corps (辅导员): coverage of the towns, trainings, guidance visits, yearly evaluations and rankings"),
        (name = "pilot", description = "The pilot's progress dashboard against the plan's targets"),
        (name = "partners", description = "Partner banks' machine clients (OAuth 2.0 client credentials)"),
        (name = "loans", description = "Agricultural loans with partner banks (惠农贷): products, applications, the state machine, schedules, repayments"),
        (name = "risk-fund", description = "The district's risk-compensation fund (风险补偿资金): ledger, lending cap, compensation"),
        (name = "webhooks", description = "Signed loan events delivered to partner banks, with a delivery log"),
        (name = "imports", description = "Bulk imports from CSV files, all rows or none (批量导入)"),
        (name = "exports", description = "Downloads of the registry as CSV (re-importable, for Excel) and XLSX (导出)"),
        (name = "audit", description = "The audit trail of every change")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("oauth2" = []))
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
                    .description(Some("A token from POST /api/v1/auth/login or POST /api/v1/auth/token; valid for at most one hour."))
                    .build(),
            ),
        );
        // The same tokens through OAuth 2.0 flows, so OAuth2 tools and Swagger UI's
        // "Authorize" log in with a username and password (or a bank's client credentials).
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [
                    Flow::Password(Password::with_refresh_url(
                        "/api/v1/auth/token",
                        Scopes::new(),
                        "/api/v1/auth/token",
                    )),
                    Flow::ClientCredentials(ClientCredentials::new(
                        "/api/v1/auth/token",
                        Scopes::new(),
                    )),
                ],
                "Users log in with the password flow (their account's role and scope come with the token; there are no OAuth scopes); partner banks' systems with client credentials.",
            )),
        );
    }
}

fn problem_example(status: u16) -> serde_json::Value {
    let (slug, detail) = match status {
        400 => ("bad-request", "malformed JSON: expected value"),
        401 => ("unauthorized", "an Authorization: Bearer token is required"),
        403 => ("forbidden", "the role observer may not change cooperatives"),
        404 => ("not-found", "no such record, or it is outside your scope"),
        405 => (
            "method-not-allowed",
            "DELETE is not allowed on /api/v1/towns",
        ),
        409 => (
            "conflict",
            "a cooperative with USCC 93500119MA5U7K3L78 is already registered",
        ),
        412 => (
            "precondition-failed",
            "the resource has changed since it was read (If-Match does not match the current ETag)",
        ),
        413 => (
            "payload-too-large",
            "the request body is larger than this endpoint accepts",
        ),
        415 => (
            "unsupported-media-type",
            "the body must be application/json (Content-Type was text/plain)",
        ),
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
/// public operations, a 401 on every secured one, and list pages that reference their item
/// schema by name (utoipa inlines a generic's parameter).
pub fn finish(doc: &mut Doc) {
    let mut v = serde_json::to_value(&*doc).expect("the OpenAPI document serialises");
    finish_value(&mut v);
    *doc = serde_json::from_value(v).expect("the finished OpenAPI document deserialises");
}

/// Secured operations every role may call (reads of reference data and of the registry, which
/// `auth::policy::permits` grants to all seven roles): they never answer 403.
const OPEN_TO_EVERY_ROLE: &[&str] = &[
    "getMe",
    "listTowns",
    "listIndustries",
    "listServiceTypes",
    "listCooperatives",
    "getCooperative",
    "exportCooperativesCsv",
    "exportCooperativesXlsx",
    "listLoanProducts",
    "getLoanProduct",
];

/// What an operation takes, which decides the errors every such operation can answer.
struct Shape {
    json_body: bool,
    any_body: bool,
    query: bool,
    path: bool,
    every_role: bool,
}

impl Shape {
    fn of(op: &serde_json::Map<String, Value>) -> Shape {
        let params = op
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let located = |at: &str| params.iter().any(|p| p["in"] == at);
        let body = op.get("requestBody");
        Shape {
            json_body: body.is_some_and(|b| b["content"].get("application/json").is_some()),
            any_body: body.is_some(),
            query: located("query"),
            path: located("path"),
            every_role: op
                .get("operationId")
                .and_then(Value::as_str)
                .is_some_and(|id| OPEN_TO_EVERY_ROLE.contains(&id)),
        }
    }
}

/// The errors every operation of a shape can answer, so handlers list only their own.
/// A handler's own description of one of these (more precise) is kept.
fn common_errors(shape: &Shape, secured: bool) -> Vec<(&'static str, &'static str)> {
    let mut errors = Vec::new();
    if shape.json_body {
        errors.push((
            "400",
            "Malformed JSON, an unknown field or a query parameter of the wrong type",
        ));
    } else if shape.query {
        errors.push((
            "400",
            "A query parameter has the wrong type or an unknown value",
        ));
    } else if shape.path {
        errors.push((
            "400",
            "A path parameter is not of its type or outside its range",
        ));
    }
    if secured {
        errors.push(("401", "Missing, invalid or expired token"));
        if !shape.every_role {
            errors.push(("403", "The caller's role may not do this"));
        }
    }
    if shape.path {
        errors.push(("404", "No such record, or it is outside the caller's scope"));
    }
    if shape.any_body {
        errors.push(("413", "The body is larger than this operation accepts"));
        errors.push((
            "415",
            "The body is not of a media type this operation accepts",
        ));
    }
    if shape.json_body || shape.query {
        errors.push((
            "422",
            "A field is invalid; `errors` names every field at fault",
        ));
    }
    errors
}

/// Responses in status order (utoipa keeps the order handlers wrote them in).
fn sort_responses(responses: &mut serde_json::Map<String, Value>) {
    let mut all: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(all);
}

/// The year range of every date the server accepts (1900-01-01 to 2100-12-31), as a pattern:
/// JSON Schema has no minimum for `format: date`.
const DATE_PATTERN: &str = "^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$";

/// States what the server's types enforce and JSON Schema can say: an `int64`/`int32` is
/// within its range (a larger number is refused as a type error), a date within the years
/// the server accepts.
fn state_type_ranges(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let is_type = |map: &serde_json::Map<String, Value>, t: &str| match map.get("type") {
                Some(Value::String(s)) => s == t,
                Some(Value::Array(a)) => a.iter().any(|x| x == t),
                _ => false,
            };
            if is_type(map, "integer") {
                let (min, max) = match map.get("format").and_then(Value::as_str) {
                    Some("int64") => (json!(i64::MIN), json!(i64::MAX)),
                    Some("int32") => (json!(i32::MIN), json!(i32::MAX)),
                    _ => (Value::Null, Value::Null),
                };
                if !min.is_null() {
                    map.entry("minimum").or_insert(min);
                    map.entry("maximum").or_insert(max);
                }
            }
            if is_type(map, "string")
                && map.get("format").and_then(Value::as_str) == Some("date")
                && !map.contains_key("pattern")
            {
                map.insert("pattern".into(), json!(DATE_PATTERN));
            }
            for child in map.values_mut() {
                state_type_ranges(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(state_type_ranges),
        _ => {}
    }
}

/// Rules on the items of string lists, which utoipa's field attributes cannot state:
/// (schema, property, item schema) — each the rule the field's validator applies.
fn item_rules() -> Vec<(&'static str, &'static str, Value)> {
    let text =
        |max: u32| json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": "\\S"});
    // A claim's evidence: a document id of the loan's cooperative, or a text.
    let evidence = json!({"oneOf": [
        {"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX,
            "description": "A document id of the archive of the loan's cooperative"},
        text(500)
    ]});
    vec![
        ("TrainingCreate", "topics", text(200)),
        ("VisitCreate", "topics", text(200)),
        ("GovernanceIn", "board_members", text(50)),
        ("GovernanceIn", "supervisors", text(50)),
        ("ClaimCreate", "evidence", evidence.clone()),
        ("CompensationShortcut", "evidence", evidence),
        (
            "WebhookCreate",
            "events",
            json!({"type": "string", "enum": crate::webhooks::EVENT_TYPES}),
        ),
    ]
}

/// States the rules of [`item_rules`] and the username pattern of counselor logins.
fn state_item_rules(v: &mut Value) {
    let schemas = &mut v["components"]["schemas"];
    for (schema, property, items) in item_rules() {
        if let Some(p) = schemas
            .get_mut(schema)
            .and_then(|s| s["properties"].get_mut(property))
        {
            p["items"] = items;
        }
    }
    if let Some(p) = schemas
        .get_mut("LoginCreate")
        .and_then(|s| s["properties"].get_mut("username"))
    {
        p["pattern"] = json!("^[A-Za-z0-9._-]+$");
    }
}

fn finish_value(v: &mut Value) {
    state_item_rules(v);
    state_type_ranges(&mut v["paths"]);
    state_type_ranges(&mut v["components"]);
    let global_secured = v["security"].as_array().is_some_and(|s| !s.is_empty());
    if let Some(paths) = v["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                let Some(op) = op.as_object_mut() else {
                    continue;
                };
                if !op.contains_key("responses") {
                    continue;
                }
                integrators::document_conditional_get(method, op);
                let public = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|reqs| {
                        reqs.iter()
                            .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
                    });
                if public {
                    op.insert("security".into(), json!([]));
                }
                let shape = Shape::of(op);
                let responses = op["responses"]
                    .as_object_mut()
                    .expect("responses is an object");
                let secured = !public && global_secured;
                for (code, description) in common_errors(&shape, secured) {
                    if !responses.contains_key(code) {
                        responses.insert(code.into(), json!({ "description": description }));
                    }
                }
                sort_responses(responses);
                for (code, resp) in responses.iter_mut() {
                    let Ok(status) = code.parse::<u16>() else {
                        continue;
                    };
                    if status >= 400 && resp.get("content").is_none() && resp.get("$ref").is_none()
                    {
                        resp["content"] = json!({
                            PROBLEM_JSON: {
                                "schema": {"$ref": "#/components/schemas/Problem"},
                                "example": problem_example(status)
                            }
                        });
                    }
                }
            }
        }
    }
    if let Some(schemas) = v["components"]["schemas"].as_object_mut() {
        let names: Vec<String> = schemas.keys().cloned().collect();
        for name in &names {
            let Some(item) = name.strip_prefix("ListResponse_") else {
                continue;
            };
            if schemas.contains_key(item) {
                schemas[name]["properties"]["items"]["items"] =
                    json!({"$ref": format!("#/components/schemas/{item}")});
            }
        }
    }
}
