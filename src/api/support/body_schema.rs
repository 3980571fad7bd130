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
pub struct BodySchemas {
    components: Value,
    compiled: Mutex<HashMap<String, Option<Arc<Validator>>>>,
}

impl BodySchemas {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let value = serde_json::to_value(doc).unwrap_or_default();
        BodySchemas {
            components: json!({"schemas": value["components"]["schemas"].clone()}),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    fn validator(&self, name: &str) -> Option<Arc<Validator>> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        compiled
            .entry(name.to_string())
            .or_insert_with(|| {
                self.components["schemas"].get(name)?;
                let root = json!({
                    "$ref": format!("#/components/schemas/{name}"),
                    "components": self.components,
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
            "components": {"schemas": {"Body": {
                "type": "object",
                "required": ["name", "amount_fen", "on"],
                "properties": {
                    "name": {"type": "string", "maxLength": 3},
                    "amount_fen": {"type": "integer", "minimum": 0},
                    "on": {"type": "string", "format": "date"}
                }
            }}}
        }))
        .unwrap();
        let schemas = BodySchemas::from_doc(&doc);
        let problems = schemas.problems("Body", &json!({"amount_fen": -1, "on": "2026-13-40"}));
        let fields: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.code.as_str()))
            .collect();
        assert!(fields.contains(&("name", "required")), "{fields:?}");
        assert!(fields.contains(&("amount_fen", "range")), "{fields:?}");
        assert!(fields.contains(&("on", "invalid_value")), "{fields:?}");
        assert!(schemas.problems("Nope", &json!({})).is_empty());
    }
}
