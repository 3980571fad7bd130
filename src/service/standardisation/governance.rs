//! Governance bodies and the charter, one record per cooperative.

use serde::Serialize;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::governance::{self as gov, Governance};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::compliance;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::views::standardisation::{GovernanceIn, GovernanceOut};

fn json_list<T: Serialize>(v: &[T]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The governance record of a cooperative in scope (404 when none is recorded yet).
pub fn get_governance(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<GovernanceOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    caller.cooperative(conn, id)?;
    gov::find(conn, id)?.ok_or(ApiError::NotFound)?.try_into()
}

/// Replaces the governance record at the `demanded` version (412 otherwise). A supervisor
/// who also holds another office is refused (422 on `supervisors`); a closed cooperative's
/// records do not change (409). Returns the record and whether it was created.
pub fn put_governance(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    demanded: Option<i32>,
    g: GovernanceIn,
) -> ApiResult<(GovernanceOut, bool)> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let conflicts = compliance::supervisor_conflicts(
        g.board_chair.as_deref(),
        &g.board_members,
        g.bookkeeper.as_deref(),
        &g.supervisors,
    );
    if !conflicts.is_empty() {
        return Err(ApiError::field(
            "supervisors",
            "conflict",
            format!(
                "a supervisor may not also be chair, director or bookkeeper: {}",
                conflicts.join(", ")
            ),
        ));
    }
    let coop = caller.cooperative(conn, id)?;
    ensure_operating(&coop)?;
    let current = gov::find(conn, id)?;
    check_version(demanded, current.as_ref().map(|c| c.version).unwrap_or(0))?;
    let row = Governance {
        cooperative_id: id,
        charter_adopted_on: g.charter_adopted_on,
        member_assembly: g.member_assembly,
        board_chair: g.board_chair.map(|s| s.trim().to_string()),
        board_members: json_list(&g.board_members.iter().map(|s| s.trim()).collect::<Vec<_>>()),
        supervisors: json_list(&g.supervisors.iter().map(|s| s.trim()).collect::<Vec<_>>()),
        bookkeeping: g.bookkeeping,
        bookkeeper: g.bookkeeper.map(|s| s.trim().to_string()),
        disclosure_channels: json_list(&g.disclosure_channels),
        version: current.as_ref().map(|c| c.version + 1).unwrap_or(1),
        updated_at: now(),
    };
    gov::save(conn, &row, current.is_some())?;
    let before = current.map(GovernanceOut::try_from).transpose()?;
    let after = GovernanceOut::try_from(row)?;
    audit::record(
        conn,
        &caller.actor(),
        if before.is_some() { "update" } else { "create" },
        "governance",
        &id.to_string(),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((after, before.is_none()))
}
