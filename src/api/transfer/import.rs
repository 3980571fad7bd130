//! `POST /imports/cooperatives`: the CSV file read and answered over HTTP.

use std::collections::HashSet;

use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::api::support::upload::csv_file;
use crate::auth::Caller;
use crate::error::{problem_response, ApiError, ApiResult, FieldError, Problem};
use crate::service::transfer::import;
use crate::state::AppState;
use crate::views::transfer::ImportResult;
use crate::views::upload::CsvUpload;

/// The largest CSV file accepted: about 20,000 rows with long addresses and business scopes
/// fit with room to spare (a typical row is 300–600 bytes).
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// The two steps of every CSV import: the file parsed and checked on the blocking pool (no
/// connection held), then written in one transaction. A file's 422 problems, from either
/// step, are answered as [`import_problem`]; the result is 201.
pub(super) async fn run_import<F, O>(
    state: &AppState,
    prepare: impl FnOnce() -> ApiResult<F> + Send + 'static,
    write: impl FnOnce(&mut crate::db::DbConn, F) -> ApiResult<O> + Send + 'static,
) -> ApiResult<HttpResponse>
where
    F: Send + 'static,
    O: serde::Serialize + Send + 'static,
{
    let file = match web::block(prepare).await? {
        Ok(file) => file,
        Err(ApiError::Validation(errors)) => return Ok(import_problem(errors)),
        Err(e) => return Err(e),
    };
    match state.db_write(move |conn| write(conn, file)).await {
        Ok(out) => Ok(HttpResponse::Created().json(out)),
        Err(ApiError::Validation(errors)) => Ok(import_problem(errors)),
        Err(e) => Err(e),
    }
}

/// The 422 of an import: the bad cells in line order (the use case lists at most
/// [`MAX_LISTED_ERRORS`](crate::service::transfer::MAX_LISTED_ERRORS)), then the count of
/// the rest if there are more.
pub(super) fn import_problem(mut errors: Vec<FieldError>) -> HttpResponse {
    let rest = errors
        .iter()
        .position(|e| e.code == "errors_truncated")
        .map(|i| errors.remove(i));
    errors.sort_by_key(|e| e.line.unwrap_or(0));
    let total = errors.len();
    let lines: HashSet<u64> = errors.iter().filter_map(|e| e.line).collect();
    let mut detail = match (total, errors.first(), &rest) {
        (1, Some(e), None) => match e.line {
            Some(l) => format!("line {l}, {}: {}", e.field, e.message),
            None => format!("{}: {}", e.field, e.message),
        },
        (_, _, None) => format!("{total} cells are invalid on {} lines", lines.len()),
        (_, _, Some(more)) => format!(
            "{total} cells are invalid on {} lines and {}",
            lines.len(),
            more.message
        ),
    };
    detail.push_str("; nothing was imported");
    errors.extend(rest);
    let err = ApiError::Validation(errors);
    let mut problem = err.to_problem();
    problem.detail = detail;
    problem_response(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &problem)
}

/// Import cooperatives from a CSV file.
#[utoipa::path(
    tag = "imports",
    operation_id = "importCooperatives",
    summary = "Register many cooperatives from a CSV file",
    description = "Registers every row of a UTF-8 CSV file (a leading BOM is fine; Excel's \"CSV UTF-8\") as a cooperative, **all or nothing**.\n\nThe header row names the fields of `POST /api/v1/cooperatives`: `name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope` in any order (`address` and `business_scope` may be left out). Other columns, such as the `id,status,tier,demonstration_level,version` that `GET /api/v1/exports/cooperatives.csv` adds, are ignored and listed in `ignored_columns`, so an export re-imports as it is. `industry_codes` joins several codes with `;`. Dates are `YYYY-MM-DD`, `registered_capital_fen` a whole number of fen. Rows of empty cells are skipped.\n\nEvery row is checked with the rules of `POST /api/v1/cooperatives`; a USCC used twice in the file or already registered is an error too. If any cell is bad the answer is 422 and **nothing is written**: `errors[]` lists the bad cells with their `line` in the file (the header row is line 1) and `field`, the column: at most 1,000 of them; if there are more, checking stops collecting and a last entry `{\"field\": \"file\", \"code\": \"errors_truncated\", \"message\": \"N more errors are not listed …\"}` counts the rest. A date is between 1900-01-01 and 2100-12-31, `registered_capital_fen` at most 10^13. Otherwise all rows are registered in one transaction, each recorded in the audit trail with action `import`.\n\nDistrict admins import anywhere; a town officer imports only cooperatives of their own town: a file with any row of another town is refused whole with 403, naming the lines. The body may be up to 32 MiB (over 100,000 rows of a typical 250 bytes).",
    request_body(
        description = "The CSV file, UTF-8, header row first: as the whole body (`text/csv`), or as the field `file` of a `multipart/form-data` form, as a browser's file input sends it.",
        content((CsvUpload = "multipart/form-data"), (String = "text/csv", example = json!("name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope\n南川区金山镇古树茶专业合作社,93500119MA5U7K3L78,500119110,ancient_tree_tea,张三,13812345678,2015-03-18,50000000,金山镇金山村3组,组织收购、销售成员种植的茶叶\n南川区大观镇蓝莓专业合作社,93500119MA6CXY2K1X,500119108,blueberry;rural_tourism,李四,13900001111,2018-06-01,2000000,,\n")))
    ),
    responses(
        (status = 201, description = "Every row registered", body = ImportResult),
        (status = 400, description = "The body could not be read"),
        (status = 403, description = "The role may not register cooperatives (counselor, cooperative, bank partner, service center, observer), or a town officer's file has rows of another town"),
        (status = 413, description = "The file is larger than 32 MiB"),
        (status = 415, description = "The body is neither `text/csv` nor `multipart/form-data`, the form's file is not a CSV, or its charset is not UTF-8"),
        (status = 422, description = "The form has no field `file` (or two), the file is empty, the header row lacks a column, or cells are invalid: `errors[]` names each bad cell by `line` and `field`; nothing was written",
            body = Problem, content_type = "application/problem+json",
            example = json!({
                "type": "urn:coophub:problem:validation",
                "title": "Unprocessable Entity",
                "status": 422,
                "detail": "3 cells are invalid on 2 lines; nothing was imported",
                "errors": [
                    {"field": "phone", "code": "phone", "message": "must be an 11-digit mobile number starting with 1, optionally +86", "line": 7},
                    {"field": "town_code", "code": "unknown_code", "message": "500119999 is not a town of this district", "line": 7},
                    {"field": "uscc", "code": "duplicate_in_file", "message": "USCC 93500119MA5U7K3L78 is also on line 2", "line": 12}
                ]
            }))
    )
)]
#[post("/imports/cooperatives")]
pub async fn import_cooperatives(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let own_town = import::authorize(&caller)?;
    let body = csv_file(&req, payload, IMPORT_BODY_LIMIT).await?;
    let region = state.settings.region_code.clone();
    run_import(
        &state,
        move || import::prepare(&body, &region, own_town.as_deref()),
        move |conn, file| import::insert(conn, &caller, file),
    )
    .await
}
