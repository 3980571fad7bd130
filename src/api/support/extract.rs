//! Request extractors that answer with problem documents naming the offending field.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::Validate;

use serde_json::Value;
use utoipa::ToSchema;

use super::body_schema::BodySchemas;
use crate::error::{ApiError, ApiResult, FieldError};

/// A JSON body: `application/json` (or `+json`) only, unknown fields refused (400), wrong
/// types or missing fields reported per field (422), then `validator` rules (422).
pub struct ValidJson<T>(pub T);

impl<T> std::ops::Deref for ValidJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

pub fn is_json_content_type(req: &HttpRequest) -> bool {
    content_type_essence(req)
        .map(|e| e == "application/json" || (e.starts_with("application/") && e.ends_with("+json")))
        .unwrap_or(false)
}

pub fn content_type_essence(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Reads the body within the configured `PayloadConfig` limit (over it → 413).
pub async fn read_body(
    bytes: impl std::future::Future<Output = Result<web::Bytes, actix_web::Error>>,
) -> ApiResult<web::Bytes> {
    bytes.await.map_err(|e| {
        if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(
                "the request body is larger than this endpoint accepts".into(),
            )
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {e}"))
        }
    })
}

/// Reads a JSON body (415 for another media type, 413 over the limit) and parses it with
/// `parse`, which sees the request-body schemas.
fn read_json<R: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    parse: fn(&[u8], Option<&BodySchemas>) -> ApiResult<R>,
) -> LocalBoxFuture<'static, ApiResult<R>> {
    if !is_json_content_type(req) {
        let found = content_type_essence(req).unwrap_or_else(|| "none".into());
        return Box::pin(async move {
            Err(ApiError::UnsupportedMediaType(format!(
                "the body must be application/json (Content-Type was {found})"
            )))
        });
    }
    let bytes = web::Bytes::from_request(req, payload);
    let schemas = req.app_data::<web::Data<BodySchemas>>().cloned();
    Box::pin(async move {
        let body = read_body(bytes).await?;
        parse(&body, schemas.as_ref().map(|s| s.get_ref()))
    })
}

impl<T: DeserializeOwned + Validate + ToSchema + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload, parse_json_checked::<T>);
        Box::pin(async move { read.await.map(ValidJson) })
    }
}

/// A JSON body deserialised like [`ValidJson`] but not yet put to its `validator` rules: for
/// use cases that check the body together with their own rules (a USCC's check character, a
/// town that must exist) and answer one 422 naming every field at fault.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload, deserialize_checked::<T>);
        Box::pin(async move { read.await.map(JsonBody) })
    }
}

/// Like [`parse_json`], but when serde finds a missing or mistyped field the body is checked
/// against `T`'s schema too, so that the 422 names every field at fault, not only the first.
pub fn parse_json_checked<T: DeserializeOwned + Validate + ToSchema>(
    body: &[u8],
    schemas: Option<&BodySchemas>,
) -> ApiResult<T> {
    let value = deserialize_checked::<T>(body, schemas)?;
    value.validate()?;
    Ok(value)
}

/// Deserialises a body; a missing or mistyped field is reported with every other one the
/// schema finds. The `validator` rules are left to the caller.
pub fn deserialize_checked<T: DeserializeOwned + ToSchema>(
    body: &[u8],
    schemas: Option<&BodySchemas>,
) -> ApiResult<T> {
    match deserialize_json(body) {
        Err(ApiError::Validation(first)) => {
            let (Some(schemas), Ok(doc)) = (schemas, serde_json::from_slice::<Value>(body)) else {
                return Err(ApiError::Validation(first));
            };
            let mut all = schemas.problems(&T::name(), &doc);
            for e in first {
                if !all.iter().any(|a| a.field == e.field) {
                    all.push(e);
                }
            }
            Err(ApiError::Validation(all))
        }
        other => other,
    }
}

/// Deserialises and validates a JSON document.
pub fn parse_json<T: DeserializeOwned + Validate>(body: &[u8]) -> ApiResult<T> {
    let value: T = deserialize_json(body)?;
    value.validate()?;
    Ok(value)
}

/// Deserialises a JSON document: malformed → 400, unknown field → 400, the first missing or
/// mistyped field → 422.
fn deserialize_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let mut doc: Value = serde::Deserialize::deserialize(&mut *de)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {}", bare_message(&e))))?;
    de.end().map_err(|_| {
        ApiError::BadRequest("malformed JSON: trailing characters after the document".into())
    })?;
    integral_numbers(&mut doc);
    serde_path_to_error::deserialize(doc).map_err(json_error)
}

