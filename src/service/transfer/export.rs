//! The registry's exports (名录导出): CSV that re-imports as it is, read from the database a
//! chunk at a time, and an XLSX workbook for people.

use std::collections::{BTreeSet, HashMap};

use chrono::Datelike;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::cooperative::{self as coop, CoopFilter};
use crate::db::models::reference;
use crate::db::DbConn;
use crate::domain::calendar;
use crate::domain::scope::CoopScope;
use crate::error::{ApiError, ApiResult};
use crate::service::worklists;
use crate::views::cooperatives::{CooperativeFilterParams, CooperativeOut};
use crate::views::transfer::{
    demonstration_zh, guard, status_zh, tier_zh, BOM, CREATE_COLUMNS, EXPORT_EXTRA_COLUMNS,
    XLSX_COLUMNS, XLSX_SHEET,
};

/// How many cooperatives an export loads from the database at a time.
pub const EXPORT_CHUNK: i64 = 500;

/// The cooperatives an export may hold: those the caller may read (as the list).
pub fn scope(conn: &mut DbConn, caller: &Caller) -> ApiResult<CoopScope> {
    caller.require(Resource::Cooperatives, Access::Read)?;
    Ok(caller.coop_scope(conn)?)
}

/// One chunk of the export: the cooperatives of [`EXPORT_CHUNK`] examined in id order after
/// `after` (those failing a `wanted` check, with `compliance_failing`), with industry codes and
/// (`with_checks`, or filtering) the checks each fails.
struct Chunk {
    items: Vec<(CooperativeOut, Vec<&'static str>)>,
    /// The last cooperative examined (a match or not).
    last_examined: Option<i64>,
    /// More cooperatives may follow after `last_examined`.
    full: bool,
}

fn load_chunk(
    conn: &mut DbConn,
    scope: &CoopScope,
    filter: &CoopFilter,
    wanted: Option<&BTreeSet<&'static str>>,
    with_checks: bool,
    after: Option<i64>,
) -> ApiResult<Chunk> {
    let (rows, last_examined, full) = match wanted {
        Some(wanted) => {
            let w = worklists::walk(
                conn,
                scope,
                filter,
                wanted,
                after,
                usize::MAX,
                EXPORT_CHUNK as usize,
            )?;
            (w.matches, w.last_examined, w.more)
        }
        None => {
            let rows = coop::list(conn, scope, filter, after, EXPORT_CHUNK)?;
            let last = rows.last().map(|c| c.id);
            let full = rows.len() as i64 == EXPORT_CHUNK;
            let mut checks = if with_checks {
                let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
                worklists::failing_checks_of(conn, &ids)?
            } else {
                HashMap::new()
            };
            let mut out = Vec::with_capacity(rows.len());
            for c in rows {
                let failing = checks.remove(&c.id).unwrap_or_default();
                out.push((c, failing));
            }
            (out, last, full)
        }
    };
    let ids: Vec<i64> = rows.iter().map(|(c, _)| c.id).collect();
    let mut industries = coop::industries_of(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|(c, failing)| {
            let codes = industries.remove(&c.id).unwrap_or_default();
            (CooperativeOut::new(c, codes), failing)
        })
        .collect();
    Ok(Chunk {
        items,
        last_examined,
        full,
    })
}

/// Checks the filters a streamed export cannot refuse once its status line is sent (the
/// check names of `compliance_failing`).
pub fn check_filters(filters: &CooperativeFilterParams) -> ApiResult<()> {
    worklists::parse(filters.compliance_failing.as_deref()).map(|_| ())
}

/// The CSV header row, after the BOM.
pub fn csv_header() -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    w.write_record(CREATE_COLUMNS.iter().chain(EXPORT_EXTRA_COLUMNS.iter()))
        .map_err(ApiError::internal)?;
    w.into_inner().map_err(ApiError::internal)
}

