//! Federations (联合社) and industrial consortia (产业化联合体): create, read, list, change,
//! activate; their members; and the view by specialty industry.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::policy::CoopScope;
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative as coop;
use crate::db::models::federation::{
    self as fed, Federation, FederationChanges, FederationFilter, FederationMember, MemberStats,
    NewFederation, NewFederationMember,
};
use crate::db::models::{now, reference};
use crate::db::DbConn;
use crate::domain::cooperative::CoopStatus;
use crate::domain::federation::{
    self as rules, FederationKind, FederationStatus, MemberKind, MemberRole,
};
use crate::domain::uscc;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    // `by-industry` before `{id}`, so the literal path wins.
    cfg.service(federations_by_industry)
        .service(create_federation)
        .service(list_federations)
        .service(get_federation)
        .service(patch_federation)
        .service(activate_federation)
        .service(add_member)
        .service(list_members)
        .service(remove_member)
        .service(remove_member_by_query);
}

pub const BASE_PATH: &str = "/api/v1/federations";

/// A new federation or consortium.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "南川区古树茶专业合作社联合社",
    "kind": "union_cooperative",
    "industry_code": "ancient_tree_tea",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110"
}))]
pub struct FederationCreate {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub kind: FederationKind,
    /// The industry it organises (`GET /api/v1/industries`).
    #[validate(length(min = 1, max = 50))]
    pub industry_code: String,
    /// Required for a `union_cooperative` (a registered cooperative: starts `93` and the
    /// region code); optional for a consortium, checked as any USCC.
    pub uscc: Option<String>,
    /// Its seat, a town of `GET /api/v1/towns`.
    #[validate(length(min = 1, max = 20))]
    pub town_code: Option<String>,
}

/// Changes to a federation; absent fields stay as they are, `null` clears `uscc` of a
/// consortium or `town_code`. The kind never changes.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "南川区古树茶产业化联合体", "town_code": null}))]
pub struct FederationPatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 50))]
    pub industry_code: Option<String>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub town_code: Option<Option<String>>,
}

/// A federation or consortium.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "name": "南川区古树茶专业合作社联合社",
    "kind": "union_cooperative",
    "industry_code": "ancient_tree_tea",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "status": "active",
    "activated_on": "2026-11-27",
    "member_count": 3,
    "cooperative_member_count": 3,
    "has_lead": true,
    "version": 5,
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct FederationOut {
    pub id: i64,
    pub name: String,
    pub kind: FederationKind,
    pub industry_code: String,
    pub uscc: Option<String>,
    pub town_code: Option<String>,
    /// `forming` until activated.
    pub status: FederationStatus,
    pub activated_on: Option<NaiveDate>,
    /// Members of every kind.
    pub member_count: i64,
    /// Members that are registered cooperatives (a union cooperative needs ≥3 to activate).
    pub cooperative_member_count: i64,
    /// Whether a member has the `lead` role.
    pub has_lead: bool,
    /// Increases with every change (members included); sent as the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FederationOut {
    pub fn new(f: Federation, stats: MemberStats) -> Self {
        FederationOut {
            id: f.id,
            name: f.name,
            kind: FederationKind::parse(&f.kind).unwrap_or(FederationKind::IndustrialConsortium),
            industry_code: f.industry_code,
            uscc: f.uscc,
            town_code: f.town_code,
            status: FederationStatus::parse(&f.status).unwrap_or(FederationStatus::Forming),
            activated_on: f.activated_on,
            member_count: stats.members,
            cooperative_member_count: stats.cooperatives,
            has_lead: stats.has_lead,
            version: f.version,
            created_at: f.created_at.and_utc(),
            updated_at: f.updated_at.and_utc(),
        }
    }

    pub fn load(conn: &mut DbConn, f: Federation) -> ApiResult<Self> {
        let stats = fed::member_stats(conn, &[f.id])?
            .remove(&f.id)
            .unwrap_or_default();
        Ok(Self::new(f, stats))
    }
}

/// Filters of the federation list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FederationFilterParams {
    pub kind: Option<FederationKind>,
    /// Only this industry code.
    #[validate(length(max = 50))]
    pub industry: Option<String>,
    /// Only federations seated in this town.
    #[validate(length(max = 20))]
    pub town_code: Option<String>,
    pub status: Option<FederationStatus>,
}

