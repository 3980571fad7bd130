//! The member ledger (成员台账): add, list, change, exit; a masked CSV export.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::member::{self, Member, MemberChanges, MemberFilter, NewMember};
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::id_number;
use crate::domain::member::{ContributionForm, MemberType};
use crate::domain::phone;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::state::AppState;
use crate::views::csv::csv_line;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_member)
        .service(list_members)
        .service(export_members_csv)
        .service(get_member)
        .service(patch_member)
        .service(exit_member);
}

/// A new member of the ledger.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "李四", "id_number": "500119201003070026", "member_type": "farmer",
    "joined_on": "2020-03-01", "contribution_fen": 500000, "contribution_form": "land_management_right"
}))]
pub struct MemberCreate {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    pub member_type: MemberType,
    /// Resident ID number (GB 11643); required for farmers. Never returned whole.
    pub id_number: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: NaiveDate,
    /// The capital contributed, in fen.
    #[validate(range(min = 0))]
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
}

/// Changes to a member; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contribution_fen": 800000, "contribution_form": "homestead_use_right"}))]
pub struct MemberPatch {
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
    pub member_type: Option<MemberType>,
    pub id_number: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    pub phone: Option<String>,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: Option<NaiveDate>,
    #[validate(range(min = 0))]
    pub contribution_fen: Option<i64>,
    pub contribution_form: Option<ContributionForm>,
}

