//! The audit trail, read back by the district and observers.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::views::audit::{AuditEventOut, AuditFilterParams};
use crate::views::pagination::{ListResponse, Page};

/// One page of recorded changes, newest first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &AuditFilterParams,
    page: Page,
) -> ApiResult<ListResponse<AuditEventOut>> {
    caller.require(Resource::AuditEvents, Access::Read)?;
    let filter = filters.to_filter();
    let rows = audit::list(conn, &filter, page.after, page.limit + 1)?;
    let total = if page.count {
        Some(audit::count(conn, &filter)?)
    } else {
        None
    };
    Ok(ListResponse::from_rows(rows, page, total, |e| e.id).map(AuditEventOut::from))
}