/// CSV rows for a chunk of cooperatives, columns as [`csv_header`].
fn csv_rows(items: &[(CooperativeOut, Vec<&'static str>)]) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(items.len() * 400));
    for (c, failing) in items {
        let failing = failing.join(";");
        let codes = c.industry_codes.join(";");
        let established = c.established_on.format("%Y-%m-%d").to_string();
        let capital = c.registered_capital_fen.to_string();
        let id = c.id.to_string();
        let version = c.version.to_string();
        w.write_record([
            guard(&c.name).as_ref(),
            &c.uscc,
            &c.town_code,
            &codes,
            guard(&c.legal_representative).as_ref(),
            &c.phone,
            &established,
            &capital,
            guard(c.address.as_deref().unwrap_or_default()).as_ref(),
            guard(c.business_scope.as_deref().unwrap_or_default()).as_ref(),
            &id,
            c.status.as_str(),
            c.tier.map(|t| t.as_str()).unwrap_or_default(),
            c.demonstration_level
                .map(|d| d.as_str())
                .unwrap_or_default(),
            &version,
            &failing,
        ])
        .map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}

/// A chunk of the CSV export.
#[derive(Debug, Clone)]
pub struct CsvChunk {
    /// The CSV rows.
    pub bytes: Vec<u8>,
    /// The last cooperative's id (`None`: the chunk is empty).
    pub last_id: Option<i64>,
    /// The chunk is full: more may follow after `last_id`.
    pub full: bool,
}

/// The CSV rows of the cooperatives after `after` (one chunk of [`EXPORT_CHUNK`]).
pub fn csv_chunk(
    conn: &mut DbConn,
    scope: &CoopScope,
    filters: &CooperativeFilterParams,
    after: Option<i64>,
) -> ApiResult<CsvChunk> {
    let wanted = worklists::parse(filters.compliance_failing.as_deref())?;
    let chunk = load_chunk(
        conn,
        scope,
        &filters.to_filter(),
        wanted.as_ref(),
        true,
        after,
    )?;
    Ok(CsvChunk {
        bytes: csv_rows(&chunk.items)?,
        last_id: chunk.last_examined,
        full: chunk.full,
    })
}

/// The registry in the caller's scope as a workbook (see [`build_xlsx`]).
pub fn xlsx(
    conn: &mut DbConn,
    caller: &Caller,
    filters: &CooperativeFilterParams,
) -> ApiResult<Vec<u8>> {
    let scope = scope(conn, caller)?;
    let wanted = worklists::parse(filters.compliance_failing.as_deref())?;
    build_xlsx(conn, &scope, &filters.to_filter(), wanted.as_ref())
}

/// Builds the workbook, reading the database chunk by chunk and writing rows in
/// constant-memory mode (rows go to a temporary file, not to memory).
fn build_xlsx(
    conn: &mut DbConn,
    scope: &CoopScope,
    filter: &CoopFilter,
    wanted: Option<&BTreeSet<&'static str>>,
) -> ApiResult<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let x = ApiError::internal;
    let towns: HashMap<String, String> = reference::all_towns(conn)?
        .into_iter()
        .map(|t| (t.code, t.name))
        .collect();
    let industries: HashMap<String, String> = reference::all_industries(conn)?
        .into_iter()
        .map(|i| (i.code, i.name))
        .collect();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(XLSX_SHEET).map_err(x)?;
    for (col, (title, width)) in XLSX_COLUMNS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width).map_err(x)?;
        sheet
            .write_string_with_format(0, col as u16, *title, &bold)
            .map_err(x)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(x)?;
    let mut row: u32 = 0;
    let mut after = None;
    loop {
        let chunk = load_chunk(conn, scope, filter, wanted, false, after)?;
        for (c, _) in &chunk.items {
            row += 1;
            let industry_names: Vec<&str> = c
                .industry_codes
                .iter()
                .map(|code| industries.get(code).map(String::as_str).unwrap_or(code))
                .collect();
            // A date a workbook cannot hold (before 1900, stored before the bound on input)
            // is written as its text, never failing the export.
            let d = c.established_on;
            let established = calendar::date_in_range(d)
                .then(|| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8))
                .and_then(Result::ok);
            sheet.write_number(row, 0, c.id as f64).map_err(x)?;
            sheet.write_string(row, 1, &c.name).map_err(x)?;
            sheet.write_string(row, 2, &c.uscc).map_err(x)?;
            sheet
                .write_string(
                    row,
                    3,
                    towns.get(&c.town_code).map(String::as_str).unwrap_or(""),
                )
                .map_err(x)?;
            sheet.write_string(row, 4, &c.town_code).map_err(x)?;
            sheet
                .write_string(row, 5, industry_names.join("、"))
                .map_err(x)?;
            sheet
                .write_string(row, 6, &c.legal_representative)
                .map_err(x)?;
            sheet.write_string(row, 7, &c.phone).map_err(x)?;
            match &established {
                Some(when) => sheet.write_datetime_with_format(row, 8, when, &date),
                None => sheet.write_string(row, 8, d.format("%Y-%m-%d").to_string()),
            }
            .map_err(x)?;
            sheet
                .write_number_with_format(row, 9, c.registered_capital_fen as f64 / 100.0, &money)
                .map_err(x)?;
            sheet
                .write_string(row, 10, c.address.as_deref().unwrap_or_default())
                .map_err(x)?;
            sheet
                .write_string(row, 11, c.business_scope.as_deref().unwrap_or_default())
                .map_err(x)?;
            sheet
                .write_string(row, 12, status_zh(c.status))
                .map_err(x)?;
            sheet
                .write_string(row, 13, c.tier.map(tier_zh).unwrap_or_default())
                .map_err(x)?;
            sheet
                .write_string(
                    row,
                    14,
                    c.demonstration_level
                        .map(demonstration_zh)
                        .unwrap_or_default(),
                )
                .map_err(x)?;
            sheet
                .write_number(row, 15, f64::from(c.version))
                .map_err(x)?;
        }
        if !chunk.full {
            break;
        }
        after = chunk.last_examined;
    }
    if row > 0 {
        sheet
            .autofilter(0, 0, row, (XLSX_COLUMNS.len() - 1) as u16)
            .map_err(x)?;
    }
    workbook.save_to_buffer().map_err(x)
}