/// A new member.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_kind": "cooperative", "cooperative_id": 12, "role": "lead"}))]
pub struct MemberCreate {
    pub member_kind: MemberKind,
    /// Required for `cooperative` members (a cooperative of the registry, not merged or
    /// deregistered), absent otherwise.
    pub cooperative_id: Option<i64>,
    /// Required for companies, family farms and smallholders; for a cooperative the name is
    /// taken from the registry.
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// `member` when absent; at most one `lead` per federation.
    pub role: Option<MemberRole>,
    /// Date of joining; today when absent, never in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: Option<NaiveDate>,
}

/// A member of a federation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "federation_id": 1, "member_kind": "cooperative", "cooperative_id": 12,
    "name": "南川区金山镇古树茶专业合作社", "role": "lead", "joined_on": "2026-11-27",
    "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct MemberOut {
    pub id: i64,
    pub federation_id: i64,
    pub member_kind: MemberKind,
    pub cooperative_id: Option<i64>,
    pub name: String,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<FederationMember> for MemberOut {
    fn from(m: FederationMember) -> Self {
        MemberOut {
            id: m.id,
            federation_id: m.federation_id,
            member_kind: MemberKind::parse(&m.member_kind).unwrap_or(MemberKind::Company),
            cooperative_id: m.cooperative_id,
            name: m.name,
            role: MemberRole::parse(&m.role).unwrap_or(MemberRole::Member),
            joined_on: m.joined_on,
            created_at: m.created_at.and_utc(),
        }
    }
}

/// One federation, briefly, in the by-industry view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FederationBrief {
    pub id: i64,
    pub name: String,
    pub kind: FederationKind,
    pub status: FederationStatus,
}

/// The federations of one industry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndustryFederations {
    pub industry_code: String,
    pub name: String,
    /// One of the district's specialty industries (the pilot's target: one federation each).
    pub specialty: bool,
    /// Every federation and consortium of the industry, forming or active.
    pub federations: Vec<FederationBrief>,
    pub active_union_cooperatives: i64,
    pub active_industrial_consortia: i64,
    /// At least one active federation or consortium.
    pub covered: bool,
}

/// Federations and consortia per industry, and the specialty industries still without one.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"industry_code": "ancient_tree_tea", "name": "古树茶", "specialty": true,
        "federations": [{"id": 1, "name": "南川区古树茶专业合作社联合社", "kind": "union_cooperative", "status": "active"}],
        "active_union_cooperatives": 1, "active_industrial_consortia": 0, "covered": true}],
    "specialty_total": 5,
    "specialty_covered": 1,
    "specialty_industries_without_federation": ["herbal_medicine", "square_bamboo_shoot", "nanchuan_rice", "blueberry"]
}))]
pub struct FederationsByIndustry {
    /// Every industry, specialty ones first (reference order).
    pub items: Vec<IndustryFederations>,
    pub specialty_total: i64,
    /// Specialty industries with at least one active federation or consortium.
    pub specialty_covered: i64,
    /// Specialty industry codes with no active federation or consortium yet.
    pub specialty_industries_without_federation: Vec<String>,
}

fn uscc_error(e: uscc::UsccError) -> ApiError {
    ApiError::field("uscc", e.code(), e.to_string())
}

/// Checks and normalises a USCC for this kind of federation.
fn checked_uscc(kind: FederationKind, value: &str, region: &str) -> ApiResult<String> {
    match kind {
        FederationKind::UnionCooperative => {
            uscc::validate_cooperative(value, region).map_err(uscc_error)
        }
        FederationKind::IndustrialConsortium => uscc::normalize(value).map_err(uscc_error),
    }
}

fn check_industry(conn: &mut DbConn, code: &str) -> ApiResult<()> {
    if reference::unknown_industries(conn, &[code.to_string()])?.is_empty() {
        Ok(())
    } else {
        Err(ApiError::field(
            "industry_code",
            "unknown_code",
            format!("{code} is not an industry code"),
        ))
    }
}

fn check_town(conn: &mut DbConn, code: &str) -> ApiResult<()> {
    if reference::town_exists(conn, code)? {
        Ok(())
    } else {
        Err(ApiError::field(
            "town_code",
            "unknown_code",
            format!("{code} is not a town of this district"),
        ))
    }
}

fn find_federation(conn: &mut DbConn, id: i64) -> ApiResult<Federation> {
    Ok(fed::find(conn, id)?)
}

