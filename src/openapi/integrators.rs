//! The finishing pass for integrators: conditional GET on every operation that answers an
//! `ETag`.

use serde_json::{json, Map, Value};

/// Reads that answer an `ETag` (`etag::with_etag`) whose handlers do not declare it yet.
const TAGGED_READS: &[&str] = &["getLoan", "getLoanProduct"];

/// A `GET` whose 200 carries an `ETag` takes `If-None-Match` and may answer 304
/// (`api::support::etag::conditional_get`).
pub fn document_conditional_get(method: &str, op: &mut Map<String, Value>) {
    if method != "get" {
        return;
    }
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
    if TAGGED_READS.contains(&id) && op["responses"].get("200").is_some() {
        op["responses"]["200"]["headers"]["ETag"] = json!({
            "description": "The version, for If-Match and If-None-Match",
            "schema": {"type": "string"}
        });
    }
    let tagged = op["responses"]["200"]["headers"].get("ETag").is_some();
    if !tagged {
        return;
    }
    let params = op
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .expect("parameters is a list");
    if !params
        .iter()
        .any(|p| p["in"] == "header" && p["name"] == "If-None-Match")
    {
        params.push(json!({
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "description": "ETags the client holds (`\"3\"`, a list `\"3\", W/\"4\"`, or `*`); when one matches the current version (weak comparison, RFC 9110 §13.1.2) the answer is 304 with no body. A field of another form is refused with 400.",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": crate::api::support::etag::MAX_IF_NONE_MATCH,
                "pattern": "^[ \\t]*(\\*|(W/)?\"[^\"]*\"([ \\t]*,[ \\t]*(W/)?\"[^\"]*\")*)[ \\t]*$"
            },
            "example": "\"3\""
        }));
    }
    op["responses"]["304"] = json!({
        "description": "Not modified: `If-None-Match` names the current version; no body",
        "headers": {"ETag": {"description": "The current version", "schema": {"type": "string"}}}
    });
}
