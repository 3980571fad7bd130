//! The member ledger (成员台账): add, list, change, exit; a masked CSV export.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::etag::{created, if_match, with_etag};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::members;
use crate::state::AppState;
use crate::views::members::{
    ExitOut, ExitParams, MemberCreate, MemberFilterParams, MemberOut, MemberPatch,
};
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_member)
        .service(list_members)
        .service(export_members_csv)
        .service(get_member)
        .service(patch_member)
        .service(exit_member);
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
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "Duplicate ID number, or the cooperative is merged or deregistered"),
        (status = 422, description = "A field is invalid (ID number, type, dates, amounts)")
    )
)]
#[post("/cooperatives/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<MemberCreate>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let out = state
        .db_write(move |conn| members::add(conn, &caller, coop_id, body.0))
        .await?;
    let location = format!("/api/v1/cooperatives/{coop_id}/members/{}", out.id);
    Ok(created(location, out.version, &out))
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
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/cooperatives/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    filters: ValidQuery<MemberFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let list = state
        .db(move |conn| members::list(conn, &caller, coop_id, &filters, &page))
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
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope")
    )
)]
#[get("/cooperatives/{id}/members.csv")]
pub async fn export_members_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    filters: ValidQuery<MemberFilterParams>,
) -> ApiResult<HttpResponse> {
    let coop_id = path.into_inner();
    let body = state
        .db(move |conn| members::export_csv(conn, &caller, coop_id, &filters))
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
    description = "One member of the ledger, with the ID number masked and the `ETag` for changes. The stored (sealed) ID number is opened and checked against its mask, so a value altered at rest fails this read instead of showing.",
    params(("id" = i64, Path, description = "Cooperative id"), ("member_id" = i64, Path, description = "Member id")),
    responses(
        (status = 200, description = "The member", body = MemberOut, headers(("ETag" = String, description = "The version"))),
        (status = 400, description = "An id is not a number"),
        (status = 403, description = "The role may not read member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 500, description = "The member's sealed ID number does not open (altered or damaged in the database); logged by member and key id, other members unaffected")
    )
)]
#[get("/cooperatives/{id}/members/{member_id}")]
pub async fn get_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (coop_id, member_id) = path.into_inner();
    let out = state
        .db(move |conn| members::get(conn, &caller, coop_id, member_id))
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
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 409, description = "Duplicate ID number, or the member has exited"),
        (status = 412, description = "If-Match does not match the current version")
    )
)]
#[patch("/cooperatives/{id}/members/{member_id}")]
pub async fn patch_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: ValidJson<MemberPatch>,
) -> ApiResult<HttpResponse> {
    let (coop_id, member_id) = path.into_inner();
    let demanded = if_match(&req)?;
    let out = state
        .db_write(move |conn| members::update(conn, &caller, coop_id, member_id, demanded, body.0))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// A member exits.
#[utoipa::path(
    tag = "members",
    operation_id = "exitMember",
    summary = "Record a member's exit",
    description = "Deleting a member records the exit; the ledger keeps the history. Three ways, one per request:\n\n- **Notice** (`requested_on`, the default for a cooperative's own account, today): by the law the exit takes effect at the end of that fiscal year if notice came at least three months before it (by 30 September; six months, by 30 June, for enterprises, institutions and social groups), else at the end of the next year. The member stays `active` until `exited_on`, the effective day.\n- **Recorded** (`exited_on`, the default for district admins and town officers, today): an exit that already happened, taken over from the paper ledger; not in the future. Only district admins and town officers (403 otherwise).\n- **Expulsion** (除名: `meeting_id` + `resolution_seq`): a passed `expulsion` resolution of the member (or representative) assembly; effective on the meeting's date.\n\nThe answer carries `effective_on` and the refund due: the contribution and the reserve share (the reserve quantified to the member by adopted surplus distributions). Once the exit takes effect, the ID number is free for a new membership.",
    params(("id" = i64, Path, description = "Cooperative id"), ("member_id" = i64, Path, description = "Member id"), ExitParams),
    responses(
        (status = 200, description = "The member, with the exit's effective day and the refund due", body = ExitOut),
        (status = 403, description = "The role may not change member ledgers, or a cooperative's account gave `exited_on`"),
        (status = 404, description = "No such member or cooperative, or outside your scope"),
        (status = 409, description = "The member has already exited or given notice, or the cooperative is merged or deregistered"),
        (status = 422, description = "A date in the future or before joining, more than one way given, or a resolution that does not expel")
    )
)]
#[delete("/cooperatives/{id}/members/{member_id}")]
pub async fn exit_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
    params: ValidQuery<ExitParams>,
) -> ApiResult<HttpResponse> {
    let (coop_id, member_id) = path.into_inner();
    let out = state
        .db_write(move |conn| members::exit(conn, &caller, coop_id, member_id, params.0))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
