//! `GET /statements/{bank_code}/{date}` and its `.csv`: a bank's loan book at the end of a
//! day, for reconciliation. Both stream, 500 loans a chunk.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use futures_util::{stream, StreamExt};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::service::loans::statements;
use crate::state::AppState;
use crate::views::loans::statements::{
    csv_row, csv_totals, StatementOut, StatementRepayment, StatementTotals, CSV_HEADER,
};
use crate::views::transfer::FileBytes;

/// A batch as read, and the last loan id when there may be more.
type Read = (statements::Batch, Option<i64>);

/// Starts reading the batch after loan `after` on the blocking pool. The stream starts the
/// next read as soon as one returns, so the database reads batch k + 1 while batch k's books
/// are computed and serialised (on another blocking thread).
fn fetch(
    state: &web::Data<AppState>,
    bank: &str,
    on: NaiveDate,
    after: Option<i64>,
) -> actix_web::rt::task::JoinHandle<ApiResult<Read>> {
    let (state, bank) = (state.clone(), bank.to_string());
    actix_web::rt::spawn(async move {
        state
            .db(move |conn| statements::read(conn, &bank, on, after))
            .await
    })
}

/// A batch's lines written out, with their totals and the day's movements.
struct Written {
    bytes: Vec<u8>,
    totals: StatementTotals,
    lines: usize,
    movements: Vec<StatementRepayment>,
}

/// Computes a batch's books and writes its lines (`first`: no comma before the first JSON
/// item). CPU only: it runs on the blocking pool.
fn render(
    batch: statements::Batch,
    on: NaiveDate,
    format: Format,
    first: bool,
) -> ApiResult<Written> {
    let (lines, movements) = statements::compute(batch, on);
    let mut bytes = Vec::with_capacity(lines.len() * 64);
    let mut totals = StatementTotals::default();
    for (i, l) in lines.iter().enumerate() {
        totals.add(l).ok_or_else(statements::overflow)?;
        match format {
            Format::Csv => bytes.extend(csv_row(l)?),
            Format::Json => {
                if !(first && i == 0) {
                    bytes.push(b',');
                }
                serde_json::to_writer(&mut bytes, l).map_err(ApiError::internal)?;
            }
        }
    }
    totals.repayments = movements.len() as i64;
    Ok(Written {
        bytes,
        totals,
        lines: lines.len(),
        movements,
    })
}

/// How the statement is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// Where the streamed statement has got to.
struct Cursor {
    state: web::Data<AppState>,
    bank: String,
    on: NaiveDate,
    /// The next batch, already being read while this one is computed and sent.
    pending: Option<actix_web::rt::task::JoinHandle<ApiResult<Read>>>,
    totals: StatementTotals,
    format: Format,
    /// Lines written so far.
    lines: usize,
    /// The day's movements, written after the loans (JSON).
    movements: Vec<StatementRepayment>,
}

