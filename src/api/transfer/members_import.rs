//! `POST /imports/members`: a cooperative's members from a CSV file, read the way the
//! cooperative import reads its body.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::import::{run_import, IMPORT_BODY_LIMIT};
use crate::api::support::extract::ValidQuery;
use crate::api::support::upload::csv_file;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::service::books::members_import::{self as import, MembersImported};
use crate::service::books::transactions_import::authorize;
use crate::state::AppState;
use crate::views::upload::CsvUpload;

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberImportParams {
    /// The cooperative whose ledger the members join.
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub cooperative_id: i64,
}

/// Import members.
#[utoipa::path(
    tag = "imports",
    operation_id = "importMembers",
    summary = "Add many members to a cooperative's ledger from a CSV file",
    description = "Adds every row of a UTF-8 CSV file (a BOM is fine) to the cooperative's member ledger, **all or nothing**. The header row names the fields of `POST /api/v1/cooperatives/{id}/members`: `name,member_type,id_number,phone,joined_on,contribution_fen,contribution_form` in any order (`id_number` and `phone` may be left out; a farmer needs an ID number). Other columns are ignored; rows of empty cells are skipped. Every row is checked with the rules of that endpoint, an ID number twice in the file or already an active member's included; if any is bad the answer is 422 naming each bad cell by `line` and `field` (at most 1,000, then `errors_truncated`), and nothing is written. Roles as the member ledger. Up to 32 MiB.",
    params(MemberImportParams),
    request_body(
        description = "The CSV file, UTF-8, header row first: the whole body (`text/csv`), or the field `file` of a `multipart/form-data` form.",
        content((CsvUpload = "multipart/form-data"), (String = "text/csv", example = json!("name,member_type,id_number,phone,joined_on,contribution_fen,contribution_form\n李四,farmer,500119201003070026,,2020-03-01,500000,land_management_right\n南川区某农业公司,enterprise,,,2021-05-01,2000000,cash\n")))
    ),
    responses(
        (status = 201, description = "Every row added", body = MembersImported),
        (status = 400, description = "The body could not be read"),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered"),
        (status = 413, description = "The file is larger than 32 MiB"),
        (status = 415, description = "The body is neither `text/csv` nor `multipart/form-data`, or the CSV's charset is not UTF-8"),
        (status = 422, description = "The header lacks a column or cells are invalid: `errors[]` names each by `line` and `field`; nothing was written",
            body = Problem, content_type = "application/problem+json",
            example = json!({
                "type": "urn:coophub:problem:validation",
                "title": "Unprocessable Entity",
                "status": 422,
                "detail": "2 cells are invalid on 2 lines; nothing was imported",
                "errors": [
                    {"field": "id_number", "code": "checksum", "message": "the check digit does not match", "line": 3},
                    {"field": "id_number", "code": "duplicate", "message": "an active member of this cooperative has the same ID number", "line": 5}
                ]
            }))
    )
)]
#[post("/imports/members")]
pub async fn import_members(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: ValidQuery<MemberImportParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    authorize(&caller)?;
    let body = csv_file(&req, payload, IMPORT_BODY_LIMIT).await?;
    let coop_id = params.cooperative_id;
    run_import(
        &state,
        move || import::prepare(&body),
        move |conn, file| import::import(conn, &caller, coop_id, file),
    )
    .await
}
