//! Classification assessments, the abnormal-operation list, and mergers.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::members::MemberOut;
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative::{self as coop, Cooperative};
use crate::db::models::supervision::{self as sup, AbnormalListing, Assessment, NewAssessment};
use crate::db::models::{member, now, today};
use crate::db::schema::{annual_reports, cooperatives};
use crate::domain::annual_report::deadline;
use crate::domain::classification::{self, Checklist};
use crate::domain::cooperative::CoopStatus;
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::ensure_operating;
use crate::service::cooperatives::{self as coop_service, set_derived};
use crate::state::AppState;
use crate::views::cooperatives::CooperativeOut;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_assessment)
        .service(list_assessments)
        .service(list_abnormal)
        .service(lift_abnormal)
        .service(abnormal_history)
        .service(abnormal_candidates)
        .service(merge_cooperative);
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"checklist": {"charter": true, "bodies": true, "member_ledger": true, "bookkeeping": true, "disclosure": false, "annual_report": true, "transaction_distribution": true, "real_operations": true}, "notes": "公开栏未更新"}))]
pub struct AssessmentIn {
    pub checklist: Checklist,
    #[validate(length(max = 2000))]
    pub notes: Option<String>,
}

/// A classification assessment (分类管理); the cooperative's `tier` follows the latest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub checklist: Checklist,
    /// How many of the eight items passed.
    pub passed: i32,
    pub tier: crate::domain::cooperative::Tier,
    pub notes: Option<String>,
    pub assessed_by: String,
    pub assessed_at: DateTime<Utc>,
}

impl From<Assessment> for AssessmentOut {
    fn from(a: Assessment) -> Self {
        AssessmentOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            checklist: Checklist {
                charter: a.charter,
                bodies: a.bodies,
                member_ledger: a.member_ledger,
                bookkeeping: a.bookkeeping,
                disclosure: a.disclosure,
                annual_report: a.annual_report,
                transaction_distribution: a.transaction_distribution,
                real_operations: a.real_operations,
            },
            passed: a.passed,
            tier: crate::domain::cooperative::Tier::parse(&a.tier)
                .unwrap_or(crate::domain::cooperative::Tier::Substandard),
            notes: a.notes,
            assessed_by: a.assessed_by,
            assessed_at: a.assessed_at.and_utc(),
        }
    }
}

/// Assess a cooperative.
#[utoipa::path(
    tag = "supervision",
    operation_id = "createAssessment",
    summary = "Record a classification assessment",
    description = "The eight-item checklist gives the tier: all eight → `standard`, six or seven → `basic`, fewer → `substandard`, and `shell` whenever real operations fail. Kept as history; the cooperative's `tier` follows the latest.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = AssessmentIn,
    responses(
        (status = 201, description = "Recorded", body = AssessmentOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district assesses"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A checklist item is missing or not a boolean")
    )
)]
#[post("/cooperatives/{id}/assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<AssessmentIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Write)?;
    let id = path.into_inner();
    let body = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = user.cooperative(conn, id)?;
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
                    tier: tier.as_str().into(),
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
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// Assessment history.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAssessments",
    summary = "List a cooperative's assessments",
    description = "Every classification assessment of the cooperative, newest first.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The assessments", body = ListResponse<AssessmentOut>),
        (status = 403, description = "The role may not read assessments"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Read)?;
    let id = path.into_inner();
    let items = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            Ok(sup::assessments_of(conn, id)?
                .into_iter()
                .map(AssessmentOut::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "未按期报送2025年度报告", "listed_on": "2026-07-15"}))]
pub struct AbnormalIn {
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
    /// Default today; not in the future.
    pub listed_on: Option<NaiveDate>,
}

/// A listing on the abnormal-operation list (异常名录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AbnormalListingOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub reason: String,
    pub listed_on: NaiveDate,
    pub listed_by: String,
    /// When the listing was lifted (`null` while in force).
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: Option<String>,
    pub lifted_by: Option<String>,
}

impl From<AbnormalListing> for AbnormalListingOut {
    fn from(a: AbnormalListing) -> Self {
        AbnormalListingOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            reason: a.reason,
            listed_on: a.listed_on,
            listed_by: a.listed_by,
            lifted_on: a.lifted_on,
            lift_reason: a.lift_reason,
            lifted_by: a.lifted_by,
        }
    }
}