/// A bank's statement for a day.
#[utoipa::path(
    tag = "loans",
    operation_id = "getStatement",
    summary = "A bank's statement for a day (reconciliation)",
    description = "The bank's loan book **as it stood at the end of `date`** (UTC): what was recorded by then counts, what was recorded later never changes it. Every loan of the bank disbursed (value date) by then and not settled before that day, with its status then and its end-of-day figures: `outstanding_principal_fen`, `accrued_interest_fen` (unpaid interest of instalments due and interest accrued actual/360 in the running period), `penalty_interest_fen`, `repaid_that_day_fen` (the day's movements of the loan); the day's movements (`repayments`): each repayment recorded that day (`kind: repayment`; a repayment recorded with a later value date counts from that date) and each repayment reversed that day as a line of its own (`kind: reversal`, negative figures: minus what the allocation lost, later repayments re-allocated), so one day's closing principal less the next day's movements' `principal_fen` is the next day's closing principal; and totals that add up (`totals.repaid_that_day_fen` = Σ lines = Σ movements). Streamed 500 loans at a time. The bank (its own; another bank's → 404), the district admin, observers.",
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
    let on = statements::check(&caller, &bank, &date)?;
    let head = format!(
        "{{\"bank_code\":{},\"date\":\"{on}\",\"loans\":[",
        serde_json::to_string(&bank).map_err(ApiError::internal)?
    );
    let body = stream::once(async move { Ok::<_, ApiError>(web::Bytes::from(head)) }).chain(body(
        state,
        bank,
        on,
        Format::Json,
    ));
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// The statement as CSV, streamed 500 loans at a time and ended by a totals row.
#[utoipa::path(
    tag = "loans",
    operation_id = "getStatementCsv",
    summary = "A bank's statement for a day, as CSV",
    description = "The loans of `GET /statements/{bank_code}/{date}` (as the book stood at the end of that day) as UTF-8 CSV (`loan_id,bank_reference,status,outstanding_principal_fen,accrued_interest_fen,penalty_interest_fen,repaid_that_day_fen`), streamed 500 loans at a time, ended by a `total` row. Cells that would start a spreadsheet formula are prefixed with `'`.",
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
    let body = stream::once(async move { Ok::<_, ApiError>(header_row) }).chain(body(
        state,
        bank,
        on,
        Format::Csv,
    ));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, filename))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// The statement after its opening bytes, 500 loans a chunk, each serialised as it is read:
/// CSV rows then the totals row, or the JSON `loans` array's items then the day's movements
/// (kept until the loans are written: they are the day's, not the book's) and the totals.
fn body(
    state: web::Data<AppState>,
    bank: String,
    on: NaiveDate,
    format: Format,
) -> impl futures_util::Stream<Item = ApiResult<web::Bytes>> {
    let first = fetch(&state, &bank, on, None);
    let start = Cursor {
        state,
        bank,
        on,
        pending: Some(first),
        totals: StatementTotals::default(),
        format,
        lines: 0,
        movements: Vec::new(),
    };
    stream::unfold(Some(start), |cursor| async move {
        let mut cursor = cursor?;
        let pending = cursor.pending.take()?;
        let step = async {
            let (batch, last) = pending.await.map_err(ApiError::internal)??;
            if let Some(last) = last {
                cursor.pending = Some(fetch(&cursor.state, &cursor.bank, cursor.on, Some(last)));
            }
            let (on, format, first) = (cursor.on, cursor.format, cursor.lines == 0);
            let written = web::block(move || render(batch, on, format, first))
                .await
                .map_err(ApiError::internal)??;
            let out = cursor.take(written)?;
            Ok::<_, ApiError>((out, last))
        };
        match step.await {
            Ok((out, Some(_))) => Some((Ok(web::Bytes::from(out)), Some(cursor))),
            Ok((mut out, None)) => match cursor.end() {
                Ok(t) => {
                    out.extend(t);
                    Some((Ok(web::Bytes::from(out)), None))
                }
                Err(e) => Some((Err(e), None)),
            },
            Err(e) => {
                tracing::error!(error = %e, "statement failed mid-stream");
                Some((Err(e), None))
            }
        }
    })
}

impl Cursor {
    /// Adds a written batch to the totals (and keeps its movements for the end, JSON) and
    /// answers its bytes.
    fn take(&mut self, w: Written) -> ApiResult<Vec<u8>> {
        self.totals = self
            .totals
            .merged(&w.totals)
            .ok_or_else(statements::overflow)?;
        self.lines += w.lines;
        if self.format == Format::Json {
            self.movements.extend(w.movements);
        }
        Ok(w.bytes)
    }

    /// What ends the body: the totals row, or the movements and totals.
    fn end(&self) -> ApiResult<Vec<u8>> {
        match self.format {
            Format::Csv => csv_totals(&self.totals),
            Format::Json => {
                let mut out = b"],\"repayments\":".to_vec();
                serde_json::to_writer(&mut out, &self.movements).map_err(ApiError::internal)?;
                out.extend(b",\"totals\":");
                serde_json::to_writer(&mut out, &self.totals).map_err(ApiError::internal)?;
                out.push(b'}');
                Ok(out)
            }
        }
    }
}
