//! CSV rendering shared by the exports.

use crate::error::{ApiError, ApiResult};

/// Renders one CSV record (the `csv` crate does the quoting).
pub fn csv_line<I, T>(fields: I) -> ApiResult<Vec<u8>>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).map_err(ApiError::internal)?;
    w.into_inner().map_err(ApiError::internal)
}