/// Put on the abnormal list.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormal",
    summary = "Put a cooperative on the abnormal-operation list",
    description = "The cooperative's `status` becomes `abnormal`; it then no longer counts towards the annual-report publication rate.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = AbnormalIn,
    responses(
        (status = 201, description = "Listed", body = AbnormalListingOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district keeps the abnormal list"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is not active (already listed, merged or deregistered)"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The reason is missing or the date is in the future")
    )
)]
#[post("/cooperatives/{id}/abnormal-listing")]
pub async fn list_abnormal(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<AbnormalIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Write)?;
    let id = path.into_inner();
    let body = body.0;
    let on = body.listed_on.unwrap_or_else(today);
    if on > today() {
        return Err(ApiError::field(
            "listed_on",
            "future",
            "must not be in the future",
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = user.cooperative(conn, id)?;
            if current.status != CoopStatus::Active {
                return Err(ApiError::Conflict(format!(
                    "cooperative {id} is {}, not active",
                    current.status
                )));
            }
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
            set_derived(conn, &actor, "list_abnormal", &current, |c| {
                c.status = CoopStatus::Abnormal
            })?;
            Ok(listing)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftParams {
    /// Why the listing is lifted (e.g. the late report was filed).
    #[validate(length(max = 500))]
    pub reason: Option<String>,
    /// Default today; not in the future.
    pub lifted_on: Option<NaiveDate>,
}

/// Lift an abnormal listing.
#[utoipa::path(
    tag = "supervision",
    operation_id = "liftAbnormal",
    summary = "Lift a cooperative's abnormal listing",
    description = "The listing in force is closed and the cooperative's `status` returns to `active`.",
    params(("id" = i64, Path, description = "Cooperative id"), LiftParams),
    responses(
        (status = 200, description = "Lifted", body = AbnormalListingOut),
        (status = 400, description = "A parameter has the wrong type"),
        (status = 403, description = "Only the district keeps the abnormal list"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "The cooperative is not on the list"),
        (status = 422, description = "The date is in the future or before the listing")
    )
)]
#[delete("/cooperatives/{id}/abnormal-listing")]
pub async fn lift_abnormal(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    params: ValidQuery<LiftParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Write)?;
    let id = path.into_inner();
    let params = params.0;
    let on = params.lifted_on.unwrap_or_else(today);
    if on > today() {
        return Err(ApiError::field(
            "lifted_on",
            "future",
            "must not be in the future",
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = user.cooperative(conn, id)?;
            let listing = match (current.status.as_str(), sup::current_listing(conn, id)?) {
                ("abnormal", Some(l)) => l,
                _ => {
                    return Err(ApiError::Conflict(format!(
                        "cooperative {id} is not on the abnormal list"
                    )))
                }
            };
            if on < listing.listed_on {
                return Err(ApiError::field(
                    "lifted_on",
                    "before_listing",
                    "must not be before the listing",
                ));
            }
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
            set_derived(conn, &actor, "lift_abnormal", &current, |c| {
                c.status = CoopStatus::Active
            })?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Abnormal listing history.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormalHistory",
    summary = "List a cooperative's abnormal listings",
    description = "Every listing of the cooperative, the one in force first, with who listed and lifted it.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The listings", body = ListResponse<AbnormalListingOut>),
        (status = 403, description = "The role may not read the abnormal list"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/abnormal-listings")]
pub async fn abnormal_history(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Read)?;
    let id = path.into_inner();
    let items = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            Ok(sup::listings_of(conn, id)?
                .into_iter()
                .map(AbnormalListingOut::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse::all(items)))
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateParams {
    /// The reported year (default: the latest year whose deadline has passed).
    pub year: Option<i32>,
    pub town_code: Option<String>,
}

/// Cooperatives that missed a filing deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidatesOut {
    pub year: i32,
    /// 30 June of the following year.
    pub deadline: NaiveDate,
    /// Active cooperatives established by the year's end without a report submitted by the deadline.
    pub items: Vec<CooperativeOut>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// Candidates for the abnormal list.
#[utoipa::path(
    tag = "supervision",
    operation_id = "listAbnormalCandidates",
    summary = "List cooperatives that missed the annual-report deadline",
    description = "Active cooperatives, established by the end of the year, with no report for that year submitted by 30 June of the following year: the candidates for the abnormal-operation list. Only for years whose deadline has passed (else 422 on `year`).",
    params(CandidateParams, PageParams),
    responses(
        (status = 200, description = "One page of candidates", body = CandidatesOut),
        (status = 400, description = "A parameter has the wrong type"),
        (status = 403, description = "The role may not read the abnormal list"),
        (status = 422, description = "The year's deadline has not passed, or a bad limit or cursor")
    )
)]
#[get("/abnormal-listing-candidates")]
pub async fn abnormal_candidates(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<CandidateParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    user.require(Resource::Supervision, Access::Read)?;
    let page = page.page()?;
    let today = today();
    let latest = if today > deadline(today.year() - 1) {
        today.year() - 1
    } else {
        today.year() - 2
    };
    let year = params.year.unwrap_or(latest);
    let due = deadline(year);
    if today <= due {
        return Err(ApiError::field(
            "year",
            "deadline_not_passed",
            format!("the deadline for {year} is {due}, which has not passed"),
        ));
    }
    let town = params.0.town_code;
    let out = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let filed: Vec<i64> = annual_reports::table
                .filter(annual_reports::year.eq(year))
                .filter(annual_reports::submitted_on.le(due))
                .select(annual_reports::cooperative_id)
                .load(conn)?;
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
            let query = || {
                let mut q = coop::scoped(&scope)
                    .filter(cooperatives::status.eq("active"))
                    .filter(cooperatives::established_on.le(year_end))
                    .filter(cooperatives::id.ne_all(filed.clone()));
                if let Some(t) = &town {
                    q = q.filter(cooperatives::town_code.eq(t.clone()));
                }
                q
            };
            let mut q = query();
            if let Some(a) = page.after {
                q = q.filter(cooperatives::id.gt(a));
            }
            let rows: Vec<Cooperative> = q
                .order(cooperatives::id.asc())
                .limit(page.limit + 1)
                .select(Cooperative::as_select())
                .load(conn)?;
            let total = if page.count {
                Some(query().count().get_result(conn)?)
            } else {
                None
            };
            let list = ListResponse::from_rows(rows, page, total, |c| c.id);
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
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"into_cooperative_id": 12}))]
pub struct MergeIn {
    /// The cooperative that absorbs this one.
    pub into_cooperative_id: i64,
}