/// Locks the federation for this write transaction, then reads it (404 when missing).
fn lock_federation(conn: &mut DbConn, id: i64) -> ApiResult<Federation> {
    if !fed::lock(conn, id)? {
        return Err(ApiError::NotFound);
    }
    find_federation(conn, id)
}

/// Register a federation or consortium.
#[utoipa::path(
    tag = "federations",
    operation_id = "createFederation",
    summary = "Register a federation or industrial consortium",
    description = "Registers a union cooperative (联合社, with its own USCC of a farmers' cooperative of this region) or an industrial consortium (产业化联合体: company + cooperative + family farm + smallholder). It starts `forming`; add members, then `activate`. District admins only.",
    request_body = FederationCreate,
    responses(
        (status = 201, description = "Registered", body = FederationOut,
            headers(("Location" = String, description = "The new federation's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district may register federations"),
        (status = 409, description = "The USCC belongs to another federation or cooperative"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (kind, USCC, industry, town…)")
    )
)]
#[post("/federations")]
pub async fn create_federation(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<FederationCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Write)?;
    let body = body.0;
    let code = match (&body.uscc, body.kind) {
        (Some(u), kind) => Some(checked_uscc(kind, u, &state.settings.region_code)?),
        (None, FederationKind::UnionCooperative) => {
            return Err(ApiError::field(
                "uscc",
                "required",
                "a union cooperative is registered with its own USCC",
            ))
        }
        (None, FederationKind::IndustrialConsortium) => None,
    };
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            check_industry(conn, &body.industry_code)?;
            if let Some(t) = &body.town_code {
                check_town(conn, t)?;
            }
            if let Some(c) = &code {
                if fed::uscc_taken(conn, c, None)? {
                    return Err(ApiError::Conflict(format!(
                        "USCC {c} already belongs to another federation or cooperative"
                    )));
                }
            }
            let at = now();
            let created = fed::insert(
                conn,
                &NewFederation {
                    name: body.name.trim().to_string(),
                    kind: body.kind.as_str().into(),
                    industry_code: body.industry_code,
                    uscc: code,
                    town_code: body.town_code,
                    status: FederationStatus::Forming.as_str().into(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            let out = FederationOut::new(created, MemberStats::default());
            audit::record(
                conn,
                &actor,
                "create",
                "federation",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    let location = format!("{BASE_PATH}/{}", out.id);
    Ok(with_etag(
        HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .take(),
        out.version,
        &out,
    ))
}

/// List federations.
#[utoipa::path(
    tag = "federations",
    operation_id = "listFederations",
    summary = "List federations and consortia",
    description = "Every federation and consortium of the district, in registration order, with filters and cursor paging.",
    params(FederationFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<FederationOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read federations"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/federations")]
pub async fn list_federations(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<FederationFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Read)?;
    let page = page.page()?;
    let filter = FederationFilter {
        kind: filters.kind.map(|k| k.as_str().into()),
        industry: filters.industry.clone(),
        town_code: filters.town_code.clone(),
        status: filters.status.map(|s| s.as_str().into()),
    };
    let list = state
        .db(move |conn| {
            let rows = fed::list(conn, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(fed::count(conn, &filter)?)
            } else {
                None
            };
            let list = ListResponse::from_rows(rows, page, total, |f| f.id);
            let ids: Vec<i64> = list.items.iter().map(|f| f.id).collect();
            let mut stats = fed::member_stats(conn, &ids)?;
            Ok(list.map(|f| {
                let s = stats.remove(&f.id).unwrap_or_default();
                FederationOut::new(f, s)
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Federations per industry.
#[utoipa::path(
    tag = "federations",
    operation_id = "getFederationsByIndustry",
    summary = "Federations and consortia per industry",
    description = "For every industry, its federations and consortia; and which specialty industries still have no active one (the pilot's target is at least one per specialty industry).",
    responses(
        (status = 200, description = "The view", body = FederationsByIndustry),
        (status = 403, description = "The role may not read federations")
    )
)]
#[get("/federations/by-industry")]
pub async fn federations_by_industry(
    state: web::Data<AppState>,
    user: Caller,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Read)?;
    let out = state.db(by_industry).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Builds the by-industry view (also for the pilot dashboard).
pub fn by_industry(conn: &mut DbConn) -> ApiResult<FederationsByIndustry> {
    let industries = reference::all_industries(conn)?;
    let federations = fed::all(conn)?;
    let mut per: HashMap<String, Vec<Federation>> = HashMap::new();
    for f in federations {
        per.entry(f.industry_code.clone()).or_default().push(f);
    }
    let mut items = Vec::new();
    let (mut specialty_total, mut specialty_covered) = (0, 0);
    let mut without = Vec::new();
    let mut ordered: Vec<_> = industries.into_iter().enumerate().collect();
    ordered.sort_by_key(|(i, ind)| (!ind.specialty, *i));
    for (_, ind) in ordered {
        let feds = per.remove(&ind.code).unwrap_or_default();
        let active = |k: FederationKind| {
            feds.iter()
                .filter(|f| f.status == FederationStatus::Active.as_str() && f.kind == k.as_str())
                .count() as i64
        };
        let unions = active(FederationKind::UnionCooperative);
        let consortia = active(FederationKind::IndustrialConsortium);
        let covered = unions + consortia > 0;
        if ind.specialty {
            specialty_total += 1;
            if covered {
                specialty_covered += 1;
            } else {
                without.push(ind.code.clone());
            }
        }
        items.push(IndustryFederations {
            industry_code: ind.code,
            name: ind.name,
            specialty: ind.specialty,
            federations: feds
                .into_iter()
                .map(|f| FederationBrief {
                    id: f.id,
                    name: f.name,
                    kind: FederationKind::parse(&f.kind)
                        .unwrap_or(FederationKind::IndustrialConsortium),
                    status: FederationStatus::parse(&f.status).unwrap_or(FederationStatus::Forming),
                })
                .collect(),
            active_union_cooperatives: unions,
            active_industrial_consortia: consortia,
            covered,
        });
    }
    Ok(FederationsByIndustry {
        items,
        specialty_total,
        specialty_covered,
        specialty_industries_without_federation: without,
    })
}

/// Get one federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "getFederation",
    summary = "Get a federation",
    description = "One federation or consortium with its member counts and `ETag`.",
    params(("id" = i64, Path, description = "Federation id")),
    responses(
        (status = 200, description = "The federation", body = FederationOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read federations"),
        (status = 404, description = "No such federation")
    )
)]
#[get("/federations/{id}")]
pub async fn get_federation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            let f = find_federation(conn, id)?;
            FederationOut::load(conn, f)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "updateFederation",
    summary = "Change a federation",
    description = "Send only the fields to change (`null` clears `town_code`, or a consortium's `uscc`; a union cooperative keeps a USCC). With `If-Match` the change applies only to that version (else 412). District admins only.",
    params(
        ("id" = i64, Path, description = "Federation id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = FederationPatch,
    responses(
        (status = 200, description = "Changed", body = FederationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district may change federations"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "The USCC belongs to another federation or cooperative"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/federations/{id}")]
pub async fn patch_federation(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<FederationPatch>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Write)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let patch = body.0;
    let region = state.settings.region_code.clone();
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = find_federation(conn, id)?;
            check_version(demanded, current.version)?;
            let kind = FederationKind::parse(&current.kind)
                .ok_or_else(|| ApiError::internal("unknown federation kind stored"))?;
            let new_uscc = match &patch.uscc {
                None => None,
                Some(None) if kind == FederationKind::UnionCooperative => {
                    return Err(ApiError::field(
                        "uscc",
                        "required",
                        "a union cooperative keeps its USCC",
                    ))
                }
                Some(None) => Some(None),
                Some(Some(u)) => {
                    let code = checked_uscc(kind, u, &region)?;
                    if fed::uscc_taken(conn, &code, Some(id))? {
                        return Err(ApiError::Conflict(format!(
                            "USCC {code} already belongs to another federation or cooperative"
                        )));
                    }
                    Some(Some(code))
                }
            };
            if let Some(code) = &patch.industry_code {
                check_industry(conn, code)?;
            }
            if let Some(Some(t)) = &patch.town_code {
                check_town(conn, t)?;
            }
            let before = FederationOut::load(conn, current.clone())?;
            let changes = FederationChanges {
                name: patch.name.map(|s| s.trim().to_string()),
                industry_code: patch.industry_code,
                uscc: new_uscc,
                town_code: patch.town_code,
            };
            let updated = fed::update(conn, id, current.version, &changes, now())?
                .ok_or(ApiError::PreconditionFailed)?;
            let after = FederationOut::load(conn, updated)?;
            audit::record(
                conn,
                &actor,
                "update",
                "federation",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Activate a federation.
#[utoipa::path(
    tag = "federations",
    operation_id = "activateFederation",
    summary = "Activate a federation",
    description = "Moves a `forming` federation to `active`. A union cooperative needs at least 3 member cooperatives (else 409, the count in the detail); an industrial consortium needs a `lead` member. District admins only.",
    params(("id" = i64, Path, description = "Federation id")),
    responses(
        (status = 200, description = "Activated", body = FederationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "Only the district may activate federations"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "Already active, too few member cooperatives, or no lead")
    )
)]
#[post("/federations/{id}/activate")]
pub async fn activate_federation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Write)?;
    let id = path.into_inner();
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = lock_federation(conn, id)?;
            let before = FederationOut::load(conn, current)?;
            rules::check_activation(
                before.kind,
                before.status,
                before.cooperative_member_count,
                before.has_lead,
            )
            .map_err(|e| ApiError::Conflict(e.to_string()))?;
            let at = now();
            let updated = fed::activate(conn, id, at.date(), at)?;
            let after = FederationOut::load(conn, updated)?;
            audit::record(
                conn,
                &actor,
                "activate",
                "federation",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Add a member.
#[utoipa::path(
    tag = "federations",
    operation_id = "addFederationMember",
    summary = "Add a member to a federation",
    description = "Adds a cooperative (by `cooperative_id`), or for a consortium a company, family farm or smallholder (by `name`). A union cooperative takes only cooperatives. A cooperative appears at most once per federation, and a federation has at most one `lead` (409). District admins only.",
    params(("id" = i64, Path, description = "Federation id")),
    request_body = MemberCreate,
    responses(
        (status = 201, description = "Added", body = MemberOut,
            headers(("Location" = String, description = "The federation's member list"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation"),
        (status = 409, description = "The cooperative is already a member, or a lead exists"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (member_kind, cooperative_id, name, role…)")
    )
)]
#[post("/federations/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<MemberCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Write)?;
    let id = path.into_inner();
    let body = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let federation = lock_federation(conn, id)?;
            let kind = FederationKind::parse(&federation.kind)
                .ok_or_else(|| ApiError::internal("unknown federation kind stored"))?;
            if !rules::accepts(kind, body.member_kind) {
                return Err(ApiError::field(
                    "member_kind",
                    "not_allowed",
                    "a union cooperative's members are cooperatives",
                ));
            }
            let (cooperative_id, name) = if body.member_kind == MemberKind::Cooperative {
                let coop_id = body.cooperative_id.ok_or_else(|| {
                    ApiError::field(
                        "cooperative_id",
                        "required",
                        "a cooperative member is given by cooperative_id",
                    )
                })?;
                let c = coop::find(conn, &CoopScope::All, coop_id)
                    .optional()?
                    .ok_or_else(|| {
                        ApiError::field(
                            "cooperative_id",
                            "unknown",
                            format!("there is no cooperative {coop_id}"),
                        )
                    })?;
                if matches!(c.status, CoopStatus::Merged | CoopStatus::Deregistered) {
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
            } else {
                if body.cooperative_id.is_some() {
                    return Err(ApiError::field(
                        "cooperative_id",
                        "not_allowed",
                        "only cooperative members have a cooperative_id",
                    ));
                }
                let name = body
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        ApiError::field("name", "required", "this member is given by name")
                    })?;
                (None, name.to_string())
            };
            let role = body.role.unwrap_or(MemberRole::Member);
            if role == MemberRole::Lead
                && fed::member_stats(conn, &[id])?
                    .get(&id)
                    .is_some_and(|s| s.has_lead)
            {
                return Err(ApiError::Conflict(
                    "the federation already has a lead member".into(),
                ));
            }
            let at = now();
            let member = fed::insert_member(
                conn,
                &NewFederationMember {
                    federation_id: id,
                    member_kind: body.member_kind.as_str().into(),
                    cooperative_id,
                    name,
                    role: role.as_str().into(),
                    joined_on: body.joined_on.unwrap_or(at.date()),
                    created_at: at,
                },
            )?;
            fed::touch(conn, id, at)?;
            let out = MemberOut::from(member);
            audit::record(
                conn,
                &actor,
                "add_member",
                "federation",
                &id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/members")))
        .json(out))
}

/// List members.
#[utoipa::path(
    tag = "federations",
    operation_id = "listFederationMembers",
    summary = "List a federation's members",
    description = "The members in the order they were added, with cursor paging.",
    params(("id" = i64, Path, description = "Federation id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<MemberOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read federations"),
        (status = 404, description = "No such federation"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/federations/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Read)?;
    let id = path.into_inner();
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            find_federation(conn, id)?;
            let rows = fed::members(conn, id, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(fed::member_count(conn, id)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |m| m.id).map(MemberOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Remove a member.
#[utoipa::path(
    tag = "federations",
    operation_id = "removeFederationMember",
    summary = "Remove a member from a federation",
    description = "Removes a member. An active union cooperative keeps at least 3 member cooperatives (else 409). District admins only.",
    params(
        ("id" = i64, Path, description = "Federation id"),
        ("member_id" = i64, Path, description = "Member id")
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An id is not a number"),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation or member"),
        (status = 409, description = "The active union cooperative would keep fewer than 3 cooperatives")
    )
)]
#[delete("/federations/{id}/members/{member_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Federations, Access::Write)?;
    let (id, member_id) = path.into_inner();
    let actor = Actor::from(&user);
    state
        .db_write(move |conn| remove(conn, &actor, id, member_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes one member (in the caller's transaction), keeping an active union at ≥ 3.
fn remove(conn: &mut DbConn, actor: &Actor, id: i64, member_id: i64) -> ApiResult<()> {
    let federation = lock_federation(conn, id)?;
    let member = fed::find_member(conn, id, member_id)?;
    let stats = fed::member_stats(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    let kind = FederationKind::parse(&federation.kind)
        .ok_or_else(|| ApiError::internal("unknown federation kind stored"))?;
    let status = FederationStatus::parse(&federation.status)
        .ok_or_else(|| ApiError::internal("unknown federation status stored"))?;
    let member_kind = MemberKind::parse(&member.member_kind)
        .ok_or_else(|| ApiError::internal("unknown member kind stored"))?;
    rules::check_removal(kind, status, member_kind, stats.cooperatives)
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    fed::delete_member(conn, member_id)?;
    fed::touch(conn, id, now())?;
    audit::record(
        conn,
        actor,
        "remove_member",
        "federation",
        &id.to_string(),
        Some(&MemberOut::from(member)),
        None::<&()>,
    )?;
    Ok(())
}

/// Which member to remove, on the collection path.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveMemberParams {
    /// The membership's id.
    pub member_id: Option<i64>,
    /// Or the member cooperative's id.
    pub cooperative_id: Option<i64>,
}

/// Remove a member, named in the query.
#[utoipa::path(
    tag = "federations",
    operation_id = "removeFederationMemberByQuery",
    summary = "Remove a member from a federation (by member or cooperative id)",
    description = "The contract's `DELETE /federations/{id}/members`: name the membership with `member_id` or the member cooperative with `cooperative_id` (one of them). Same rules as removing by path: an active union cooperative keeps at least 3 member cooperatives (else 409). District admins only.",
    params(("id" = i64, Path, description = "Federation id"), RemoveMemberParams),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "An id is not a number"),
        (status = 403, description = "Only the district may change members"),
        (status = 404, description = "No such federation or member"),
        (status = 409, description = "The active union cooperative would keep fewer than 3 cooperatives"),
        (status = 422, description = "Neither or both of member_id and cooperative_id given")
    )
)]
#[delete("/federations/{id}/members")]
pub async fn remove_member_by_query(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    params: ValidQuery<RemoveMemberParams>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    user.require(Resource::Federations, Access::Write)?;
    let id = path.into_inner();
    let p = params.0;
    let actor = Actor::from(&user);
    state
        .db_write(move |conn| {
            let member_id = match (p.member_id, p.cooperative_id) {
                (Some(m), None) => m,
                (None, Some(c)) => {
                    use crate::db::schema::federation_members as fm;
                    fm::table
                        .filter(fm::federation_id.eq(id))
                        .filter(fm::cooperative_id.eq(c))
                        .select(fm::id)
                        .first::<i64>(conn)?
                }
                _ => {
                    return Err(ApiError::field(
                        "member_id",
                        "one_of",
                        "give member_id or cooperative_id (one of them)",
                    ))
                }
            };
            remove(conn, &actor, id, member_id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
