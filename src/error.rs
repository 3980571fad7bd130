//! One error type for the whole API, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"field": "uscc", "code": "checksum", "message": "the check character should be 8"}))]
pub struct FieldError {
    /// The JSON field (or query parameter) at fault; nested fields use dots (`industry_codes.1`).
    /// In a bulk import, the column of the file.
    pub field: String,
    /// A stable machine-readable code (`required`, `checksum`, `range`, `unknown_code`, …).
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// For a bulk import: the line of the uploaded file (1 = the header row) whose cell
    /// `field` is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, example = 7, minimum = 1)]
    pub line: Option<u64>,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            line: None,
        }
    }

    /// The same error, located on a line of an uploaded file.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:coophub:problem:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "uscc", "code": "checksum", "message": "the check character should be 8"}]
}))]
pub struct Problem {
    /// A URI identifying the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present on validation failures: one entry per offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("bad request")]
    BadFields(String, Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error(
        "the resource has changed since it was read (If-Match does not match the current ETag)"
    )]
    PreconditionFailed,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    #[error("the document store is unavailable; try again later")]
    StoreUnavailable,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn forbidden() -> Self {
        ApiError::Forbidden("your role may not do this".into())
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::BadFields(..) => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not-found",
            ApiError::Conflict(_) => "conflict",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::PreconditionFailed => "precondition-failed",
            ApiError::Validation(_) => "validation",
            ApiError::TooManyRequests { .. } => "rate-limited",
            ApiError::Unavailable => "unavailable",
            ApiError::StoreUnavailable => "storage-unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            ApiError::Validation(errs) => (
                match errs.len() {
                    1 => match errs[0].line {
                        Some(line) => {
                            format!("line {line}, {}: {}", errs[0].field, errs[0].message)
                        }
                        None => format!("{}: {}", errs[0].field, errs[0].message),
                    },
                    n => format!("{n} fields are invalid"),
                },
                Some(errs.clone()),
            ),
            ApiError::BadFields(detail, errs) => (detail.clone(), Some(errs.clone())),
            ApiError::NotFound => ("no such record, or it is outside your scope".into(), None),
            ApiError::TooManyRequests { retry_after_secs } => (
                format!("too many attempts; retry after {retry_after_secs} s"),
                None,
            ),
            // Never leak internals to the client; they are logged instead.
            ApiError::Internal(_) => (
                "an internal error occurred; it has been logged".into(),
                None,
            ),
            other => (other.to_string(), None),
        };
        Problem {
            type_: format!("urn:coophub:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

pub fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .json(problem)
}

/// A problem for a status that did not come from [`ApiError`] (actix's own errors).
pub fn generic_problem(status: StatusCode, detail: String) -> Problem {
    let slug = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(' ', "-");
    Problem {
        type_: format!("urn:coophub:problem:{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors: None,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::BadFields(..) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(msg) = self {
            tracing::error!(error = %msg, "internal error");
        }
        let mut resp = problem_response(self.status_code(), &self.to_problem());
        match self {
            ApiError::Unauthorized(_) => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"coophub\""),
                );
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                resp.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(*retry_after_secs),
                );
            }
            _ => {}
        }
        resp
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => ApiError::Conflict(
                format!("a record with the same key exists ({})", info.message()),
            ),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                ApiError::Conflict(format!(
                    "a referenced record is missing or still in use ({})",
                    info.message()
                ))
            }
            other => ApiError::Internal(with_causes(&other)),
        }
    }
}

/// An error's message followed by its causes (Diesel names the field that failed to
/// deserialise and keeps the reason as the source).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::error!(error = %e, "database pool");
        ApiError::Unavailable
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        ApiError::Validation(flatten_validation(&errs, ""))
    }
}

fn flatten_validation(errs: &validator::ValidationErrors, prefix: &str) -> Vec<FieldError> {
    use validator::ValidationErrorsKind;
    let mut out = Vec::new();
    let mut fields: Vec<_> = errs.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (name, kind) in fields {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe(e));
                    out.push(FieldError::new(path.clone(), e.code.to_string(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(flatten_validation(inner, &path)),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    out.extend(flatten_validation(inner, &format!("{path}.{i}")));
                }
            }
        }
    }
    out
}

fn describe(e: &validator::ValidationError) -> String {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "out of range".into(),
        },
        "url" => "must be a URL".into(),
        code => format!("invalid ({code})"),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_is_not_leaked() {
        let p = ApiError::Internal("password=hunter2".into()).to_problem();
        assert!(!p.detail.contains("hunter2"));
        assert_eq!(p.status, 500);
    }

    #[test]
    fn a_located_error_names_its_line() {
        let e = ApiError::Validation(vec![FieldError::new("phone", "phone", "bad").at_line(7)]);
        let p = e.to_problem();
        assert_eq!(p.detail, "line 7, phone: bad");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["errors"][0]["line"], 7);
        let plain = serde_json::to_value(FieldError::new("uscc", "x", "y")).unwrap();
        assert!(plain.get("line").is_none());
    }

    #[test]
    fn validation_problem_names_the_field() {
        let p = ApiError::field("uscc", "checksum", "bad").to_problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.unwrap()[0].field, "uscc");
        assert!(p.detail.starts_with("uscc"));
    }
}
