//! Bulk import and export of the cooperative registry (名录批量导入、导出).
//!
//! * [`import`]: a UTF-8 CSV file whose header row names the fields of `POST /cooperatives`.
//!   Every row is checked with the same rules; if any cell is bad, every bad cell is reported
//!   with its `line` and `field`, and nothing is written. Otherwise every row is inserted in
//!   one transaction. At most [`errors::MAX_LISTED_ERRORS`] errors are listed; the rest are
//!   counted in a last entry with code `errors_truncated`.
//! * [`export`]: the registry (list filters, caller's scope) as CSV in keyset chunks, so a
//!   district's whole registry is never held in memory (its header row is the create fields
//!   plus `id,status,tier,demonstration_level,version`, so an export re-imports as it is), or
//!   as a spreadsheet with Chinese column headers, written row by row in `rust_xlsxwriter`'s
//!   constant-memory mode.

mod errors;
pub mod export;
pub mod import;

pub use errors::{ErrorList, MAX_LISTED_ERRORS};