/// JSON Schema counts `1149.0` as an integer; serde's integers do not. A number with no
/// fractional part is taken as the integer it is (anything else stays a type error).
fn integral_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *v = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// serde_json's message without its " at line L column C" suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.inner();
    let message = bare_message(inner);
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::BadRequest(format!("malformed JSON: {message}"))
        }
        Category::Data => {
            if message.starts_with("unknown field") {
                let field = path_or(&path, &backticked(&message).unwrap_or_default());
                ApiError::BadFields(
                    format!("unknown field {field}"),
                    vec![FieldError::new(field, "unknown_field", message)],
                )
            } else if message.starts_with("missing field") {
                let name = backticked(&message).unwrap_or_default();
                let field = if path == "." || path.is_empty() {
                    name
                } else {
                    format!("{path}.{name}")
                };
                ApiError::Validation(vec![FieldError::new(
                    field,
                    "required",
                    "this field is required",
                )])
            } else {
                let code = if message.starts_with("invalid type") {
                    "invalid_type"
                } else {
                    "invalid_value"
                };
                ApiError::Validation(vec![FieldError::new(path_or(&path, "body"), code, message)])
            }
        }
    }
}

fn path_or(path: &str, fallback: &str) -> String {
    if path.is_empty() || path == "." {
        fallback.to_string()
    } else {
        path.to_string()
    }
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = message[start..].find('`')? + start;
    Some(message[start..end].to_string())
}

/// Query parameters: a value of the wrong type or outside an enum → 400 naming the parameter;
/// then `validator` rules → 422.
pub struct ValidQuery<T>(pub T);

impl<T> std::ops::Deref for ValidQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> ApiResult<T> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let message = e.inner().to_string();
        let field = if field.is_empty() || field == "." {
            backticked(&message).unwrap_or_else(|| "query".into())
        } else {
            field
        };
        ApiError::BadFields(
            format!("query parameter {field}: {message}"),
            vec![FieldError::new(field, "invalid_value", message)],
        )
    })?;
    value.validate()?;
    Ok(value)
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

/// An optional JSON body: an empty body is `None`; anything else must be valid JSON as for
/// [`ValidJson`] (a malformed body is never silently ignored).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + ToSchema + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json_content_type(req);
        let found = content_type_essence(req);
        let schemas = req.app_data::<web::Data<BodySchemas>>().cloned();
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = read_body(bytes).await?;
            // No body, or JSON `null`, is no body (the document marks the body optional).
            if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType(format!(
                    "the body must be application/json (Content-Type was {})",
                    found.unwrap_or_else(|| "none".into())
                )));
            }
            parse_json_checked::<T>(&body, schemas.as_ref().map(|s| s.get_ref()))
                .map(|v| OptionalJson(Some(v)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[validate(range(min = 0))]
        amount_fen: i64,
        #[allow(dead_code)]
        name: String,
    }

    fn fields(e: ApiError) -> Vec<(String, String)> {
        match e {
            ApiError::Validation(v) | ApiError::BadFields(_, v) => {
                v.into_iter().map(|f| (f.field, f.code)).collect()
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_is_400() {
        assert!(matches!(
            parse_json::<Body>(b"{\"amount_fen\":"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b"{} x"),
            Err(ApiError::BadRequest(_)) | Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn unknown_field_is_400_naming_it() {
        let e = parse_json::<Body>(br#"{"amount_fen":1,"name":"a","extra":1}"#).unwrap_err();
        assert!(matches!(e, ApiError::BadFields(..)));
        assert_eq!(
            fields(e),
            vec![("extra".to_string(), "unknown_field".to_string())]
        );
    }

    #[test]
    fn wrong_type_and_missing_are_422_naming_the_field() {
        let e = parse_json::<Body>(br#"{"amount_fen":"x","name":"a"}"#).unwrap_err();
        assert_eq!(
            fields(e),
            vec![("amount_fen".to_string(), "invalid_type".to_string())]
        );
        let e = parse_json::<Body>(br#"{"amount_fen":1}"#).unwrap_err();
        assert_eq!(
            fields(e),
            vec![("name".to_string(), "required".to_string())]
        );
    }

    #[test]
    fn validator_rules_apply() {
        let e = parse_json::<Body>(br#"{"amount_fen":-1,"name":"a"}"#).unwrap_err();
        assert_eq!(
            fields(e),
            vec![("amount_fen".to_string(), "range".to_string())]
        );
    }
}
