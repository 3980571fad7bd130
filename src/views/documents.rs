//! The archive (档案): the upload form, the document's metadata, the list's filters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::document::{Document, DocumentFilter};
use crate::domain::document::{self as rules, DocumentKind, TITLE_MAX, YEARS};
use crate::error::FieldError;

/// The form of an upload (`multipart/form-data`), as a browser's file input sends it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The document: PDF, JPEG, PNG, DOCX or XLSX, told by its **content** (its name and the
    /// part's `Content-Type` are not looked at); 1 byte to 20 MiB. The part's file name is
    /// kept (its last segment, at most 255 characters) for the download.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    pub kind: DocumentKind,
    /// 1–200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// The year the document belongs to (a financial year, the year of a meeting), 2000–2100.
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// The text fields of an upload as they came, before their checks.
#[derive(Debug, Default, Clone)]
pub struct DocumentFields {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub year: Option<String>,
}

/// An upload's checked fields.
#[derive(Debug, Clone)]
pub struct DocumentMeta {
    pub kind: DocumentKind,
    pub title: String,
    pub year: Option<i32>,
}

fn kinds() -> String {
    DocumentKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl DocumentFields {
    /// Every field's problem at once, or the checked fields.
    pub fn check(&self) -> (Option<DocumentMeta>, Vec<FieldError>) {
        let mut errors = Vec::new();
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new(
                    "kind",
                    "required",
                    "the kind of document is required",
                ));
                None
            }
            Some(k) => DocumentKind::parse(k).or_else(|| {
                errors.push(FieldError::new(
                    "kind",
                    "enum",
                    format!("must be one of {}", kinds()),
                ));
                None
            }),
        };
        let title = match self.title.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("title", "required", "a title is required"));
                None
            }
            Some(t) if t.chars().count() > TITLE_MAX => {
                errors.push(FieldError::new(
                    "title",
                    "length",
                    format!("at most {TITLE_MAX} characters"),
                ));
                None
            }
            Some(t) => Some(t.to_string()),
        };
        let year = match self.year.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(y) => match y.parse::<i32>() {
                Ok(y) if YEARS.contains(&y) => Some(Some(y)),
                _ => {
                    errors.push(FieldError::new(
                        "year",
                        "range",
                        format!(
                            "must be a year between {} and {}",
                            YEARS.start(),
                            YEARS.end()
                        ),
                    ));
                    None
                }
            },
        };
        match (kind, title, year) {
            (Some(kind), Some(title), Some(year)) if errors.is_empty() => {
                (Some(DocumentMeta { kind, title, year }), errors)
            }
            _ => (None, errors),
        }
    }
}

/// A document of the archive.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "cooperative_id": 3, "kind": "charter", "title": "章程（2026年修订）", "year": 2026, "file_name": "章程2026.pdf", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 48213, "content_type": "application/pdf", "uploaded_by": "jinshan-officer", "created_at": "2026-12-01T08:00:00Z"}))]
pub struct DocumentOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: DocumentKind,
    pub title: String,
    pub year: Option<i32>,
    /// The name the file was uploaded under (its last segment), given back on download.
    pub file_name: String,
    /// SHA-256 of the bytes, lower-case hex; also the download's `ETag`.
    #[schema(pattern = "^[0-9a-f]{64}$", min_length = 64, max_length = 64)]
    pub sha256: String,
    /// Bytes.
    #[schema(minimum = 1, maximum = 20_971_520)]
    pub size: i64,
    /// Told from the content: one of the five accepted types.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        DocumentOut {
            id: d.id,
            cooperative_id: d.cooperative_id,
            kind: d.kind,
            title: d.title,
            year: d.year,
            file_name: d.file_name,
            sha256: d.sha256,
            size: d.size,
            content_type: d.content_type,
            uploaded_by: d.uploaded_by,
            created_at: d.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilterParams {
    pub kind: Option<DocumentKind>,
    /// 2000–2100.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

impl DocumentFilterParams {
    pub fn to_filter(&self) -> DocumentFilter {
        DocumentFilter {
            kind: self.kind,
            year: self.year,
        }
    }
}

/// The file of an upload, read: spooled to a temporary file (gone when the last handle is
/// dropped), with its size, hash, name and the type told from its content as it was read.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub spool: std::sync::Arc<std::fs::File>,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    pub file_name: String,
    pub content: Result<&'static str, rules::ContentError>,
}

impl UploadedFile {
    /// The file's type by its content, or the problem naming `file`.
    pub fn content_type(&self) -> Result<&'static str, FieldError> {
        self.content
            .clone()
            .map_err(|e| FieldError::new("file", e.code(), e.to_string()))
    }
}
