//! The cooperative registry: create, read, list, change.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::extract::{ValidJson, ValidQuery};
use super::pagination::{ListResponse, PageParams};
use super::{check_version, cooperative_in_scope, if_match, with_etag};
use crate::auth::{Access, AuthUser, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative::{
    self as coop, CoopFilter, Cooperative, CooperativeChanges, NewCooperative,
};
use crate::db::models::{now, reference};
use crate::db::DbConn;
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::{phone, uscc};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_cooperative)
        .service(list_cooperatives)
        .service(get_cooperative)
        .service(patch_cooperative);
}

pub const BASE_PATH: &str = "/api/v1/cooperatives";

fn validate_codes(codes: &[String]) -> Result<(), ValidationError> {
    if codes.iter().any(|c| c.trim().is_empty()) {
        return Err(
            ValidationError::new("blank").with_message("industry codes must not be blank".into())
        );
    }
    Ok(())
}

/// A new cooperative for the registry.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "南川区金山镇古树茶专业合作社",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "industry_codes": ["ancient_tree_tea"],
    "legal_representative": "张三",
    "phone": "13812345678",
    "established_on": "2015-03-18",
    "registered_capital_fen": 50000000,
    "address": "金山镇金山村3组",
    "business_scope": "组织收购、销售成员种植的茶叶"
}))]
pub struct CooperativeCreate {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Unified Social Credit Code: 18 characters, starting `93` and the region code.
    #[schema(example = "93500119MA5U7K3L78")]
    pub uscc: String,
    /// A town code of `GET /api/v1/towns`.
    #[validate(length(min = 1, max = 20))]
    pub town_code: String,
    /// At least one industry code of `GET /api/v1/industries`.
    #[validate(length(min = 1, max = 12), custom(function = "validate_codes"))]
    pub industry_codes: Vec<String>,
    /// The legal representative (理事长), by name.
    #[validate(length(min = 1, max = 50))]
    pub legal_representative: String,
    /// A mobile number: 11 digits starting with 1, optionally `+86`.
    #[validate(custom(function = "super::validators::phone"))]
    pub phone: String,
    /// Date of registration; not in the future.
    #[validate(custom(function = "super::validators::not_future"))]
    pub established_on: NaiveDate,
    /// Registered capital in fen (分).
    #[validate(range(min = 0))]
    pub registered_capital_fen: i64,
    #[validate(length(max = 500))]
    pub address: Option<String>,
    #[validate(length(max = 2000))]
    pub business_scope: Option<String>,
}

/// Changes to a cooperative; absent fields stay as they are. A cooperative's own account may
/// change only its contact fields (`phone`, `address`).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "+86 139 0000 1111", "address": "金山镇金山村5组"}))]
pub struct CooperativePatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    pub uscc: Option<String>,
    #[validate(length(min = 1, max = 20))]
    pub town_code: Option<String>,
    #[validate(length(min = 1, max = 12), custom(function = "validate_codes"))]
    pub industry_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 50))]
    pub legal_representative: Option<String>,
    #[validate(custom(function = "super::validators::phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "super::validators::not_future"))]
    pub established_on: Option<NaiveDate>,
    #[validate(range(min = 0))]
    pub registered_capital_fen: Option<i64>,
    #[validate(length(max = 500))]
    pub address: Option<String>,
    #[validate(length(max = 2000))]
    pub business_scope: Option<String>,
}

impl CooperativePatch {
    /// The fields set in this patch that are not contact fields.
    fn non_contact_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name| {
            if set {
                v.push(name)
            }
        };
        add(self.name.is_some(), "name");
        add(self.uscc.is_some(), "uscc");
        add(self.town_code.is_some(), "town_code");
        add(self.industry_codes.is_some(), "industry_codes");
        add(self.legal_representative.is_some(), "legal_representative");
        add(self.established_on.is_some(), "established_on");
        add(
            self.registered_capital_fen.is_some(),
            "registered_capital_fen",
        );
        add(self.business_scope.is_some(), "business_scope");
        v
    }
}

/// A cooperative in the registry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "name": "南川区金山镇古树茶专业合作社",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "industry_codes": ["ancient_tree_tea"],
    "legal_representative": "张三",
    "phone": "13812345678",
    "established_on": "2015-03-18",
    "registered_capital_fen": 50000000,
    "address": "金山镇金山村3组",
    "business_scope": "组织收购、销售成员种植的茶叶",
    "status": "active",
    "tier": null,
    "demonstration_level": null,
    "version": 1,
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z",
    "merged_into_id": null,
    "members": {"active": 12, "by_type": {"farmer": 11, "enterprise": 1}, "total_contribution_fen": 1200000}
}))]
pub struct CooperativeOut {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub town_code: String,
    pub industry_codes: Vec<String>,
    pub legal_representative: String,
    pub phone: String,
    pub established_on: NaiveDate,
    pub registered_capital_fen: i64,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub status: CoopStatus,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    /// Increases with every change; sent as the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The cooperative this one was merged into (when `status` is `merged`).
    pub merged_into_id: Option<i64>,
    /// The current members, counted by type, and their total contributions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<MemberSummary>,
}

