//! The member ledger (成员台账): add, list, read, change, exit, and the masked CSV export.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::member::{self, Member, MemberChanges, NewMember};
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::member::{self as rules, ExitBreach, IdNumberRule, MemberType};
use crate::domain::phone;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::views::csv::csv_line;
use crate::views::members::{
    ExitParams, MemberCreate, MemberFilterParams, MemberOut, MemberPatch, CSV_COLUMNS,
};
use crate::views::pagination::{ListResponse, PageParams};

/// How many members the CSV export reads at a time.
const EXPORT_CHUNK: i64 = 1000;

/// Validates an ID number; a farmer must have one (422 on `id_number` otherwise).
fn check_id_number(raw: Option<&str>, member_type: MemberType) -> ApiResult<Option<String>> {
    rules::checked_id_number(raw, member_type, today()).map_err(|e| match e {
        IdNumberRule::Invalid(e) => ApiError::field("id_number", e.code(), e.to_string()),
        IdNumberRule::Required => ApiError::field(
            "id_number",
            "required",
            "a farmer member needs a resident ID number",
        ),
    })
}

fn duplicate() -> ApiError {
    ApiError::Conflict("an active member of this cooperative has the same ID number".into())
}

/// 409 when another active member of the cooperative has this ID number.
fn ensure_unique(
    conn: &mut DbConn,
    coop_id: i64,
    id_number: Option<&str>,
    except: Option<i64>,
) -> ApiResult<()> {
    match id_number {
        Some(n) if member::active_id_number_taken(conn, coop_id, n, except)? => Err(duplicate()),
        _ => Ok(()),
    }
}

fn exit_error(e: ExitBreach) -> ApiError {
    match e {
        ExitBreach::Future => ApiError::field("exited_on", "future", "must not be in the future"),
        ExitBreach::AlreadyExited => ApiError::Conflict("the member has already exited".into()),
        ExitBreach::BeforeJoining => ApiError::field(
            "exited_on",
            "before_joining",
            "must not be before the member joined",
        ),
    }
}

/// The cooperative (in scope, still operating) for a change to its ledger.
fn operating_cooperative(conn: &mut DbConn, caller: &Caller, coop_id: i64) -> ApiResult<()> {
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)
}

/// Adds a member. Farmers need a valid ID number, which no other active member of the
/// cooperative may have (409); the cooperative must be in scope and still operating.
pub fn add(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    body: MemberCreate,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let id_number = check_id_number(body.id_number.as_deref(), body.member_type)?;
    operating_cooperative(conn, caller, coop_id)?;
    ensure_unique(conn, coop_id, id_number.as_deref(), None)?;
    let at = now();
    let created = member::insert(
        conn,
        &NewMember {
            cooperative_id: coop_id,
            name: body.name.trim().to_string(),
            member_type: body.member_type,
            id_number,
            phone: body.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
            joined_on: body.joined_on,
            contribution_fen: body.contribution_fen,
            contribution_form: body.contribution_form,
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?;
    let out = MemberOut::from(created);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "member",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of a cooperative's ledger, in joining order.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    filters: &MemberFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<MemberOut>> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let page = page.page()?;
    let filter = filters.to_filter();
    caller.cooperative(conn, coop_id)?;
    let rows = member::list(conn, coop_id, &filter, page.after, page.limit + 1)?;
    let total = if page.count {
        Some(member::count(conn, coop_id, &filter)?)
    } else {
        None
    };
    Ok(ListResponse::from_rows(rows, page, total, |m| m.id).map(MemberOut::from))
}

/// The whole ledger (current and exited members) as CSV with a byte-order mark, ID numbers
/// masked.
pub fn export_csv(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    filters: &MemberFilterParams,
) -> ApiResult<Vec<u8>> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    let filter = filters.to_filter();
    caller.cooperative(conn, coop_id)?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_line(CSV_COLUMNS)?);
    let mut after = None;
    loop {
        let rows = member::list(conn, coop_id, &filter, after, EXPORT_CHUNK)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for m in rows {
            out.extend(csv_line(MemberOut::from(m).csv_cells())?);
        }
    }
    Ok(out)
}

fn find(conn: &mut DbConn, caller: &Caller, coop_id: i64, member_id: i64) -> ApiResult<Member> {
    caller.cooperative(conn, coop_id)?;
    Ok(member::find(conn, coop_id, member_id)?)
}

/// One member of a cooperative in scope.
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    Ok(MemberOut::from(find(conn, caller, coop_id, member_id)?))
}

/// Changes a member, at the `demanded` version if one is given (else 412). An exited member's
/// record is closed (409); the ID number rules are those of [`add`].
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    demanded: Option<i32>,
    patch: MemberPatch,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    operating_cooperative(conn, caller, coop_id)?;
    let current = member::find(conn, coop_id, member_id)?;
    check_version(demanded, current.version)?;
    if current.exited_on.is_some() {
        return Err(ApiError::Conflict(
            "the member has exited; the record is closed".into(),
        ));
    }
    let member_type = patch.member_type.unwrap_or(current.member_type);
    let id_number = match &patch.id_number {
        Some(raw) => check_id_number(Some(raw), member_type)?,
        None => check_id_number(current.id_number.as_deref(), member_type)?,
    };
    ensure_unique(conn, coop_id, id_number.as_deref(), Some(member_id))?;
    let before = MemberOut::from(current.clone());
    let changes = MemberChanges {
        name: patch.name.map(|s| s.trim().to_string()),
        member_type: patch.member_type,
        id_number: if patch.id_number.is_some() {
            id_number
        } else {
            None
        },
        phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
        joined_on: patch.joined_on,
        contribution_fen: patch.contribution_fen,
        contribution_form: patch.contribution_form,
        version: current.version + 1,
        updated_at: Some(now()),
        ..Default::default()
    };
    let updated = member::update(conn, member_id, current.version, &changes)?
        .ok_or(ApiError::PreconditionFailed)?;
    let after = MemberOut::from(updated);
    audit::record(
        conn,
        &caller.actor(),
        "update",
        "member",
        &member_id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Records a member's exit (default today; not in the future, not before joining, not
/// twice). The ledger keeps the member; the ID number is free for a new membership.
pub fn exit(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    params: ExitParams,
) -> ApiResult<MemberOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let exited_on = params.exited_on.unwrap_or_else(today);
    rules::exit_date(exited_on, today()).map_err(exit_error)?;
    operating_cooperative(conn, caller, coop_id)?;
    let current = member::find(conn, coop_id, member_id)?;
    rules::may_exit(current.joined_on, current.exited_on, exited_on).map_err(exit_error)?;
    let before = MemberOut::from(current.clone());
    let changes = MemberChanges {
        exited_on: Some(exited_on),
        exit_reason: params.reason,
        version: current.version + 1,
        updated_at: Some(now()),
        ..Default::default()
    };
    let updated = member::update(conn, member_id, current.version, &changes)?
        .ok_or(ApiError::PreconditionFailed)?;
    let after = MemberOut::from(updated);
    audit::record(
        conn,
        &caller.actor(),
        "exit",
        "member",
        &member_id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
