//! Supervision (监管): classification assessments, the abnormal-operation list, mergers.

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::models::supervision::{self as sup, CandidateFilter, NewAssessment};
use crate::db::models::{federation, meeting, member, merger as merger_db, now, today};
use crate::db::DbConn;
use crate::domain::classification;
use crate::domain::cooperative::CoopStatus;
use crate::domain::meeting::ResolutionSubject;
use crate::domain::merger::{self, MembershipStep, MergerBreach, Sides};
use crate::domain::scope::CoopScope;
use crate::domain::supervision::{self as rules, ListingBreach};
use crate::error::{ApiError, ApiResult};
use crate::pii::Keyring;
use crate::service::cooperatives::{ensure_operating, set_derived, set_derived_on, view};
use crate::views::cooperatives::CooperativeOut;
use crate::views::members::MemberOut;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::supervision::{
    AbnormalIn, AbnormalListingOut, AssessmentIn, AssessmentOut, CandidateParams, CandidatesOut,
    DeregisterIn, DeregisteredOut, LiftParams, MergeOut,
};

// ------------------------------------------------------------------------------ assessments

/// Records an assessment; the checklist gives the tier, which the cooperative then carries.
pub fn assess(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: AssessmentIn,
) -> ApiResult<AssessmentOut> {
    caller.require(Resource::Supervision, Access::Write)?;
    let actor = caller.actor();
    let current = caller.cooperative(conn, id)?;
    ensure_operating(&current)?;
    let c = body.checklist;
    let tier = classification::tier(&c);
    let created = sup::insert_assessment(
        conn,
        &NewAssessment {
            cooperative_id: id,
            charter: c.charter,
            bodies: c.bodies,
            member_ledger: c.member_ledger,
            bookkeeping: c.bookkeeping,
            disclosure: c.disclosure,
            annual_report: c.annual_report,
            transaction_distribution: c.transaction_distribution,
            real_operations: c.real_operations,
            passed: c.passed() as i32,
            tier,
            notes: body.notes,
            assessed_by: actor.name.clone(),
            assessed_at: now(),
        },
    )?;
    let out = AssessmentOut::from(created);
    audit::record(
        conn,
        &actor,
        "create",
        "assessment",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    set_derived(conn, &actor, "classify", &current, |c| c.tier = Some(tier))?;
    Ok(out)
}

/// A cooperative's assessments, newest first.
pub fn assessments(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<Vec<AssessmentOut>> {
    caller.require(Resource::Supervision, Access::Read)?;
    caller.cooperative(conn, id)?;
    Ok(sup::assessments_of(conn, id)?
        .into_iter()
        .map(AssessmentOut::from)
        .collect())
}

// ------------------------------------------------------------------------ the abnormal list

fn listing_error(e: ListingBreach, id: i64, date_field: &str) -> ApiError {
    match e {
        ListingBreach::Future => ApiError::field(date_field, "future", "must not be in the future"),
        ListingBreach::NotListable(status) => {
            ApiError::Conflict(format!("cooperative {id} is {status}, not active"))
        }
        ListingBreach::NotListed => {
            ApiError::Conflict(format!("cooperative {id} is not on the abnormal list"))
        }
        ListingBreach::BeforeListing => ApiError::field(
            date_field,
            "before_listing",
            "must not be before the listing",
        ),
    }
}

/// Puts an active cooperative on the abnormal list (default today; not in the future); its
/// status becomes `abnormal`.
pub fn list_abnormal(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: AbnormalIn,
) -> ApiResult<AbnormalListingOut> {
    caller.require(Resource::Supervision, Access::Write)?;
    let on = body.listed_on.unwrap_or_else(today);
    rules::check_listing_date(on, today()).map_err(|e| listing_error(e, id, "listed_on"))?;
    let actor = caller.actor();
    let current = caller.cooperative(conn, id)?;
    rules::may_list(current.status).map_err(|e| listing_error(e, id, "listed_on"))?;
    let listing = AbnormalListingOut::from(sup::list_abnormal(
        conn,
        id,
        body.reason.trim(),
        on,
        &actor.name,
    )?);
    audit::record(
        conn,
        &actor,
        "create",
        "abnormal_listing",
        &listing.id.to_string(),
        None::<&()>,
        Some(&listing),
    )?;
    set_derived_on(conn, &actor, "list_abnormal", &current, on, |c| {
        c.status = rules::LISTED
    })?;
    Ok(listing)
}

/// Lifts the listing in force (default today; not in the future nor before the listing); the
/// cooperative's status returns to `active`.
pub fn lift_abnormal(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    params: LiftParams,
) -> ApiResult<AbnormalListingOut> {
    caller.require(Resource::Supervision, Access::Write)?;
    let on = params.lifted_on.unwrap_or_else(today);
    rules::check_listing_date(on, today()).map_err(|e| listing_error(e, id, "lifted_on"))?;
    let actor = caller.actor();
    let current = caller.cooperative(conn, id)?;
    let listing = sup::current_listing(conn, id)?;
    rules::may_lift(current.status, listing.as_ref().map(|l| l.listed_on), on)
        .map_err(|e| listing_error(e, id, "lifted_on"))?;
    let listing =
        listing.ok_or_else(|| listing_error(ListingBreach::NotListed, id, "lifted_on"))?;
    let before = AbnormalListingOut::from(listing.clone());
    let after = AbnormalListingOut::from(sup::lift(
        conn,
        listing.id,
        on,
        params.reason.as_deref(),
        &actor.name,
    )?);
    audit::record(
        conn,
        &actor,
        "lift",
        "abnormal_listing",
        &listing.id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    set_derived_on(conn, &actor, "lift_abnormal", &current, on, |c| {
        c.status = rules::LIFTED
    })?;
    Ok(after)
}

/// Every listing of a cooperative, the one in force first.
pub fn abnormal_history(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> ApiResult<Vec<AbnormalListingOut>> {
    caller.require(Resource::Supervision, Access::Read)?;
    caller.cooperative(conn, id)?;
    Ok(sup::listings_of(conn, id)?
        .into_iter()
        .map(AbnormalListingOut::from)
        .collect())
}

/// The cooperatives in scope that missed the year's filing deadline (default: the latest
/// year whose deadline has passed; a year whose deadline has not passed is a 422).
pub fn candidates(
    conn: &mut DbConn,
    caller: &Caller,
    params: &CandidateParams,
    page: &PageParams,
) -> ApiResult<CandidatesOut> {
    caller.require(Resource::Supervision, Access::Read)?;
    let page = page.page()?;
    let today = today();
    let year = params
        .year
        .unwrap_or_else(|| rules::latest_closed_year(today));
    let due = rules::candidates_deadline(year, today).map_err(|due| {
        ApiError::field(
            "year",
            "deadline_not_passed",
            format!("the deadline for {year} is {due}, which has not passed"),
        )
    })?;
    let scope = caller.coop_scope(conn)?;
    let filter = CandidateFilter {
        year,
        due,
        established_by: rules::established_by(year),
        statuses: rules::CANDIDATE_STATUSES,
        town_code: params.town_code.as_deref(),
    };
    let found = sup::candidates(
        conn,
        &scope,
        &filter,
        page.after,
        page.limit + 1,
        page.count,
    )?;
    let list = ListResponse::from_rows(found.rows, page, found.total, |c| c.id);
    let ids: Vec<i64> = list.items.iter().map(|c| c.id).collect();
    let mut industries = coop::industries_of(conn, &ids)?;
    Ok(CandidatesOut {
        year,
        deadline: due,
        next_cursor: list.next_cursor,
        total: list.total,
        items: list
            .items
            .into_iter()
            .map(|c| {
                let codes = industries.remove(&c.id).unwrap_or_default();
                CooperativeOut::new(c, codes)
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------- mergers

/// The target of a merger: any cooperative in the caller's scope (422 on the field if none).
fn merger_target(conn: &mut DbConn, caller: &Caller, into: i64) -> ApiResult<Cooperative> {
    let scope = caller.coop_scope(conn)?;
    match coop::find(conn, &scope, into) {
        Ok(t) => Ok(t),
        Err(diesel::result::Error::NotFound) => Err(ApiError::field(
            "into_cooperative_id",
            "unknown",
            format!("no cooperative {into}"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The members as the plan compares them: by the blind index of their ID number under the
/// current key (stored; opened and re-indexed only for a row still under an older key,
/// during a rotation), never by the number itself.
fn plan_members(keys: &Keyring, rows: &[member::Member]) -> ApiResult<Vec<merger::Member>> {
    rows.iter()
        .map(|m| {
            let index = match (&m.id_number_index, &m.id_number_key) {
                (Some(index), Some(key)) if key == keys.current().id() => Some(index.clone()),
                _ => crate::service::members::open_id_number(keys, m)?
                    .map(|n| keys.current().blind_index(&n)),
            };
            Ok(merger::Member {
                id: m.id,
                id_number: index,
            })
        })
        .collect()
}

/// A merger is the members' decision (two thirds of all votes): a source that keeps its
/// meetings here needs a passed `merger` resolution of its member (or representative)
/// assembly, else 409. A source with no meeting recorded at all is taken as keeping its
/// minutes on paper: the district records the merger from the registration decision.
fn merger_decided(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    if meeting::count(conn, id)? == 0
        || meeting::passed_assembly_resolution(conn, id, ResolutionSubject::Merger)?.is_some()
    {
        return Ok(());
    }
    Err(ApiError::Conflict(
        "the source cooperative records its meetings, but no assembly passed a merger resolution (two thirds of all votes)".into(),
    ))
}

/// Merges cooperative `id` into `into`, in the transaction it is handed: the plan
/// ([`merger::plan`]) is decided first (a union that would fall below its minimum is a 409
/// and nothing is written), then members move or exit, memberships move or are removed, and
/// the source is marked `merged`.
pub fn merge(conn: &mut DbConn, caller: &Caller, id: i64, into: i64) -> ApiResult<MergeOut> {
    caller.require(Resource::Supervision, Access::Write)?;
    if into == id {
        return Err(ApiError::field(
            "into_cooperative_id",
            "self",
            "a cooperative cannot be merged into itself",
        ));
    }
    let actor = caller.actor();
    let source = caller.cooperative(conn, id)?;
    let target = merger_target(conn, caller, into)?;
    ensure_operating(&source)?;
    ensure_operating(&target)?;
    merger_decided(conn, id)?;

    let source_rows = member::active_of(conn, id)?;
    let keys = crate::pii::keyring()?;
    let source_members = plan_members(&keys, &source_rows)?;
    let target_members = plan_members(&keys, &member::active_of(conn, into)?)?;
    let source_memberships = merger_db::memberships_of(conn, id)?;
    // Lock the federations concerned before reading their members, so that the union rule
    // cannot be raced (PostgreSQL; SQLite serialises writers anyway).
    let federation_ids: Vec<i64> = source_memberships.iter().map(|m| m.federation_id).collect();
    for f in &federation_ids {
        federation::lock(conn, *f)?;
    }
    let target_memberships = merger_db::memberships_of(conn, into)?;
    let federations = merger_db::federations(conn, &federation_ids)?;
    let plan = merger::plan(&Sides {
        source_members: &source_members,
        target_members: &target_members,
        source_memberships: &source_memberships,
        target_memberships: &target_memberships,
        federations: &federations,
    })
    .map_err(|e: MergerBreach| ApiError::Conflict(e.to_string()))?;

    let at = now();
    member::reassign(conn, &plan.moving_members, into, at)?;
    let mut skipped = Vec::with_capacity(plan.exiting_members.len());
    let exiting = source_rows
        .into_iter()
        .filter(|m| plan.exiting_members.contains(&m.id));
    for m in exiting {
        let changes = member::MemberChanges {
            exited_on: Some(today()),
            exit_reason: Some(merger::duplicate_exit_reason(into)),
            version: m.version + 1,
            updated_at: Some(at),
            ..Default::default()
        };
        let exited =
            member::update(conn, m.id, m.version, &changes)?.ok_or(ApiError::PreconditionFailed)?;
        skipped.push(MemberOut::from(exited));
    }
    for step in &plan.memberships {
        federation::touch(conn, step.federation_id(), at)?;
        match step {
            MembershipStep::Moved(m) => {
                merger_db::move_membership(conn, m.id, into, &target.name)?;
            }
            MembershipStep::Merged(m) => {
                federation::delete_member(conn, m.source.id)?;
                if m.target_becomes_lead {
                    merger_db::make_lead(conn, m.target.id)?;
                }
            }
        }
    }
    let merged = set_derived(conn, &actor, "merge", &source, |c| {
        c.status = CoopStatus::Merged;
        c.merged_into_id = Some(into);
    })?;
    let target = coop::find(conn, &CoopScope::All, target.id)?;
    Ok(MergeOut {
        source: view(conn, merged)?,
        target: view(conn, target)?,
        moved_members: plan.moving_members.len() as i64,
        skipped_members: skipped,
        moved_federation_ids: plan.moved_federation_ids(),
        merged_federation_ids: plan.merged_federation_ids(),
    })
}

// --------------------------------------------------------------------------- deregistration

/// Records a cooperative's deregistration (注销, district only): an operating (active or
/// abnormal) cooperative with no loan exposed (approved, disbursed, overdue, defaulted) becomes
/// `deregistered`, a closed book; the date and reason are kept in the audit trail. Merged or
/// deregistered already, or a loan exposed → 409; a date in the future or before it was
/// established → 422.
pub fn deregister(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    body: DeregisterIn,
) -> ApiResult<DeregisteredOut> {
    caller.require(Resource::Supervision, Access::Write)?;
    crate::service::Problems::of(&body).finish()?;
    let actor = caller.actor();
    let current = caller.cooperative(conn, id)?;
    ensure_operating(&current)?;
    if body.deregistered_on < current.established_on {
        return Err(ApiError::field(
            "deregistered_on",
            "before_established",
            "must not be before the cooperative was established",
        ));
    }
    if crate::db::models::books::exposed_loans(conn, id)? > 0 {
        return Err(ApiError::Conflict(
            "the cooperative has loans outstanding (approved, disbursed, overdue or defaulted); settle them first".into(),
        ));
    }
    let reason = body.reason.trim().to_string();
    audit::record(
        conn,
        &actor,
        "deregister",
        "cooperative_deregistration",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"reason": reason, "deregistered_on": body.deregistered_on})),
    )?;
    let done = set_derived_on(
        conn,
        &actor,
        "deregister",
        &current,
        body.deregistered_on,
        |c| {
            c.status = CoopStatus::Deregistered;
        },
    )?;
    Ok(DeregisteredOut {
        cooperative: view(conn, done)?,
        reason,
        deregistered_on: body.deregistered_on,
    })
}
