//! The audit trail, read back by the district and observers.

use crate::auth::policy::permits;
use crate::auth::{Access, Caller, Resource, Role};
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
    let mut filter = filters.to_filter();
    // The trail must not be a side door: records of a kind the role may not read stay hidden
    // (an observer reads neither partner credentials nor webhook subscriptions). The district
    // keeps the whole trail: it is the auditor of every change, its own included.
    filter.hidden_entities = AUDITED_ENTITIES
        .iter()
        .filter(|(_, resource)| {
            caller.role() != Role::DistrictAdmin && !permits(caller.role(), *resource, Access::Read)
        })
        .map(|(entity, _)| *entity)
        .collect();
    let list = page.load(
        conn,
        |conn, after, n| audit::list(conn, &filter, after, n),
        |conn| audit::count(conn, &filter),
        |e| e.id,
    )?;
    Ok(list.map(AuditEventOut::from))
}

/// The kinds of record whose reading the policy restricts beyond the audit trail itself, with
/// the resource a reader must be allowed to read.
const AUDITED_ENTITIES: &[(&str, Resource)] = &[
    ("partner", Resource::Partners),
    ("webhook", Resource::Webhooks),
];
