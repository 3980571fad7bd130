//! `GET /exports/cooperatives.{csv,xlsx}`: the registry streamed as CSV, or as a workbook.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use futures_util::{stream, StreamExt};

use crate::api::support::extract::ValidQuery;
use crate::auth::Caller;
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::transfer::export;
use crate::state::AppState;
use crate::views::cooperatives::CooperativeFilterParams;
use crate::views::transfer::{FileBytes, XLSX_MIME};

/// Where the streamed export has got to.
struct ExportCursor {
    state: web::Data<AppState>,
    scope: CoopScope,
    filters: CooperativeFilterParams,
    after: Option<i64>,
}

/// Export cooperatives as CSV.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportCooperativesCsv",
    summary = "Export the registry as CSV",
    description = "The cooperatives the caller may see (as `GET /api/v1/cooperatives`: same filters, same scope), as a UTF-8 CSV file with a BOM so that Excel opens it cleanly. The header row is the fields of `POST /api/v1/cooperatives` followed by `id,status,tier,demonstration_level,version`; `industry_codes` joins codes with `;`. The last column, `failing_checks`, names the compliance checks the cooperative fails today, separated by `;` (empty when it passes all; the import ignores the column). `compliance_failing` keeps only the cooperatives failing any of the named checks. The file re-imports as it is through `POST /api/v1/imports/cooperatives`. Free-text cells that would start a spreadsheet formula (`=`, `+`, `-`, `@`) are prefixed with `'`, which the import removes.\n\nThe file is streamed in registration order, read from the database 500 cooperatives at a time, so its size is not bounded by the server's memory.",
    params(CooperativeFilterParams),
    responses(
        (status = 200, description = "The CSV file (streamed)", content((FileBytes = "text/csv")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"cooperatives.csv\""))),
        (status = 422, description = "A filter is invalid (`q` too long, an unknown check in `compliance_failing`)")
    )
)]
#[get("/exports/cooperatives.csv")]
pub async fn export_cooperatives_csv(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<CooperativeFilterParams>,
) -> ApiResult<HttpResponse> {
    let scope = state.db(move |conn| export::scope(conn, &caller)).await?;
    export::check_filters(&filters.0)?;
    let header_row = web::Bytes::from(export::csv_header()?);
    let start = ExportCursor {
        state,
        scope,
        filters: filters.0,
        after: None,
    };
    let rows = stream::unfold(Some(start), |cursor| async move {
        let cursor = cursor?;
        let (scope, filters, after) = (cursor.scope.clone(), cursor.filters.clone(), cursor.after);
        let chunk = cursor
            .state
            .db(move |conn| export::csv_chunk(conn, &scope, &filters, after))
            .await;
        match chunk {
            Ok(export::CsvChunk {
                bytes,
                last_id: Some(last),
                full,
            }) => {
                let next = full.then_some(ExportCursor {
                    after: Some(last),
                    ..cursor
                });
                Some((Ok(web::Bytes::from(bytes)), next))
            }
            Ok(_) => None,
            Err(e) => {
                // The status line is sent already: the client sees a cut-off download.
                tracing::error!(error = %e, "cooperative CSV export failed mid-stream");
                Some((Err(e), None))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, ApiError>(header_row) }).chain(rows);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"cooperatives.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Export cooperatives as an Excel workbook.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportCooperativesXlsx",
    summary = "Export the registry as an Excel workbook",
    description = "The cooperatives the caller may see (same filters and scope as `GET /api/v1/cooperatives`) as an `.xlsx` workbook for people: one sheet, 合作社名录, with Chinese column headers (编号, 合作社名称, 统一社会信用代码, 乡镇（街道）, 产业, 法定代表人（理事长）, 联系电话, 成立日期, 注册资本（元）, 住所, 业务范围, 状态, 分类等级, 示范社级别, …), town and industry names instead of codes, real dates, capital in yuan, a frozen header row and filters. For re-import use the CSV export.",
    params(CooperativeFilterParams),
    responses(
        (status = 200, description = "The workbook", content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"cooperatives.xlsx\""))),
        (status = 422, description = "A filter is invalid (`q` too long)")
    )
)]
#[get("/exports/cooperatives.xlsx")]
pub async fn export_cooperatives_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<CooperativeFilterParams>,
) -> ApiResult<HttpResponse> {
    let bytes = state
        .db(move |conn| export::xlsx(conn, &caller, &filters))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_MIME)
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"cooperatives.xlsx\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
