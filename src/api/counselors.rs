//! The counselor corps (辅导员): records, coverage of the towns, trainings, guidance visits,
//! yearly evaluations and rankings, and a cooperative's visits.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::http::header;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::password;
use crate::auth::policy::CoopScope;
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative as coop;
use crate::db::models::counselor::CounselorScopeExt;
use crate::db::models::counselor::{
    self as cm, Counselor, CounselorChanges, CounselorFilter, CounselorScope, Evaluation,
    NewCounselor, NewEvaluation, NewTraining, NewVisit, Training, Visit,
};
use crate::db::models::{now, reference, user};
use crate::db::DbConn;
use crate::domain::counselor::{self as rules, CounselorLevel, CounselorSource, Rating};
use crate::domain::phone;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::check_version;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    // Literal paths before `{id}`.
    cfg.service(coverage)
        .service(rankings)
        .service(create_counselor)
        .service(list_counselors)
        .service(get_counselor)
        .service(patch_counselor)
        .service(create_login)
        .service(add_training)
        .service(list_trainings)
        .service(add_visit)
        .service(list_visits)
        .service(put_evaluation)
        .service(list_evaluations)
        .service(cooperative_visits);
}

pub const BASE_PATH: &str = "/api/v1/counselors";

fn validate_texts(items: &[String]) -> Result<(), ValidationError> {
    if items
        .iter()
        .any(|t| t.trim().is_empty() || t.chars().count() > 200)
    {
        return Err(ValidationError::new("blank")
            .with_message("entries must be non-blank and at most 200 characters".into()));
    }
    Ok(())
}

/// A new counselor.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王辅导",
    "phone": "13900000000",
    "source": "agri_tech_instructor",
    "level": "town",
    "town_codes": ["500119110"]
}))]
pub struct CounselorCreate {
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// A mobile number: 11 digits starting with 1, optionally `+86`.
    #[validate(custom(function = "crate::views::validators::phone"))]
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    /// The towns covered (`GET /api/v1/towns`): at least one. A counselor's login reads these
    /// towns' cooperatives.
    #[validate(length(min = 1, max = 40))]
    pub town_codes: Vec<String>,
    /// A district counselor's area (片区), by name; only for `level: district`.
    #[validate(length(min = 1, max = 100))]
    pub area: Option<String>,
}

/// Changes to a counselor; absent fields stay as they are (`area: null` clears the area).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"town_codes": ["500119110", "500119111"], "active": true}))]
pub struct CounselorPatch {
    #[validate(length(min = 1, max = 50))]
    pub name: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    pub phone: Option<String>,
    pub source: Option<CounselorSource>,
    pub level: Option<CounselorLevel>,
    #[validate(length(min = 1, max = 40))]
    pub town_codes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub area: Option<Option<String>>,
    /// An inactive counselor covers no town, records no visits, and its login reads no
    /// cooperative.
    pub active: Option<bool>,
}

/// A counselor.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "name": "王辅导", "phone": "13900000000", "source": "agri_tech_instructor",
    "level": "town", "area": null, "town_codes": ["500119110"], "active": true, "version": 1,
    "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct CounselorOut {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    pub area: Option<String>,
    pub town_codes: Vec<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CounselorOut {
    pub fn new(c: Counselor, town_codes: Vec<String>) -> Self {
        CounselorOut {
            id: c.id,
            name: c.name,
            phone: c.phone,
            source: CounselorSource::parse(&c.source).unwrap_or(CounselorSource::Other),
            level: CounselorLevel::parse(&c.level).unwrap_or(CounselorLevel::Town),
            area: c.area,
            town_codes,
            active: c.active,
            version: c.version,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }

    pub fn load(conn: &mut DbConn, c: Counselor) -> ApiResult<Self> {
        let towns = cm::towns_of(conn, &[c.id])?
            .remove(&c.id)
            .unwrap_or_default();
        Ok(Self::new(c, towns))
    }
}

/// Filters of the counselor list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounselorFilterParams {
    /// Only counselors covering this town.
    #[validate(length(max = 20))]
    pub town_code: Option<String>,
    pub level: Option<CounselorLevel>,
    pub source: Option<CounselorSource>,
    pub active: Option<bool>,
}

/// A counselor, briefly.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounselorBrief {
    pub id: i64,
    pub name: String,
    pub level: CounselorLevel,
}

/// One town's coverage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TownCoverage {
    pub town_code: String,
    pub name: String,
    /// Active counselors covering the town (town and district level).
    pub counselor_count: i64,
    /// Those counselors (only the ones the caller may see by name).
    pub counselors: Vec<CounselorBrief>,
}

