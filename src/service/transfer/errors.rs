//! The errors of an imported file, listed up to a cap and counted beyond it.

use crate::error::{ApiError, FieldError};

/// At most this many errors are listed in an import's 422; the rest are only counted, in a
/// last entry `{"field": "file", "code": "errors_truncated"}` whose message says how many.
pub const MAX_LISTED_ERRORS: usize = 1000;

/// The errors of a file: the first [`MAX_LISTED_ERRORS`], then a count (a file of bad lines
/// costs memory in proportion to the cap, not to the file).
#[derive(Debug, Default)]
pub struct ErrorList {
    pub(super) listed: Vec<FieldError>,
    more: u64,
}

impl ErrorList {
    pub fn push(&mut self, e: FieldError) {
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(e);
        } else {
            self.more += 1;
        }
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        for e in errors {
            self.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The 422: the listed errors, and the count of the rest if there are more.
    pub fn into_error(self) -> ApiError {
        let mut listed = self.listed;
        if self.more > 0 {
            listed.push(FieldError::new(
                "file",
                "errors_truncated",
                format!(
                    "{} more errors are not listed (only the first {MAX_LISTED_ERRORS} are)",
                    self.more
                ),
            ));
        }
        ApiError::Validation(listed)
    }
}