/// Current members by type and their capital contributions.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({"active": 12, "by_type": {"farmer": 11, "enterprise": 1}, "total_contribution_fen": 1200000}))]
pub struct MemberSummary {
    /// Members who have not exited.
    pub active: i64,
    /// Current members per member type.
    pub by_type: std::collections::BTreeMap<String, i64>,
    /// Their contributions, in fen.
    pub total_contribution_fen: i64,
}

/// Member summaries for a page of cooperatives (one query).
pub fn member_summaries(
    conn: &mut DbConn,
    ids: &[i64],
) -> ApiResult<std::collections::HashMap<i64, MemberSummary>> {
    Ok(crate::db::models::member::summaries(conn, ids)?
        .into_iter()
        .map(|(id, counts)| {
            let summary = MemberSummary {
                active: counts.by_type.values().sum(),
                by_type: counts.by_type.into_iter().collect(),
                total_contribution_fen: counts.total_contribution_fen,
            };
            (id, summary)
        })
        .collect())
}

impl CooperativeOut {
    pub fn new(c: Cooperative, industry_codes: Vec<String>) -> Self {
        CooperativeOut {
            id: c.id,
            name: c.name,
            uscc: c.uscc,
            town_code: c.town_code,
            industry_codes,
            legal_representative: c.legal_representative,
            phone: c.phone,
            established_on: c.established_on,
            registered_capital_fen: c.registered_capital_fen,
            address: c.address,
            business_scope: c.business_scope,
            status: CoopStatus::parse(&c.status).unwrap_or(CoopStatus::Active),
            tier: c.tier.as_deref().and_then(Tier::parse),
            demonstration_level: c
                .demonstration_level
                .as_deref()
                .and_then(DemonstrationLevel::parse),
            version: c.version,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
            merged_into_id: c.merged_into_id,
            members: None,
        }
    }

    /// Loads the industry codes and member summary and builds the representation.
    pub fn load(conn: &mut DbConn, c: Cooperative) -> ApiResult<Self> {
        let id = c.id;
        let mut map = coop::industries_of(conn, &[id])?;
        let codes = map.remove(&id).unwrap_or_default();
        let mut out = Self::new(c, codes);
        out.members = Some(
            member_summaries(conn, &[id])?
                .remove(&id)
                .unwrap_or_default(),
        );
        Ok(out)
    }
}

/// Filters of the cooperative list (and its exports).
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CooperativeFilterParams {
    /// Only this town.
    pub town_code: Option<String>,
    /// Only cooperatives working in this industry code.
    pub industry: Option<String>,
    pub status: Option<CoopStatus>,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    /// Part of the name or of the USCC.
    #[validate(length(max = 100))]
    pub q: Option<String>,
}

impl CooperativeFilterParams {
    pub fn to_filter(&self) -> CoopFilter {
        CoopFilter {
            town_code: self.town_code.clone(),
            industry: self.industry.clone(),
            status: self.status.map(|s| s.as_str().to_string()),
            tier: self.tier.map(|s| s.as_str().to_string()),
            demonstration_level: self.demonstration_level.map(|s| s.as_str().to_string()),
            q: self.q.clone(),
        }
    }
}

fn uscc_error(e: uscc::UsccError) -> ApiError {
    ApiError::field("uscc", e.code(), e.to_string())
}

/// The rules of `POST /cooperatives` that need no database: the `validator` rules, then the
/// USCC (check character, `93`, region). Returns the normalised USCC, or every field at fault.
/// Shared with the CSV import.
pub fn validate_create(
    body: &CooperativeCreate,
    region_code: &str,
) -> Result<String, Vec<FieldError>> {
    let mut errors = match body.validate() {
        Ok(()) => Vec::new(),
        Err(e) => match ApiError::from(e) {
            ApiError::Validation(v) => v,
            _ => Vec::new(),
        },
    };
    match uscc::validate_cooperative(&body.uscc, region_code) {
        Ok(code) if errors.is_empty() => return Ok(code),
        Ok(_) => {}
        Err(e) => errors.push(FieldError::new("uscc", e.code(), e.to_string())),
    }
    Err(errors)
}