/// A member as the API shows it: the ID number only masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "cooperative_id": 1, "name": "李四", "member_type": "farmer",
    "id_number_masked": "500119********0026", "phone": null, "joined_on": "2020-03-01",
    "exited_on": null, "exit_reason": null, "active": true, "contribution_fen": 500000,
    "contribution_form": "land_management_right", "version": 1,
    "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct MemberOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    /// First 6 and last 4 characters of the ID number.
    #[schema(example = "500119********0026")]
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub active: bool,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        MemberOut {
            id: m.id,
            cooperative_id: m.cooperative_id,
            name: m.name,
            member_type: MemberType::parse(&m.member_type).unwrap_or(MemberType::Farmer),
            id_number_masked: m.id_number.as_deref().map(id_number::mask),
            phone: m.phone,
            joined_on: m.joined_on,
            active: m.exited_on.is_none(),
            exited_on: m.exited_on,
            exit_reason: m.exit_reason,
            contribution_fen: m.contribution_fen,
            contribution_form: ContributionForm::parse(&m.contribution_form)
                .unwrap_or(ContributionForm::Other),
            version: m.version,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberFilterParams {
    pub member_type: Option<MemberType>,
    /// `true`: current members only; `false`: those who exited.
    pub active: Option<bool>,
}

impl MemberFilterParams {
    fn to_filter(&self) -> MemberFilter {
        MemberFilter {
            member_type: self.member_type.map(|t| t.as_str().to_string()),
            active: self.active,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExitParams {
    /// The day the member left (default today; not in the future).
    pub exited_on: Option<NaiveDate>,
    /// Why the member left.
    #[validate(length(max = 500))]
    pub reason: Option<String>,
}

/// Validates an ID number; a farmer must have one.
fn check_id_number(raw: Option<&str>, member_type: MemberType) -> ApiResult<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => id_number::normalize(raw, today())
            .map(Some)
            .map_err(|e| ApiError::field("id_number", e.code(), e.to_string())),
        None if member_type == MemberType::Farmer => Err(ApiError::field(
            "id_number",
            "required",
            "a farmer member needs a resident ID number",
        )),
        None => Ok(None),
    }
}

fn duplicate() -> ApiError {
    ApiError::Conflict("an active member of this cooperative has the same ID number".into())
}

fn member_in_scope(
    conn: &mut DbConn,
    user: &Caller,
    coop_id: i64,
    member_id: i64,
) -> ApiResult<Member> {
    user.cooperative(conn, coop_id)?;
    Ok(member::find(conn, coop_id, member_id)?)
}

/// Add a member.
#[utoipa::path(
    tag = "members",
    operation_id = "addMember",
    summary = "Add a member to a cooperative's ledger",
    description = "Farmers need a valid resident ID number (GB 11643 check digit, a real past birth date); it is stored for matching and only ever returned masked. The same ID number twice among a cooperative's active members is a 409.",
    params(("id" = i64, Path, description = "Cooperative id")),
    request_body = MemberCreate,
    responses(
        (status = 201, description = "Added", body = MemberOut, headers(("Location" = String, description = "The member's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "Duplicate ID number, or the cooperative is merged or deregistered"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid (ID number, type, dates, amounts)")
    )
)]
#[post("/cooperatives/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    body: ValidJson<MemberCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Write)?;
    let coop_id = path.into_inner();
    let body = body.0;
    let id_number = check_id_number(body.id_number.as_deref(), body.member_type)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let coop = user.cooperative(conn, coop_id)?;
            ensure_operating(&coop)?;
            if let Some(n) = &id_number {
                if member::active_id_number_taken(conn, coop_id, n, None)? {
                    return Err(duplicate());
                }
            }
            let at = now();
            let created = member::insert(
                conn,
                &NewMember {
                    cooperative_id: coop_id,
                    name: body.name.trim().to_string(),
                    member_type: body.member_type.as_str().into(),
                    id_number,
                    phone: body.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
                    joined_on: body.joined_on,
                    contribution_fen: body.contribution_fen,
                    contribution_form: body.contribution_form.as_str().into(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            let out = MemberOut::from(created);
            audit::record(
                conn,
                &actor,
                "create",
                "member",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    let location = format!("/api/v1/cooperatives/{coop_id}/members/{}", out.id);
    Ok(with_etag(
        HttpResponse::Created()
            .insert_header((header::LOCATION, location))
            .take(),
        out.version,
        &out,
    ))
}

/// List members.
#[utoipa::path(
    tag = "members",
    operation_id = "listMembers",
    summary = "List a cooperative's members",
    description = "The member ledger, in joining order, with ID numbers masked. Filter by type and by whether members are current or exited.",
    params(("id" = i64, Path, description = "Cooperative id"), MemberFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of members", body = ListResponse<MemberOut>),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    filters: ValidQuery<MemberFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Read)?;
    let coop_id = path.into_inner();
    let page = page.page()?;
    let filter = filters.to_filter();
    let list = state
        .db(move |conn| {
            user.cooperative(conn, coop_id)?;
            let rows = member::list(conn, coop_id, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(member::count(conn, coop_id, &filter)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |m| m.id).map(MemberOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Export the ledger as CSV.
#[utoipa::path(
    tag = "members",
    operation_id = "exportMembersCsv",
    summary = "Export a cooperative's member ledger as CSV",
    description = "Every member (current and exited) with the ID number masked, as UTF-8 CSV with a byte-order mark so Excel opens it cleanly.",
    params(("id" = i64, Path, description = "Cooperative id"), MemberFilterParams),
    responses(
        (status = 200, description = "The ledger", content_type = "text/csv", body = String),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/members.csv")]
pub async fn export_members_csv(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    filters: ValidQuery<MemberFilterParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Read)?;
    let coop_id = path.into_inner();
    let filter = filters.to_filter();
    let body = state
        .db(move |conn| {
            user.cooperative(conn, coop_id)?;
            let mut out = b"\xEF\xBB\xBF".to_vec();
            out.extend(csv_line([
                "id",
                "name",
                "member_type",
                "id_number_masked",
                "phone",
                "joined_on",
                "exited_on",
                "exit_reason",
                "contribution_fen",
                "contribution_form",
            ])?);
            let mut after = None;
            loop {
                let rows = member::list(conn, coop_id, &filter, after, 1000)?;
                let Some(last) = rows.last() else { break };
                after = Some(last.id);
                for m in rows {
                    let o = MemberOut::from(m);
                    out.extend(csv_line([
                        o.id.to_string(),
                        o.name,
                        o.member_type.to_string(),
                        o.id_number_masked.unwrap_or_default(),
                        o.phone.unwrap_or_default(),
                        o.joined_on.to_string(),
                        o.exited_on.map(|d| d.to_string()).unwrap_or_default(),
                        o.exit_reason.unwrap_or_default(),
                        o.contribution_fen.to_string(),
                        o.contribution_form.to_string(),
                    ])?);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"members-{coop_id}.csv\""),
        ))
        .body(body))
}

/// Get one member.
#[utoipa::path(
    tag = "members",
    operation_id = "getMember",
    summary = "Get a member",
    description = "One member of the ledger, with the ID number masked and the `ETag` for changes.",
    params(("id" = i64, Path, description = "Cooperative id"), ("member_id" = i64, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = MemberOut, headers(("ETag" = String, description = "The version"))),
        (status = 400, description = "An id is not a number"),
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/members/{member_id}")]
pub async fn get_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Read)?;
    let (coop_id, member_id) = path.into_inner();
    let out = state
        .db(move |conn| {
            Ok(MemberOut::from(member_in_scope(
                conn, &user, coop_id, member_id,
            )?))
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a member.
#[utoipa::path(
    tag = "members",
    operation_id = "updateMember",
    summary = "Change a member",
    description = "Send only the fields to change; `If-Match` makes the change conditional on the version. Exited members cannot be changed.",
    params(
        ("id" = i64, Path, description = "Cooperative id"),
        ("member_id" = i64, Path, description = "Member id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "Changed", body = MemberOut, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 409, description = "Duplicate ID number, or the member has exited"),
        (status = 412, description = "If-Match does not match the current version"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/cooperatives/{id}/members/{member_id}")]
pub async fn patch_member(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: ValidJson<MemberPatch>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Write)?;
    let (coop_id, member_id) = path.into_inner();
    let demanded = if_match(&req)?;
    let patch = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let coop = user.cooperative(conn, coop_id)?;
            ensure_operating(&coop)?;
            let current = member::find(conn, coop_id, member_id)?;
            check_version(demanded, current.version)?;
            if current.exited_on.is_some() {
                return Err(ApiError::Conflict(
                    "the member has exited; the record is closed".into(),
                ));
            }
            let member_type = patch.member_type.unwrap_or_else(|| {
                MemberType::parse(&current.member_type).unwrap_or(MemberType::Farmer)
            });
            let id_number = match &patch.id_number {
                Some(raw) => check_id_number(Some(raw), member_type)?,
                None => check_id_number(current.id_number.as_deref(), member_type)?,
            };
            if let Some(n) = &id_number {
                if member::active_id_number_taken(conn, coop_id, n, Some(member_id))? {
                    return Err(duplicate());
                }
            }
            let before = MemberOut::from(current.clone());
            let changes = MemberChanges {
                name: patch.name.map(|s| s.trim().to_string()),
                member_type: patch.member_type.map(|t| t.as_str().to_string()),
                id_number: if patch.id_number.is_some() {
                    id_number
                } else {
                    None
                },
                phone: patch.phone.map(|p| phone::normalize(&p).unwrap_or(p)),
                joined_on: patch.joined_on,
                contribution_fen: patch.contribution_fen,
                contribution_form: patch.contribution_form.map(|f| f.as_str().to_string()),
                version: current.version + 1,
                updated_at: Some(now()),
                ..Default::default()
            };
            let updated = member::update(conn, member_id, current.version, &changes)?
                .ok_or(ApiError::PreconditionFailed)?;
            let after = MemberOut::from(updated);
            audit::record(
                conn,
                &actor,
                "update",
                "member",
                &member_id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// A member exits.
#[utoipa::path(
    tag = "members",
    operation_id = "exitMember",
    summary = "Record a member's exit",
    description = "Deleting a member records the exit (`exited_on`, optional reason); the ledger keeps the history. The ID number is then free for a new membership.",
    params(("id" = i64, Path, description = "Cooperative id"), ("member_id" = i64, Path, description = "Member id"), ExitParams),
    responses(
        (status = 200, description = "The member, exited", body = MemberOut),
        (status = 400, description = "A parameter has the wrong type"),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 409, description = "The member has already exited"),
        (status = 422, description = "The exit date is in the future or before joining")
    )
)]
#[delete("/cooperatives/{id}/members/{member_id}")]
pub async fn exit_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(i64, i64)>,
    params: ValidQuery<ExitParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::MemberLedger, Access::Write)?;
    let (coop_id, member_id) = path.into_inner();
    let params = params.0;
    let exited_on = params.exited_on.unwrap_or_else(today);
    if exited_on > today() {
        return Err(ApiError::field(
            "exited_on",
            "future",
            "must not be in the future",
        ));
    }
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let coop = user.cooperative(conn, coop_id)?;
            ensure_operating(&coop)?;
            let current = member::find(conn, coop_id, member_id)?;
            if current.exited_on.is_some() {
                return Err(ApiError::Conflict("the member has already exited".into()));
            }
            if exited_on < current.joined_on {
                return Err(ApiError::field(
                    "exited_on",
                    "before_joining",
                    "must not be before the member joined",
                ));
            }
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
                &actor,
                "exit",
                "member",
                &member_id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
