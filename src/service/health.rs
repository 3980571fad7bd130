//! Readiness: whether the database answers.

use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};

/// 503 unless the database answers a ping.
pub fn ready(conn: &mut DbConn) -> ApiResult<()> {
    db::ping(conn).map_err(|_| ApiError::Unavailable)
}
