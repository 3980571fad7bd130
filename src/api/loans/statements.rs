//! `GET /statements/{bank_code}/{date}` and its `.csv`: a bank's loan book at the end of a
//! day, for reconciliation.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use futures_util::{stream, StreamExt};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::loans::statements;
use crate::state::AppState;
use crate::views::loans::statements::{
    csv_row, csv_totals, StatementOut, StatementTotals, CSV_HEADER,
};
use crate::views::transfer::FileBytes;

/// Where the streamed statement has got to.
struct Cursor {
    state: web::Data<AppState>,
    bank: String,
    on: NaiveDate,
    after: Option<i64>,
    totals: StatementTotals,
}

/// A bank's statement for a day.
#[utoipa::path(
    tag = "loans",
    operation_id = "getStatement",
    summary = "A bank's statement for a day (reconciliation)",
    description = "Every loan of the bank disbursed by the end of `date` and not settled before it, with its end-of-day figures from the loan book (repayments dated up to that day, reversed ones left out): `outstanding_principal_fen`, `accrued_interest_fen` (unpaid interest of instalments due and interest accrued actual/360 in the running period), `penalty_interest_fen`, `repaid_that_day_fen`; the day's repayments with their `bank_reference`; and totals that add up (`totals.repaid_that_day_fen` = Σ lines = Σ repayments). The bank (its own; another bank's → 404), the district admin, observers.",
    params(
        ("bank_code" = String, Path, description = "The bank", pattern = r"^[a-z0-9_]{1,20}$", max_length = 20),
        ("date" = String, Path, description = "The day, YYYY-MM-DD (1900-01-01 to 2100-12-31)", format = Date)
    ),
    responses(
        (status = 200, description = "The statement", body = StatementOut),
        (status = 403, description = "The role sees no statements"),
        (status = 404, description = "Another bank's statement"),
        (status = 422, description = "A malformed bank code or date")
    )
)]
#[get("/statements/{bank_code}/{date}")]
pub async fn get_statement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (bank, date) = path.into_inner();
    if let Some(d) = date.strip_suffix(".csv") {
        return csv(state, caller, bank, d.to_string()).await;
    }
    let out = state
        .db(move |conn| statements::statement(conn, &caller, &bank, &date))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}

/// The statement as CSV, streamed 500 loans at a time and ended by a totals row.
#[utoipa::path(
    tag = "loans",
    operation_id = "getStatementCsv",
    summary = "A bank's statement for a day, as CSV",
    description = "The loans of `GET /statements/{bank_code}/{date}` as UTF-8 CSV (`loan_id,bank_reference,status,outstanding_principal_fen,accrued_interest_fen,penalty_interest_fen,repaid_that_day_fen`), streamed 500 loans at a time, ended by a `total` row. Cells that would start a spreadsheet formula are prefixed with `'`.",
    params(
        ("bank_code" = String, Path, description = "The bank", pattern = r"^[a-z0-9_]{1,20}$", max_length = 20),
        ("date" = String, Path, description = "The day, YYYY-MM-DD", format = Date)
    ),
    responses(
        (status = 200, description = "The CSV file (streamed)", content((FileBytes = "text/csv"))),
        (status = 403, description = "The role sees no statements"),
        (status = 404, description = "Another bank's statement"),
        (status = 422, description = "A malformed bank code or date")
    )
)]
#[get("/statements/{bank_code}/{date}.csv")]
pub async fn get_statement_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (bank, date) = path.into_inner();
    csv(state, caller, bank, date).await
}

async fn csv(
    state: web::Data<AppState>,
    caller: Caller,
    bank: String,
    date: String,
) -> ApiResult<HttpResponse> {
    let on = statements::check(&caller, &bank, &date)?;
    let header_row = web::Bytes::from(crate::views::csv::csv_line(CSV_HEADER)?);
    let filename = format!("attachment; filename=\"statement-{bank}-{on}.csv\"");
    let start = Cursor {
        state,
        bank,
        on,
        after: None,
        totals: StatementTotals::default(),
    };
    let rows = stream::unfold(Some(start), |cursor| async move {
        let mut cursor = cursor?;
        let (bank, on, after) = (cursor.bank.clone(), cursor.on, cursor.after);
        let chunk = cursor
            .state
            .db(move |conn| statements::chunk(conn, &bank, on, after))
            .await;
        let bytes = chunk.and_then(|(lines, _, last)| {
            let mut out = Vec::new();
            for l in &lines {
                cursor.totals.add(l);
                out.extend(csv_row(l)?);
            }
            Ok((out, last))
        });
        match bytes {
            Ok((out, Some(last))) => {
                cursor.after = Some(last);
                Some((Ok(web::Bytes::from(out)), Some(cursor)))
            }
            Ok((_, None)) => match csv_totals(&cursor.totals) {
                Ok(t) => Some((Ok(web::Bytes::from(t)), None)),
                Err(e) => Some((Err(e), None)),
            },
            Err(e) => {
                tracing::error!(error = %e, "statement CSV failed mid-stream");
                Some((Err(e), None))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, ApiError>(header_row) }).chain(rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, filename))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
