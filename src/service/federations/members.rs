//! A federation's members: who may join, the single lead, and the removals that would
//! leave an active union cooperative with fewer than three cooperatives.

use diesel::OptionalExtension;

use super::lock_federation;
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative as coop;
use crate::db::models::federation::{self as fed, NewFederationMember};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::federation::{self as rules, MemberRole, Party, PartyBreach};
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::views::federations::{FederationMemberCreate, FederationMemberOut, RemoveMemberParams};
use crate::views::pagination::{ListResponse, PageParams};

fn party_error(breach: PartyBreach) -> ApiError {
    match breach {
        PartyBreach::CooperativeIdRequired => ApiError::field(
            "cooperative_id",
            "required",
            "a cooperative member is given by cooperative_id",
        ),
        PartyBreach::CooperativeIdNotAllowed => ApiError::field(
            "cooperative_id",
            "not_allowed",
            "only cooperative members have a cooperative_id",
        ),
        PartyBreach::NameRequired => {
            ApiError::field("name", "required", "this member is given by name")
        }
    }
}

/// Adds a member to federation `id`, under the federation's lock. A union cooperative takes
/// only cooperatives; a cooperative must exist, still operate and not be a member yet (409);
/// at most one lead (409).
pub fn add_member(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: FederationMemberCreate,
) -> ApiResult<FederationMemberOut> {
    caller.require(Resource::Federations, Access::Write)?;
    let federation = lock_federation(conn, id)?;
    if !rules::accepts(federation.kind, body.member_kind) {
        return Err(ApiError::field(
            "member_kind",
            "not_allowed",
            "a union cooperative's members are cooperatives",
        ));
    }
    let party = rules::party(body.member_kind, body.cooperative_id, body.name.as_deref())
        .map_err(party_error)?;
    let (cooperative_id, name) = match party {
        Party::Cooperative(coop_id) => {
            let c = coop::find(conn, &CoopScope::All, coop_id)
                .optional()?
                .ok_or_else(|| {
                    ApiError::field(
                        "cooperative_id",
                        "unknown",
                        format!("there is no cooperative {coop_id}"),
                    )
                })?;
            if !rules::may_join(c.status) {
                return Err(ApiError::field(
                    "cooperative_id",
                    "inactive",
                    format!("cooperative {coop_id} is {}", c.status),
                ));
            }
            if fed::is_member(conn, id, coop_id)? {
                return Err(ApiError::Conflict(format!(
                    "cooperative {coop_id} is already a member of this federation"
                )));
            }
            (Some(coop_id), c.name)
        }
        Party::Named(name) => (None, name.to_string()),
    };
    let role = body.role.unwrap_or(MemberRole::Member);
    let has_lead = fed::member_stats(conn, &[id])?
        .get(&id)
        .is_some_and(|s| s.has_lead);
    if !rules::role_free(role, has_lead) {
        return Err(ApiError::Conflict(
            "the federation already has a lead member".into(),
        ));
    }
    let at = now();
    let member = fed::insert_member(
        conn,
        &NewFederationMember {
            federation_id: id,
            member_kind: body.member_kind,
            cooperative_id,
            name,
            role,
            joined_on: body.joined_on.unwrap_or(at.date()),
            created_at: at,
        },
    )?;
    fed::touch(conn, id, at)?;
    let out = FederationMemberOut::from(member);
    audit::record(
        conn,
        &caller.actor(),
        "add_member",
        "federation",
        &id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of federation `id`'s members, in the order they were added.
pub fn list_members(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<FederationMemberOut>> {
    caller.require(Resource::Federations, Access::Read)?;
    let page = page.page()?;
    fed::find(conn, id)?;
    let list = page.load(
        conn,
        |conn, after, n| fed::members(conn, id, after, n),
        |conn| fed::member_count(conn, id),
        |m| m.id,
    )?;
    Ok(list.map(FederationMemberOut::from))
}

/// Removes one membership, keeping an active union at three cooperatives (409).
pub fn remove_member(conn: &mut DbConn, caller: &Caller, id: i64, member_id: i64) -> ApiResult<()> {
    caller.require(Resource::Federations, Access::Write)?;
    remove(conn, &caller.actor(), id, member_id)
}

/// Removes the membership named by `member_id` or by the member cooperative's id (exactly
/// one of them, else 422).
pub fn remove_member_by_query(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    params: &RemoveMemberParams,
) -> ApiResult<()> {
    caller.require(Resource::Federations, Access::Write)?;
    let member_id = match (params.member_id, params.cooperative_id) {
        (Some(m), None) => m,
        (None, Some(c)) => fed::member_id_of_cooperative(conn, id, c)?,
        _ => {
            return Err(ApiError::field(
                "member_id",
                "one_of",
                "give member_id or cooperative_id (one of them)",
            ))
        }
    };
    remove(conn, &caller.actor(), id, member_id)
}

fn remove(conn: &mut DbConn, actor: &Actor, id: i64, member_id: i64) -> ApiResult<()> {
    let federation = lock_federation(conn, id)?;
    let member = fed::find_member(conn, id, member_id)?;
    let stats = fed::member_stats(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    rules::check_removal(
        federation.kind,
        federation.status,
        member.member_kind,
        stats.cooperatives,
    )
    .map_err(|e| ApiError::Conflict(e.to_string()))?;
    fed::delete_member(conn, member_id)?;
    fed::touch(conn, id, now())?;
    audit::record(
        conn,
        actor,
        "remove_member",
        "federation",
        &id.to_string(),
        Some(&FederationMemberOut::from(member)),
        None::<&()>,
    )?;
    Ok(())
}