/// A town nobody covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TownRef {
    pub town_code: String,
    pub name: String,
}

/// A district counselor's area (片区).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaCoverage {
    pub area: String,
    pub counselors: Vec<CounselorBrief>,
    /// The towns the area's counselors cover.
    pub town_codes: Vec<String>,
}

/// Coverage of the district's towns by active counselors (the plan: at least one per town).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "towns_total": 34, "towns_covered": 1,
    "towns": [{"town_code": "500119110", "name": "金山镇", "counselor_count": 1,
        "counselors": [{"id": 1, "name": "王辅导", "level": "town"}]}],
    "towns_without_counselor": [{"town_code": "500119001", "name": "东城街道"}],
    "areas": []
}))]
pub struct Coverage {
    pub towns_total: i64,
    pub towns_covered: i64,
    /// Every town, in reference order.
    pub towns: Vec<TownCoverage>,
    pub towns_without_counselor: Vec<TownRef>,
    /// District counselors grouped by area.
    pub areas: Vec<AreaCoverage>,
}

/// A training a counselor took part in.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "合作社规范化建设培训", "held_on": "2026-03-15", "hours": 6.5, "topics": ["章程", "财务管理"], "attendees": 40}))]
pub struct TrainingCreate {
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub held_on: NaiveDate,
    /// Length in hours, more than 0 and at most 200.
    #[validate(range(exclusive_min = 0.0, max = 200.0))]
    pub hours: f64,
    #[validate(length(max = 20), custom(function = "validate_texts"))]
    pub topics: Option<Vec<String>>,
    /// How many people attended.
    #[validate(range(min = 0, max = 100000))]
    pub attendees: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingOut {
    pub id: i64,
    pub counselor_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: f64,
    pub topics: Vec<String>,
    pub attendees: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<Training> for TrainingOut {
    fn from(t: Training) -> Self {
        TrainingOut {
            id: t.id,
            counselor_id: t.counselor_id,
            title: t.title,
            held_on: t.held_on,
            hours: t.hours,
            topics: serde_json::from_str(&t.topics).unwrap_or_default(),
            attendees: t.attendees,
            created_at: t.created_at.and_utc(),
        }
    }
}

/// A guidance visit to a cooperative.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 12, "visited_on": "2026-11-20", "topics": ["年报"], "findings": "2025年报尚未公示", "follow_up": "12月底前复查"}))]
pub struct VisitCreate {
    /// A cooperative in a town the counselor covers.
    pub cooperative_id: i64,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub visited_on: NaiveDate,
    #[validate(length(min = 1, max = 20), custom(function = "validate_texts"))]
    pub topics: Vec<String>,
    #[validate(length(min = 1, max = 4000))]
    pub findings: String,
    #[validate(length(max = 2000))]
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitOut {
    pub id: i64,
    pub counselor_id: i64,
    pub counselor_name: String,
    pub cooperative_id: i64,
    pub visited_on: NaiveDate,
    pub topics: Vec<String>,
    pub findings: String,
    pub follow_up: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl VisitOut {
    fn new(v: Visit, counselor_name: String) -> Self {
        VisitOut {
            id: v.id,
            counselor_id: v.counselor_id,
            counselor_name,
            cooperative_id: v.cooperative_id,
            visited_on: v.visited_on,
            topics: serde_json::from_str(&v.topics).unwrap_or_default(),
            findings: v.findings,
            follow_up: v.follow_up,
            created_at: v.created_at.and_utc(),
        }
    }
}

/// A yearly evaluation (考核).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 92, "rating": "excellent", "reward": "优秀辅导员", "reward_fen": 200000}))]
pub struct EvaluationPut {
    /// 0–100.
    #[validate(range(min = 0, max = 100))]
    pub score: i32,
    pub rating: Rating,
    /// The reward granted, in words (e.g. a title).
    #[validate(length(min = 1, max = 200))]
    pub reward: Option<String>,
    /// A money reward, in fen.
    #[validate(range(min = 0))]
    pub reward_fen: Option<i64>,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationOut {
    pub id: i64,
    pub counselor_id: i64,
    pub year: i32,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub comment: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Evaluation> for EvaluationOut {
    fn from(e: Evaluation) -> Self {
        EvaluationOut {
            id: e.id,
            counselor_id: e.counselor_id,
            year: e.year,
            score: e.score,
            rating: Rating::parse(&e.rating).unwrap_or(Rating::Pass),
            reward: e.reward,
            reward_fen: e.reward_fen,
            comment: e.comment,
            version: e.version,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// The evaluation year.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub year: i32,
}

/// One counselor's place in a year's ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingEntry {
    /// Equal scores share a rank; the next score skips the places taken ("1, 2, 2, 4").
    pub rank: i64,
    pub counselor_id: i64,
    pub name: String,
    pub level: CounselorLevel,
    pub town_codes: Vec<String>,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    /// Guidance visits made in that year.
    pub visits: i64,
    /// Trainings taken part in during that year.
    pub trainings: i64,
}

/// A year's ranking, best first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2026, "items": [{"rank": 1, "counselor_id": 1, "name": "王辅导", "level": "town", "town_codes": ["500119110"], "score": 92, "rating": "excellent", "reward": "优秀辅导员", "reward_fen": 200000, "visits": 14, "trainings": 2}], "evaluated": 1}))]
pub struct Rankings {
    pub year: i32,
    pub items: Vec<RankingEntry>,
    /// How many counselors were evaluated that year (the ranks count all of them).
    pub evaluated: i64,
}

// ---- helpers ----

/// Which counselors the caller may see: everyone for the district, town officers and
/// observers; a counselor themselves; a cooperative the counselors of its town.
fn counselor_scope(user: &Caller, conn: &mut DbConn) -> ApiResult<CounselorScope> {
    let c = &user.claims;
    Ok(match c.role {
        Role::Counselor => CounselorScope::One(c.counselor_id.unwrap_or(-1)),
        Role::Cooperative => {
            let town = coop::find(
                conn,
                &CoopScope::One(c.cooperative_id.unwrap_or(-1)),
                c.cooperative_id.unwrap_or(-1),
            )
            .optional()?
            .map(|co| co.town_code)
            .unwrap_or_default();
            CounselorScope::CoveringTown(town)
        }
        _ => CounselorScope::All,
    })
}

/// The district manages counselors; a counselor's login may write only its own visits.
fn require_manage(user: &Caller) -> ApiResult<()> {
    user.require(Resource::Counselors, Access::Write)?;
    if user.role() != Role::DistrictAdmin {
        return Err(ApiError::Forbidden(
            "only the district manages counselors; a counselor records only their own visits"
                .into(),
        ));
    }
    Ok(())
}

fn check_towns(conn: &mut DbConn, codes: &[String]) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        if !reference::town_exists(conn, code)? {
            errors.push(FieldError::new(
                format!("town_codes.{i}"),
                "unknown_code",
                format!("{code} is not a town of this district"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn check_area(level: CounselorLevel, area: Option<&str>) -> ApiResult<()> {
    if level == CounselorLevel::Town && area.is_some() {
        return Err(ApiError::field(
            "area",
            "not_allowed",
            "only a district counselor has an area (片区)",
        ));
    }
    Ok(())
}

fn names_of(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, String>> {
    let mut map = HashMap::new();
    for c in cm::all(conn)? {
        if ids.contains(&c.id) {
            map.insert(c.id, c.name);
        }
    }
    Ok(map)
}

// ---- counselors ----

/// Register a counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "createCounselor",
    summary = "Register a counselor",
    description = "Registers a counselor (辅导员) with the towns they cover. A login for them is made with `coophub user create --role counselor --counselor-id N`; its scope is these towns. District admins only.",
    request_body = CounselorCreate,
    responses(
        (status = 201, description = "Registered", body = CounselorOut,
            headers(("Location" = String, description = "The new counselor's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district registers counselors"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (source, level, phone, town codes, area…)")
    )
)]
#[post("/counselors")]
pub async fn create_counselor(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<CounselorCreate>,
) -> ApiResult<HttpResponse> {
    require_manage(&user)?;
    let body = body.0;
    check_area(body.level, body.area.as_deref())?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            check_towns(conn, &body.town_codes)?;
            let at = now();
            let created = cm::insert(
                conn,
                &NewCounselor {
                    name: body.name.trim().to_string(),
                    phone: phone::normalize(&body.phone).unwrap_or(body.phone),
                    source: body.source.as_str().into(),
                    level: body.level.as_str().into(),
                    active: true,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    area: body.area.map(|a| a.trim().to_string()),
                },
                &body.town_codes,
            )?;
            let out = CounselorOut::load(conn, created)?;
            audit::record(
                conn,
                &actor,
                "create",
                "counselor",
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

/// List counselors.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselors",
    summary = "List counselors",
    description = "Counselors in registration order, with filters and cursor paging. A counselor sees only themselves; a cooperative the counselors of its town.",
    params(CounselorFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<CounselorOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read counselors"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors")]
pub async fn list_counselors(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<CounselorFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let page = page.page()?;
    let filter = CounselorFilter {
        town_code: filters.town_code.clone(),
        level: filters.level.map(|l| l.as_str().into()),
        source: filters.source.map(|s| s.as_str().into()),
        active: filters.active,
    };
    let list = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            let rows = cm::list(conn, &scope, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(cm::count(conn, &scope, &filter)?)
            } else {
                None
            };
            let list = ListResponse::from_rows(rows, page, total, |c| c.id);
            let ids: Vec<i64> = list.items.iter().map(|c| c.id).collect();
            let mut towns = cm::towns_of(conn, &ids)?;
            Ok(list.map(|c| {
                let t = towns.remove(&c.id).unwrap_or_default();
                CounselorOut::new(c, t)
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselor",
    summary = "Get a counselor",
    description = "One counselor with the towns they cover and an `ETag`. Outside the caller's view (another counselor, or not of the cooperative's town) it is 404.",
    params(("id" = i64, Path, description = "Counselor id")),
    responses(
        (status = 200, description = "The counselor", body = CounselorOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view")
    )
)]
#[get("/counselors/{id}")]
pub async fn get_counselor(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            let c = cm::find(conn, &scope, id)?;
            CounselorOut::load(conn, c)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a counselor.
#[utoipa::path(
    tag = "counselors",
    operation_id = "updateCounselor",
    summary = "Change a counselor",
    description = "Send only the fields to change; `town_codes` replaces the covered towns (and so the scope of the counselor's login). With `If-Match` the change applies only to that version (else 412). District admins only.",
    params(
        ("id" = i64, Path, description = "Counselor id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = CounselorPatch,
    responses(
        (status = 200, description = "Changed", body = CounselorOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district changes counselors"),
        (status = 404, description = "No such counselor"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/counselors/{id}")]
pub async fn patch_counselor(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<CounselorPatch>,
) -> ApiResult<HttpResponse> {
    require_manage(&user)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let patch = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = cm::find(conn, &CounselorScope::All, id)?;
            check_version(demanded, current.version)?;
            let level = patch
                .level
                .or_else(|| CounselorLevel::parse(&current.level))
                .unwrap_or(CounselorLevel::Town);
            let area = match &patch.area {
                Some(a) => a.clone(),
                // Becoming a town counselor drops the area.
                None if level == CounselorLevel::Town => None,
                None => current.area.clone(),
            };
            if patch.area.is_some() {
                check_area(level, area.as_deref())?;
            }
            if let Some(towns) = &patch.town_codes {
                check_towns(conn, towns)?;
            }
            let before = CounselorOut::load(conn, current.clone())?;
            let changes = CounselorChanges {
                name: patch.name.map(|s| s.trim().to_string()),
                phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
                source: patch.source.map(|s| s.as_str().into()),
                level: patch.level.map(|l| l.as_str().into()),
                active: patch.active,
                area: if area != current.area {
                    Some(area.map(|a| a.trim().to_string()))
                } else {
                    None
                },
            };
            let updated = cm::update(conn, id, current.version, &changes, now())?
                .ok_or(ApiError::PreconditionFailed)?;
            if let Some(towns) = &patch.town_codes {
                cm::set_towns(conn, id, towns)?;
            }
            let after = CounselorOut::load(conn, updated)?;
            audit::record(
                conn,
                &actor,
                "update",
                "counselor",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

// ---- coverage and rankings ----

/// Coverage of the towns.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselorCoverage",
    summary = "Counselor coverage of the towns",
    description = "Every town with the number of active counselors covering it, the towns without one (the plan demands at least one per town), and district counselors by area (片区). Counts are always complete; counselors a caller may not see (a counselor: others; a cooperative: those of other towns) are counted but not named.",
    responses(
        (status = 200, description = "The coverage", body = Coverage),
        (status = 403, description = "The role may not read counselors")
    )
)]
#[get("/counselors/coverage")]
pub async fn coverage(state: web::Data<AppState>, user: Caller) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let out = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            build_coverage(conn, &scope)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Builds the coverage view (also for the pilot dashboard).
pub fn build_coverage(conn: &mut DbConn, scope: &CounselorScope) -> ApiResult<Coverage> {
    let towns = reference::all_towns(conn)?;
    let counselors: BTreeMap<i64, Counselor> = cm::all(conn)?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| (c.id, c))
        .collect();
    let mut visible = BTreeSet::new();
    for id in counselors.keys() {
        if scope.allows(conn, *id)? {
            visible.insert(*id);
        }
    }
    let brief = |c: &Counselor| CounselorBrief {
        id: c.id,
        name: c.name.clone(),
        level: CounselorLevel::parse(&c.level).unwrap_or(CounselorLevel::Town),
    };
    let mut per_town: HashMap<String, Vec<i64>> = HashMap::new();
    let mut per_counselor: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (cid, town) in cm::all_coverage(conn)? {
        if counselors.contains_key(&cid) {
            per_town.entry(town.clone()).or_default().push(cid);
            per_counselor.entry(cid).or_default().push(town);
        }
    }
    let codes: Vec<String> = towns.iter().map(|t| t.code.clone()).collect();
    let covered: BTreeSet<&str> = per_town.keys().map(String::as_str).collect();
    let uncovered: BTreeSet<String> = rules::towns_without_counselor(&codes, &covered)
        .into_iter()
        .cloned()
        .collect();
    let mut out_towns = Vec::new();
    let mut without = Vec::new();
    for t in &towns {
        let ids = per_town.get(&t.code).cloned().unwrap_or_default();
        out_towns.push(TownCoverage {
            town_code: t.code.clone(),
            name: t.name.clone(),
            counselor_count: ids.len() as i64,
            counselors: ids
                .iter()
                .filter(|id| visible.contains(id))
                .filter_map(|id| counselors.get(id).map(brief))
                .collect(),
        });
        if uncovered.contains(&t.code) {
            without.push(TownRef {
                town_code: t.code.clone(),
                name: t.name.clone(),
            });
        }
    }
    let mut areas: BTreeMap<String, (Vec<CounselorBrief>, BTreeSet<String>)> = BTreeMap::new();
    for c in counselors.values() {
        if c.level != CounselorLevel::District.as_str() || !visible.contains(&c.id) {
            continue;
        }
        let Some(area) = &c.area else { continue };
        let entry = areas.entry(area.clone()).or_default();
        entry.0.push(brief(c));
        entry
            .1
            .extend(per_counselor.get(&c.id).cloned().unwrap_or_default());
    }
    Ok(Coverage {
        towns_total: towns.len() as i64,
        towns_covered: (towns.len() - without.len()) as i64,
        towns: out_towns,
        towns_without_counselor: without,
        areas: areas
            .into_iter()
            .map(|(area, (counselors, towns))| AreaCoverage {
                area,
                counselors,
                town_codes: towns.into_iter().collect(),
            })
            .collect(),
    })
}

/// A year's ranking.
#[utoipa::path(
    tag = "counselors",
    operation_id = "getCounselorRankings",
    summary = "Counselor rankings for a year",
    description = "The counselors evaluated in `year`, best score first; equal scores share a rank (ties listed by counselor id). Each entry counts the counselor's visits and trainings in that year. A counselor sees only their own entry, a cooperative those of its town's counselors (ranks still count everyone).",
    params(RankingParams),
    responses(
        (status = 200, description = "The ranking", body = Rankings),
        (status = 400, description = "year is missing or not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 422, description = "year outside 2000–2100")
    )
)]
#[get("/counselors/rankings")]
pub async fn rankings(
    state: web::Data<AppState>,
    user: Caller,
    params: ValidQuery<RankingParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let year = params.year;
    let out = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            let evaluations = cm::evaluations_in(conn, year)?;
            let mut order: Vec<(i64, i32)> = evaluations
                .iter()
                .map(|e| (e.counselor_id, e.score))
                .collect();
            rules::ranking_order(&mut order);
            let scores: Vec<i32> = order.iter().map(|(_, s)| *s).collect();
            let ranks = rules::competition_ranks(&scores);
            let from = NaiveDate::from_ymd_opt(year, 1, 1)
                .ok_or_else(|| ApiError::field("year", "range", "not a valid year"))?;
            let to = NaiveDate::from_ymd_opt(year + 1, 1, 1)
                .ok_or_else(|| ApiError::field("year", "range", "not a valid year"))?;
            let visits = rules::tally(cm::visit_counselors_between(conn, from, to)?);
            let trainings = rules::tally(cm::training_counselors_between(conn, from, to)?);
            let ids: Vec<i64> = order.iter().map(|(id, _)| *id).collect();
            let mut towns = cm::towns_of(conn, &ids)?;
            let people: HashMap<i64, Counselor> = cm::all(conn)?
                .into_iter()
                .filter(|c| ids.contains(&c.id))
                .map(|c| (c.id, c))
                .collect();
            let by_id: HashMap<i64, &Evaluation> =
                evaluations.iter().map(|e| (e.counselor_id, e)).collect();
            let mut items = Vec::new();
            for ((id, score), rank) in order.iter().zip(ranks) {
                if !scope.allows(conn, *id)? {
                    continue;
                }
                let (Some(e), Some(c)) = (by_id.get(id), people.get(id)) else {
                    continue;
                };
                items.push(RankingEntry {
                    rank,
                    counselor_id: *id,
                    name: c.name.clone(),
                    level: CounselorLevel::parse(&c.level).unwrap_or(CounselorLevel::Town),
                    town_codes: towns.remove(id).unwrap_or_default(),
                    score: *score,
                    rating: Rating::parse(&e.rating).unwrap_or(Rating::Pass),
                    reward: e.reward.clone(),
                    reward_fen: e.reward_fen,
                    visits: visits.get(id).copied().unwrap_or(0),
                    trainings: trainings.get(id).copied().unwrap_or(0),
                });
            }
            Ok(Rankings {
                year,
                items,
                evaluated: order.len() as i64,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

// ---- trainings ----

/// Record a training.
#[utoipa::path(
    tag = "counselors",
    operation_id = "addCounselorTraining",
    summary = "Record a counselor's training",
    description = "Records a training the counselor took part in (title, date, hours, topics, attendees). District admins only.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = TrainingCreate,
    responses(
        (status = 201, description = "Recorded", body = TrainingOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district records trainings"),
        (status = 404, description = "No such counselor"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (hours, date in the future…)")
    )
)]
#[post("/counselors/{id}/trainings")]
pub async fn add_training(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<TrainingCreate>,
) -> ApiResult<HttpResponse> {
    require_manage(&user)?;
    let id = path.into_inner();
    let body = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            cm::find(conn, &CounselorScope::All, id)?;
            let topics: Vec<String> = body
                .topics
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.trim().to_string())
                .collect();
            let t = cm::insert_training(
                conn,
                &NewTraining {
                    counselor_id: id,
                    title: body.title.trim().to_string(),
                    held_on: body.held_on,
                    hours: body.hours,
                    topics: serde_json::to_string(&topics).map_err(ApiError::internal)?,
                    attendees: body.attendees,
                    created_at: now(),
                },
            )?;
            let out = TrainingOut::from(t);
            audit::record(
                conn,
                &actor,
                "add_training",
                "counselor",
                &id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/trainings")))
        .json(out))
}

/// List a counselor's trainings.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorTrainings",
    summary = "List a counselor's trainings",
    description = "In the order recorded, with cursor paging.",
    params(("id" = i64, Path, description = "Counselor id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<TrainingOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors/{id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let id = path.into_inner();
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            cm::find(conn, &scope, id)?;
            let rows = cm::trainings(conn, id, page.after, page.limit + 1)?;
            Ok(ListResponse::from_rows(rows, page, None, |t| t.id).map(TrainingOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

// ---- visits ----

/// Record a guidance visit.
#[utoipa::path(
    tag = "counselors",
    operation_id = "addCounselorVisit",
    summary = "Record a guidance visit",
    description = "Records a visit of the counselor to a cooperative in a town they cover. A counselor's login records visits only as themselves (another counselor: 403) and only to cooperatives of their towns (others: 404). The district may record for any active counselor.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = VisitCreate,
    responses(
        (status = 201, description = "Recorded", body = VisitOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not record visits, or not for this counselor"),
        (status = 404, description = "No such counselor, or the cooperative is outside your scope"),
        (status = 409, description = "The counselor is inactive"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (cooperative not in a covered town, date in the future…)")
    )
)]
#[post("/counselors/{id}/visits")]
pub async fn add_visit(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<VisitCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Write)?;
    let id = path.into_inner();
    if user.role() == Role::Counselor && user.claims.counselor_id != Some(id) {
        return Err(ApiError::Forbidden(
            "a counselor records visits only as themselves".into(),
        ));
    }
    if !matches!(user.role(), Role::Counselor | Role::DistrictAdmin) {
        return Err(ApiError::Forbidden(
            "only counselors (and the district) record visits".into(),
        ));
    }
    let body = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let counselor = cm::find(conn, &CounselorScope::All, id)?;
            let scope = user.coop_scope(conn)?;
            let cooperative = match coop::find(conn, &scope, body.cooperative_id).optional()? {
                Some(c) => c,
                None if scope == CoopScope::All => {
                    return Err(ApiError::field(
                        "cooperative_id",
                        "unknown",
                        format!("there is no cooperative {}", body.cooperative_id),
                    ))
                }
                None => return Err(ApiError::NotFound),
            };
            if !counselor.active {
                return Err(ApiError::Conflict(
                    "an inactive counselor records no visits".into(),
                ));
            }
            let towns = cm::towns_of(conn, &[id])?.remove(&id).unwrap_or_default();
            if !towns.contains(&cooperative.town_code) {
                return Err(ApiError::field(
                    "cooperative_id",
                    "not_covered",
                    "the cooperative is not in a town this counselor covers",
                ));
            }
            let topics: Vec<String> = body.topics.iter().map(|t| t.trim().to_string()).collect();
            let v = cm::insert_visit(
                conn,
                &NewVisit {
                    counselor_id: id,
                    cooperative_id: cooperative.id,
                    visited_on: body.visited_on,
                    topics: serde_json::to_string(&topics).map_err(ApiError::internal)?,
                    findings: body.findings.trim().to_string(),
                    follow_up: body.follow_up,
                    created_at: now(),
                },
            )?;
            let out = VisitOut::new(v, counselor.name);
            audit::record(
                conn,
                &actor,
                "create",
                "counselor_visit",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("{BASE_PATH}/{id}/visits")))
        .json(out))
}

/// List a counselor's visits.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorVisits",
    summary = "List a counselor's visits",
    description = "In the order recorded, with cursor paging.",
    params(("id" = i64, Path, description = "Counselor id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<VisitOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/counselors/{id}/visits")]
pub async fn list_visits(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let id = path.into_inner();
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            let c = cm::find(conn, &scope, id)?;
            let rows = cm::visits(conn, Some(id), None, page.after, page.limit + 1)?;
            Ok(ListResponse::from_rows(rows, page, None, |v| v.id)
                .map(|v| VisitOut::new(v, c.name.clone())))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The visits a cooperative received.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCooperativeVisits",
    summary = "List the counselor visits a cooperative received",
    description = "Every guidance visit to the cooperative, in the order recorded, with cursor paging. A cooperative outside the caller's scope is 404.",
    params(("id" = i64, Path, description = "Cooperative id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<VisitOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/visits")]
pub async fn cooperative_visits(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let id = path.into_inner();
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            user.cooperative(conn, id)?;
            let rows = cm::visits(conn, None, Some(id), page.after, page.limit + 1)?;
            let list = ListResponse::from_rows(rows, page, None, |v| v.id);
            let ids: Vec<i64> = list.items.iter().map(|v| v.counselor_id).collect();
            let names = names_of(conn, &ids)?;
            Ok(list.map(|v| {
                let name = names.get(&v.counselor_id).cloned().unwrap_or_default();
                VisitOut::new(v, name)
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

// ---- evaluations ----

/// Record a year's evaluation.
#[utoipa::path(
    tag = "counselors",
    operation_id = "putCounselorEvaluation",
    summary = "Record or replace a counselor's yearly evaluation",
    description = "The evaluation of `year` (score 0–100, rating, reward). Creates it (201) or replaces it (200, honouring `If-Match`). The year must have begun. District admins only.",
    params(
        ("id" = i64, Path, description = "Counselor id"),
        ("year" = i32, Path, description = "The evaluation year"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = EvaluationPut,
    responses(
        (status = 200, description = "Replaced", body = EvaluationOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 201, description = "Recorded", body = EvaluationOut,
            headers(("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON, an unknown field, or a non-numeric path"),
        (status = 403, description = "Only the district evaluates counselors"),
        (status = 404, description = "No such counselor"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (score outside 0–100, rating, year…)")
    )
)]
#[put("/counselors/{id}/evaluations/{year}")]
pub async fn put_evaluation(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i32)>,
    body: ValidJson<EvaluationPut>,
) -> ApiResult<HttpResponse> {
    require_manage(&user)?;
    let (id, year) = path.into_inner();
    let this_year = Utc::now().year();
    if !(2000..=this_year).contains(&year) {
        return Err(ApiError::field(
            "year",
            "range",
            format!("must be between 2000 and {this_year}"),
        ));
    }
    let demanded = if_match(&req)?;
    let body = body.0;
    let actor = Actor::from(&user);
    let (created, out) = state
        .db_write(move |conn| {
            cm::find(conn, &CounselorScope::All, id)?;
            let at = now();
            let new = NewEvaluation {
                counselor_id: id,
                year,
                score: body.score,
                rating: body.rating.as_str().into(),
                reward: body.reward,
                reward_fen: body.reward_fen,
                comment: body.comment,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            let current = cm::find_evaluation(conn, id, year)?;
            let (created, before, saved) = match current {
                Some(cur) => {
                    check_version(demanded, cur.version)?;
                    let saved = cm::replace_evaluation(conn, &cur, &new)?;
                    (false, Some(EvaluationOut::from(cur)), saved)
                }
                None => {
                    if demanded.is_some() {
                        return Err(ApiError::PreconditionFailed);
                    }
                    (true, None, cm::insert_evaluation(conn, &new)?)
                }
            };
            let out = EvaluationOut::from(saved);
            audit::record(
                conn,
                &actor,
                if created { "create" } else { "update" },
                "counselor_evaluation",
                &format!("{id}/{year}"),
                before.as_ref(),
                Some(&out),
            )?;
            Ok((created, out))
        })
        .await?;
    let builder = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(builder, out.version, &out))
}

/// A counselor's evaluations.
#[utoipa::path(
    tag = "counselors",
    operation_id = "listCounselorEvaluations",
    summary = "List a counselor's evaluations",
    description = "Every yearly evaluation, newest year first.",
    params(("id" = i64, Path, description = "Counselor id")),
    responses(
        (status = 200, description = "The evaluations", body = ListResponse<EvaluationOut>),
        (status = 400, description = "The id is not a number"),
        (status = 403, description = "The role may not read counselors"),
        (status = 404, description = "No such counselor, or outside your view")
    )
)]
#[get("/counselors/{id}/evaluations")]
pub async fn list_evaluations(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Counselors, Access::Read)?;
    let id = path.into_inner();
    let list = state
        .db(move |conn| {
            let scope = counselor_scope(&user, conn)?;
            cm::find(conn, &scope, id)?;
            let items: Vec<EvaluationOut> = cm::evaluations_of(conn, id)?
                .into_iter()
                .map(EvaluationOut::from)
                .collect();
            Ok(ListResponse {
                items,
                next_cursor: None,
                total: None,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

// ---- logins ----

/// A login for a counselor.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.fudao", "password": "a long password"}))]
pub struct LoginCreate {
    /// 3–50 characters: letters, digits, `.`, `_`, `-`.
    #[validate(length(min = 3, max = 50), custom(function = "validate_username"))]
    pub username: String,
    /// At least 10 characters.
    #[validate(length(min = 10, max = 200))]
    pub password: String,
}

fn validate_username(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(ValidationError::new("characters")
            .with_message("only letters, digits, '.', '_' and '-'".into()))
    }
}

/// The login made for a counselor (the password is never shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginOut {
    pub user_id: i64,
    pub username: String,
    /// Always `counselor`.
    pub role: Role,
    pub counselor_id: i64,
}

/// Give a counselor a login.
#[utoipa::path(
    tag = "counselors",
    operation_id = "createCounselorLogin",
    summary = "Give a counselor a login",
    description = "Makes a user with the role `counselor` for this counselor (one per counselor). Its scope is the towns the counselor covers, read at every request: it reads those towns' cooperatives and records the counselor's own visits, nothing else. District admins only.",
    params(("id" = i64, Path, description = "Counselor id")),
    request_body = LoginCreate,
    responses(
        (status = 201, description = "Made", body = LoginOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "Only the district makes logins"),
        (status = 404, description = "No such counselor"),
        (status = 409, description = "The username is taken, or the counselor has a login already"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "username or password invalid (the password needs 10 characters)")
    )
)]
#[post("/counselors/{id}/login")]
pub async fn create_login(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<LoginCreate>,
) -> ApiResult<HttpResponse> {
    require_manage(&user)?;
    let id = path.into_inner();
    let body = body.0;
    let pw = body.password.clone();
    let hash = web::block(move || password::hash(&pw))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            cm::find(conn, &CounselorScope::All, id)?;
            if user::find_by_username(conn, &body.username)?.is_some() {
                return Err(ApiError::Conflict(format!(
                    "a user named {} exists already",
                    body.username
                )));
            }
            if user::counselor_has_login(conn, id)? {
                return Err(ApiError::Conflict(
                    "this counselor has a login already".into(),
                ));
            }
            let created = user::insert(
                conn,
                &user::NewUser {
                    username: body.username,
                    password_hash: hash,
                    role: Role::Counselor,
                    town_code: None,
                    cooperative_id: None,
                    bank_code: None,
                    counselor_id: Some(id),
                    disabled: false,
                    created_at: now(),
                },
            )?;
            let out = LoginOut {
                user_id: created.id,
                username: created.username,
                role: Role::Counselor,
                counselor_id: id,
            };
            audit::record(
                conn,
                &actor,
                "create",
                "user",
                &out.user_id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}