/// The row to insert for a validated create body (names trimmed, phone normalised).
pub fn new_cooperative(body: CooperativeCreate, uscc: String, at: NaiveDateTime) -> NewCooperative {
    NewCooperative {
        name: body.name.trim().to_string(),
        uscc,
        town_code: body.town_code,
        legal_representative: body.legal_representative.trim().to_string(),
        phone: phone::normalize(&body.phone).unwrap_or(body.phone),
        established_on: body.established_on,
        registered_capital_fen: body.registered_capital_fen,
        address: body.address,
        business_scope: body.business_scope,
        status: CoopStatus::Active.as_str().into(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// The errors for an unknown town and unknown industry codes (`unknown` lists those of
/// `industry_codes` that are not known). Shared with the CSV import.
pub fn reference_errors(
    town: Option<(&str, bool)>,
    industry_codes: &[String],
    unknown: &[String],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some((town, false)) = town {
        errors.push(FieldError::new(
            "town_code",
            "unknown_code",
            format!("{town} is not a town of this district"),
        ));
    }
    for (i, code) in industry_codes.iter().enumerate() {
        if unknown.contains(code) {
            errors.push(FieldError::new(
                format!("industry_codes.{i}"),
                "unknown_code",
                format!("{code} is not an industry code"),
            ));
        }
    }
    errors
}

/// Town and industries must exist (422 naming the field otherwise).
fn check_references(
    conn: &mut DbConn,
    town_code: Option<&str>,
    industry_codes: Option<&[String]>,
) -> ApiResult<()> {
    let town = match town_code {
        Some(t) => Some((t, reference::town_exists(conn, t)?)),
        None => None,
    };
    let (codes, unknown) = match industry_codes {
        Some(codes) => (codes, reference::unknown_industries(conn, codes)?),
        None => (&[][..], Vec::new()),
    };
    let errors = reference_errors(town, codes, &unknown);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A town officer acts in their own town only.
fn check_town_allowed(user: &AuthUser, town_code: &str) -> ApiResult<()> {
    if user.role() == Role::TownOfficer && user.claims.town_code.as_deref() != Some(town_code) {
        return Err(ApiError::Forbidden(
            "a town officer may only register cooperatives of their own town".into(),
        ));
    }
    Ok(())
}

/// Sets a cooperative's derived fields (tier, status, merge pointer, demonstration title),
/// which other processes own rather than `PATCH`, bumps its version and audits the change.
/// Returns the cooperative after.
pub fn set_derived(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    current: &Cooperative,
    set: impl FnOnce(&mut Cooperative),
) -> ApiResult<Cooperative> {
    use crate::db::schema::cooperatives;
    use diesel::prelude::*;
    let before = CooperativeOut::load(conn, current.clone())?;
    let mut next = current.clone();
    set(&mut next);
    let at = now();
    diesel::update(cooperatives::table.filter(cooperatives::id.eq(current.id)))
        .set((
            cooperatives::tier.eq(&next.tier),
            cooperatives::status.eq(&next.status),
            cooperatives::merged_into_id.eq(next.merged_into_id),
            cooperatives::demonstration_level.eq(&next.demonstration_level),
            cooperatives::version.eq(current.version + 1),
            cooperatives::updated_at.eq(at),
        ))
        .execute(conn)?;
    let after = coop::find(conn, &crate::auth::policy::CoopScope::All, current.id)?;
    let after_out = CooperativeOut::load(conn, after.clone())?;
    audit::record(
        conn,
        actor,
        action,
        "cooperative",
        &current.id.to_string(),
        Some(&before),
        Some(&after_out),
    )?;
    Ok(after)
}

/// Register a cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "createCooperative",
    summary = "Register a cooperative",
    description = "Registers a farmers' cooperative. The USCC must carry a valid GB 32100-2015 check character, start with `93` (farmers' cooperative) and carry this system's region code. District admins register anywhere, town officers in their own town. Answers with `Location` and `ETag`.",
    request_body = CooperativeCreate,
    responses(
        (status = 201, description = "Registered", body = CooperativeOut,
            headers(("Location" = String, description = "The new cooperative's URL"), ("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not register cooperatives (or not in that town)"),
        (status = 409, description = "A cooperative with this USCC is already registered"),
        (status = 413, description = "The body is too large"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (USCC check character, region, phone, town, industry…)")
    )
)]
#[post("/cooperatives")]
pub async fn create_cooperative(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CooperativeCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Write)?;
    if user.role() == Role::Cooperative {
        return Err(ApiError::Forbidden(
            "a cooperative's account may not register cooperatives".into(),
        ));
    }
    let body = body.0;
    let code =
        uscc::validate_cooperative(&body.uscc, &state.settings.region_code).map_err(uscc_error)?;
    check_town_allowed(&user, &body.town_code)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            check_references(conn, Some(&body.town_code), Some(&body.industry_codes))?;
            if coop::uscc_taken(conn, &code, None)? {
                return Err(ApiError::Conflict(format!(
                    "a cooperative with USCC {code} is already registered"
                )));
            }
            let codes = body.industry_codes.clone();
            let new = new_cooperative(body, code, now());
            let created = coop::insert(conn, &new, &codes)?;
            let out = CooperativeOut::load(conn, created)?;
            audit::record(
                conn,
                &actor,
                "create",
                "cooperative",
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

/// List cooperatives.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "listCooperatives",
    summary = "List cooperatives in your scope",
    description = "Lists the cooperatives the caller may see (a town officer: their town; a counselor: the towns they cover; a cooperative: itself), in registration order, with filters and cursor paging.",
    params(CooperativeFilterParams, PageParams),
    responses(
        (status = 200, description = "One page, in registration order", body = ListResponse<CooperativeOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 401, description = "Missing or invalid token"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives")]
pub async fn list_cooperatives(
    state: web::Data<AppState>,
    user: AuthUser,
    filters: ValidQuery<CooperativeFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Read)?;
    let page = page.page()?;
    let filter = filters.to_filter();
    let list = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            let rows = coop::list(conn, &scope, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(coop::count(conn, &scope, &filter)?)
            } else {
                None
            };
            let list = ListResponse::from_rows(rows, page, total, |c| c.id);
            let ids: Vec<i64> = list.items.iter().map(|c| c.id).collect();
            let mut industries = coop::industries_of(conn, &ids)?;
            let mut summaries = member_summaries(conn, &ids)?;
            Ok(list.map(|c| {
                let id = c.id;
                let codes = industries.remove(&id).unwrap_or_default();
                let mut out = CooperativeOut::new(c, codes);
                out.members = Some(summaries.remove(&id).unwrap_or_default());
                out
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get one cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "getCooperative",
    summary = "Get a cooperative",
    description = "One cooperative with its `ETag`. A cooperative outside the caller's scope is answered 404, exactly like a missing one.",
    params(("id" = i64, Path, description = "Cooperative id")),
    responses(
        (status = 200, description = "The cooperative", body = CooperativeOut,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 400, description = "The id is not a number"),
        (status = 401, description = "Missing or invalid token"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}")]
pub async fn get_cooperative(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Read)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            let c = cooperative_in_scope(conn, &user, id)?;
            CooperativeOut::load(conn, c)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a cooperative.
#[utoipa::path(
    tag = "cooperatives",
    operation_id = "updateCooperative",
    summary = "Change a cooperative's registry fields",
    description = "Send only the fields to change. With `If-Match` the change applies only to that version (else 412). A cooperative's own account may change only `phone` and `address`.",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one is refused with 412")
    ),
    request_body = CooperativePatch,
    responses(
        (status = 200, description = "Changed", body = CooperativeOut,
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not change these fields"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The new USCC belongs to another cooperative"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/cooperatives/{id}")]
pub async fn patch_cooperative(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<CooperativePatch>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Write)?;
    let id = path.into_inner();
    let demanded = if_match(&req)?;
    let patch = body.0;
    if user.role() == Role::Cooperative {
        let fields = patch.non_contact_fields();
        if !fields.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "a cooperative's account may change only phone and address, not {}",
                fields.join(", ")
            )));
        }
    }
    let new_uscc = match &patch.uscc {
        Some(u) => {
            Some(uscc::validate_cooperative(u, &state.settings.region_code).map_err(uscc_error)?)
        }
        None => None,
    };
    if let Some(town) = &patch.town_code {
        check_town_allowed(&user, town)?;
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = cooperative_in_scope(conn, &user, id)?;
            check_version(demanded, current.version)?;
            check_references(
                conn,
                patch.town_code.as_deref(),
                patch.industry_codes.as_deref(),
            )?;
            if let Some(code) = &new_uscc {
                if coop::uscc_taken(conn, code, Some(id))? {
                    return Err(ApiError::Conflict(format!(
                        "another cooperative has USCC {code}"
                    )));
                }
            }
            let before = CooperativeOut::load(conn, current.clone())?;
            let changes = CooperativeChanges {
                name: patch.name.map(|s| s.trim().to_string()),
                uscc: new_uscc,
                town_code: patch.town_code,
                legal_representative: patch.legal_representative.map(|s| s.trim().to_string()),
                phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
                established_on: patch.established_on,
                registered_capital_fen: patch.registered_capital_fen,
                address: patch.address,
                business_scope: patch.business_scope,
            };
            let updated = coop::update(conn, id, current.version, &changes, now())?
                .ok_or(ApiError::PreconditionFailed)?;
            if let Some(codes) = &patch.industry_codes {
                coop::set_industries(conn, id, codes)?;
            }
            let after = CooperativeOut::load(conn, updated)?;
            audit::record(
                conn,
                &actor,
                "update",
                "cooperative",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}