/// The outcome of a merger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergeOut {
    /// The merged cooperative (status `merged`).
    pub source: CooperativeOut,
    /// The absorbing cooperative, with its new member counts.
    pub target: CooperativeOut,
    /// Members moved into the target.
    pub moved_members: i64,
    /// Members not moved because the target already has an active member with the same ID number (they are recorded as exited from the source).
    pub skipped_members: Vec<MemberOut>,
    /// Federations whose membership moved from the source to the target.
    pub moved_federation_ids: Vec<i64>,
    /// Federations both already belonged to: the source's membership was removed.
    pub merged_federation_ids: Vec<i64>,
}

/// Merge a cooperative into another.
#[utoipa::path(
    tag = "supervision",
    operation_id = "mergeCooperative",
    summary = "Merge a cooperative into another (兼并/合并)",
    description = "In one transaction: active members move to the target (those whose ID number is already an active member there are not moved and are reported back; they exit the source), federation memberships move too (where both belong to a federation the source's membership is removed; a merger that would leave an active union cooperative below 3 members is a 409), and the source is marked `merged` with `merged_into_id`. Merging into itself is a 422; into or from a merged or deregistered cooperative a 409.",
    params(("id" = i64, Path, description = "The cooperative to merge")),
    request_body = MergeIn,
    responses(
        (status = 200, description = "Merged", body = MergeOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district merges cooperatives"),
        (status = 404, description = "No such cooperative"),
        (status = 409, description = "Source or target is merged or deregistered, or an active union cooperative would fall below 3 members"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The target is the source itself, or does not exist")
    )
)]
#[post("/cooperatives/{id}/merge")]
pub async fn merge_cooperative(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<MergeIn>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Supervision, Access::Write)?;
    let id = path.into_inner();
    let into = body.into_cooperative_id;
    if into == id {
        return Err(ApiError::field(
            "into_cooperative_id",
            "self",
            "a cooperative cannot be merged into itself",
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let source = user.cooperative(conn, id)?;
            let scope = user.coop_scope(conn)?;
            let target = match coop::find(conn, &scope, into) {
                Ok(t) => t,
                Err(diesel::result::Error::NotFound) => {
                    return Err(ApiError::field(
                        "into_cooperative_id",
                        "unknown",
                        format!("no cooperative {into}"),
                    ))
                }
                Err(e) => return Err(e.into()),
            };
            ensure_operating(&source)?;
            ensure_operating(&target)?;
            let at = now();
            let target_ids: Vec<String> = member::active_of(conn, into)?
                .into_iter()
                .filter_map(|m| m.id_number)
                .collect();
            let (skip, moving): (Vec<_>, Vec<_>) = member::active_of(conn, id)?
                .into_iter()
                .partition(|m| m.id_number.as_ref().is_some_and(|n| target_ids.contains(n)));
            let moving_ids: Vec<i64> = moving.iter().map(|m| m.id).collect();
            member::reassign(conn, &moving_ids, into, at)?;
            let mut skipped = Vec::new();
            for m in skip {
                let changes = member::MemberChanges {
                    exited_on: Some(today()),
                    exit_reason: Some(format!(
                        "merged into cooperative {into}, where the member already belongs"
                    )),
                    version: m.version + 1,
                    updated_at: Some(at),
                    ..Default::default()
                };
                let exited = member::update(conn, m.id, m.version, &changes)?
                    .ok_or(ApiError::PreconditionFailed)?;
                skipped.push(MemberOut::from(exited));
            }
            let federations = crate::db::models::federation::move_memberships(conn, id, into)?;
            if let Some(union) = federations.unions_below_minimum.first() {
                return Err(ApiError::Conflict(format!(
                    "the merger would leave the active union cooperative {union} with fewer than 3 member cooperatives"
                )));
            }
            let moved_federation_ids: Vec<i64> = federations.moved.iter().map(|m| m.federation_id).collect();
            let merged_federation_ids: Vec<i64> = federations.skipped.iter().map(|m| m.federation_id).collect();
            let merged = set_derived(conn, &actor, "merge", &source, |c| {
                c.status = CoopStatus::Merged;
                c.merged_into_id = Some(into);
            })?;
            let target = coop::find(conn, &crate::auth::policy::CoopScope::All, target.id)?;
            Ok(MergeOut {
                source: coop_service::view(conn, merged)?,
                target: coop_service::view(conn, target)?,
                moved_members: moving_ids.len() as i64,
                skipped_members: skipped,
                moved_federation_ids,
                merged_federation_ids,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
