//! The form a CSV import also takes (`multipart/form-data`).

use utoipa::ToSchema;

/// A CSV file uploaded as a browser's file input sends it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CsvUpload {
    /// The CSV file (UTF-8, header row first). Its part's type may be `text/csv`,
    /// `application/vnd.ms-excel` (what some browsers give a `.csv`), `text/plain`,
    /// `application/octet-stream` or none.
    #[schema(value_type = String, format = Binary, content_media_type = "text/csv")]
    pub file: Vec<u8>,
}
