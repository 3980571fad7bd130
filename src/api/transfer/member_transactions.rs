//! `POST /imports/member-transactions`: a year's member transactions from a CSV file, read the
//! way the cooperative import reads its body.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::import::{run_import, IMPORT_BODY_LIMIT};
use crate::api::support::extract::ValidQuery;
use crate::api::support::upload::csv_file;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::service::books::transactions_import::{self as import, TransactionsImported};
use crate::state::AppState;
use crate::views::upload::CsvUpload;

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionImportParams {
    /// The cooperative whose members traded.
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub cooperative_id: i64,
    /// The fiscal year of the transactions (begun; not yet closed by an adopted distribution).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

/// Import a year's member transactions.
#[utoipa::path(
    tag = "imports",
    operation_id = "importMemberTransactions",
    summary = "Record a year's member transactions from a CSV file",
    description = "Records (or replaces) each listed member's transactions with the cooperative for `year`, **all or nothing**. UTF-8 CSV (a BOM is fine), header row first: `member_id` or `id_number` (a resident ID number of an active member, matched without ever being stored or echoed), `amount_fen` (whole fen, 0 to 10^13), and optionally `quantity` (0 to 10^12) and `unit` (≤ 20 characters). Other columns are ignored; rows of empty cells are skipped.\n\nEvery bad line is reported with its `line` (the header is line 1) and `field` (at most 1,000; beyond, a last entry `errors_truncated` counts the rest): an unknown member, a member named twice, a member who did not belong to the cooperative that year, a bad number. Then nothing is written (422). A year whose distribution is adopted is closed (409). Roles as the member ledger: district, own town's officer, the cooperative itself. The body may be up to 32 MiB.",
    params(TransactionImportParams),
    request_body(
        description = "The CSV file, UTF-8, header row first: the whole body (`text/csv`), or the field `file` of a `multipart/form-data` form.",
        content((CsvUpload = "multipart/form-data"), (String = "text/csv", example = json!("member_id,amount_fen,quantity,unit\n3,1234567,850,kg\n4,99801,60,kg\n")))
    ),
    responses(
        (status = 201, description = "Every line recorded", body = TransactionsImported),
        (status = 400, description = "The body could not be read"),
        (status = 403, description = "The role may not change member ledgers"),
        (status = 404, description = "No such cooperative, or outside your scope"),
        (status = 409, description = "The cooperative is merged or deregistered, or the year's distribution is adopted"),
        (status = 413, description = "The file is larger than 32 MiB"),
        (status = 415, description = "The body is neither `text/csv` nor `multipart/form-data`, or the CSV's charset is not UTF-8"),
        (status = 422, description = "The year is out of range or has not begun, the header lacks a column, or lines are invalid: `errors[]` names each by `line` and `field`; nothing was written",
            body = Problem, content_type = "application/problem+json",
            example = json!({
                "type": "urn:coophub:problem:validation",
                "title": "Unprocessable Entity",
                "status": 422,
                "detail": "2 cells are invalid on 2 lines; nothing was imported",
                "errors": [
                    {"field": "member_id", "code": "unknown", "message": "no such member of this cooperative", "line": 3},
                    {"field": "amount_fen", "code": "range", "message": "must be a whole number from 0 to 10000000000000", "line": 5}
                ]
            }))
    )
)]
#[post("/imports/member-transactions")]
pub async fn import_member_transactions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: ValidQuery<TransactionImportParams>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    import::authorize(&caller)?;
    let body = csv_file(&req, payload, IMPORT_BODY_LIMIT).await?;
    let (coop_id, year) = (params.cooperative_id, params.year);
    run_import(
        &state,
        move || import::prepare(&body),
        move |conn, file| import::import(conn, &caller, coop_id, year, file),
    )
    .await
}
