//! Every problem of a JSON body at once. serde stops at the first missing or mistyped field;
//! when it does, the body is checked against its JSON Schema from the OpenAPI document (the
//! same schema integrators read), so a form can mark every field at fault in one round trip.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonschema::error::ValidationErrorKind;
use jsonschema::Validator;
use serde_json::{json, Value};

use crate::error::FieldError;

/// The request-body schemas of the document, compiled on first use.
///
/// Kept as each schema's JSON text until a body needs it: the document's schemas as a value
/// tree are megabytes of small allocations a server holds for its whole life. A validator is
/// compiled with only the schemas its own refers to, so it does not keep a copy of them all.
pub struct BodySchemas {
    schemas: HashMap<String, Box<str>>,
    compiled: Mutex<HashMap<String, Option<Arc<Validator>>>>,
}

/// Where a schema refers to another of the document's.
const REF_PREFIX: &str = "#/components/schemas/";

impl BodySchemas {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let schemas = doc
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .filter_map(|(name, schema)| {
                let text = serde_json::to_string(schema).ok()?;
                Some((name.clone(), text.into_boxed_str()))
            })
            .collect();
        BodySchemas {
            schemas,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// The schema `name` and every schema it refers to, directly or not, parsed.
    fn closure(&self, name: &str) -> Option<serde_json::Map<String, Value>> {
        let mut found = serde_json::Map::new();
        let mut wanted = vec![name.to_string()];
        while let Some(next) = wanted.pop() {
            if found.contains_key(&next) {
                continue;
            }
            let schema: Value = serde_json::from_str(self.schemas.get(&next)?).ok()?;
            refs_in(&schema, &mut wanted);
            found.insert(next, schema);
        }
        Some(found)
    }

    fn validator(&self, name: &str) -> Option<Arc<Validator>> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        compiled
            .entry(name.to_string())
            .or_insert_with(|| {
                let root = json!({
                    "$ref": format!("{REF_PREFIX}{name}"),
                    "components": {"schemas": self.closure(name)?},
                });
                jsonschema::options()
                    .should_validate_formats(true)
                    .build(&root)
                    .map_err(|e| tracing::warn!(schema = name, error = %e, "body schema does not compile"))
                    .ok()
                    .map(Arc::new)
            })
            .clone()
    }

    /// Every place where `instance` breaks the schema `name` (empty when it has none).
    pub fn problems(&self, name: &str, instance: &Value) -> Vec<FieldError> {
        let Some(validator) = self.validator(name) else {
            return Vec::new();
        };
        let mut out: Vec<FieldError> = Vec::new();
        for e in validator.iter_errors(instance) {
            let at = field_path(e.instance_path().as_str());
            let problem = match e.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or_default();
                    let field = if at.is_empty() {
                        name.to_string()
                    } else {
                        format!("{at}.{name}")
                    };
                    FieldError::new(field, "required", "this field is required")
                }
                kind => {
                    let code = match kind {
                        ValidationErrorKind::Type { .. } => "invalid_type",
                        ValidationErrorKind::Minimum { .. }
                        | ValidationErrorKind::Maximum { .. }
                        | ValidationErrorKind::ExclusiveMinimum { .. }
                        | ValidationErrorKind::ExclusiveMaximum { .. } => "range",
                        ValidationErrorKind::MinLength { .. }
                        | ValidationErrorKind::MaxLength { .. }
                        | ValidationErrorKind::MinItems { .. }
                        | ValidationErrorKind::MaxItems { .. } => "length",
                        _ => "invalid_value",
                    };
                    let field = if at.is_empty() {
                        "body".to_string()
                    } else {
                        at
                    };
                    FieldError::new(field, code, e.to_string())
                }
            };
            // One problem per field is enough for a form (an enum variant list can fail in
            // several branches of a oneOf).
            if !out.iter().any(|p| p.field == problem.field) {
                out.push(problem);
            }
        }
        out
    }
}

/// Adds the names of the document's schemas that `schema` refers to to `out`.
fn refs_in(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix(REF_PREFIX) {
                            out.push(name.to_string());
                        }
                    }
                    _ => refs_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// A JSON pointer (`/industry_codes/0`) as the field names of the problem documents
/// (`industry_codes[0]`, `a.b`), the way serde's errors name them.
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_field_names() {
        assert_eq!(field_path(""), "");
        assert_eq!(field_path("/name"), "name");
        assert_eq!(field_path("/industry_codes/0"), "industry_codes[0]");
        assert_eq!(field_path("/a/b"), "a.b");
    }

    #[test]
    fn every_missing_and_mistyped_field_is_named() {
        let doc: utoipa::openapi::OpenApi = serde_json::from_value(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {
                "Body": {
                    "type": "object",
                    "required": ["name", "amount_fen", "on"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 3},
                        "amount_fen": {"type": "integer", "minimum": 0},
                        "on": {"type": "string", "format": "date"},
                        "kind": {"$ref": "#/components/schemas/Kind"}
                    }
                },
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Unrelated": {"type": "string"}
            }}
        }))
        .unwrap();
        let schemas = BodySchemas::from_doc(&doc);
        let body = json!({"amount_fen": -1, "on": "2026-13-40", "kind": "c"});
        let problems = schemas.problems("Body", &body);
        let fields: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.code.as_str()))
            .collect();
        assert!(fields.contains(&("name", "required")), "{fields:?}");
        assert!(fields.contains(&("amount_fen", "range")), "{fields:?}");
        assert!(fields.contains(&("on", "invalid_value")), "{fields:?}");
        // Through a reference: the referred schema is compiled with it, and no other.
        assert!(fields.contains(&("kind", "invalid_value")), "{fields:?}");
        let closure = schemas.closure("Body").unwrap();
        let names: Vec<&String> = closure.keys().collect();
        assert_eq!(names, ["Body", "Kind"]);
        assert!(schemas.problems("Nope", &json!({})).is_empty());
    }
}
