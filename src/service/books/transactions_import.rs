//! `POST /imports/member-transactions`: a year's transactions of a cooperative's members from
//! a CSV file, all lines or none.

use std::collections::HashMap;

use chrono::Datelike;

use crate::auth::{Access, Caller, Resource};
use crate::db::models::books::{self as db, Transaction};
use crate::db::models::member::{self, Member};
use crate::db::models::{audit, now, today};
use crate::db::DbConn;
use crate::domain::id_number;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::books::accounts::{ensure_year_open, member_year};
use crate::service::cooperatives::ensure_operating;
use crate::service::transfer::ErrorList;
use crate::views::books::MAX_QUANTITY;
use crate::views::transfer::BOM;
use crate::views::validators::MAX_FEN;

/// Who names the member on a line.
#[derive(Debug, Clone)]
enum Who {
    Id(i64),
    /// A normalised resident ID number (never logged, never echoed).
    IdNumber(String),
}

#[derive(Debug, Clone)]
struct Line {
    line: u64,
    who: Who,
    amount_fen: i64,
    quantity: Option<i64>,
    unit: Option<String>,
}

/// A file read and checked without the database.
pub struct ParsedFile {
    lines: Vec<Line>,
    errors: ErrorList,
}

/// What an import wrote.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"cooperative_id": 1, "year": 2025, "imported": 7, "member_ids": [3, 4, 5, 6, 7, 8, 9]}))]
pub struct TransactionsImported {
    pub cooperative_id: i64,
    pub year: i32,
    /// Lines written (each a member's record of the year, created or replaced).
    pub imported: usize,
    /// The members, in the file's order.
    pub member_ids: Vec<i64>,
}

pub fn authorize(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::MemberLedger, Access::Write)
}

fn cell(rec: &csv::StringRecord, at: Option<usize>) -> Option<&str> {
    at.and_then(|i| rec.get(i))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn number(
    errors: &mut ErrorList,
    line: u64,
    field: &str,
    raw: Option<&str>,
    max: i64,
) -> Option<i64> {
    let raw = raw?;
    match raw.parse::<i64>() {
        Ok(v) if (0..=max).contains(&v) => Some(v),
        _ => {
            errors.push(
                FieldError::new(
                    field,
                    "range",
                    format!("must be a whole number from 0 to {max}"),
                )
                .at_line(line),
            );
            None
        }
    }
}

/// Reads the CSV (header `member_id` or `id_number`, `amount_fen`, optional `quantity`,
/// `unit`) and checks every cell that needs no database.
pub fn prepare(data: &[u8]) -> ApiResult<ParsedFile> {
    let data = data.strip_prefix(BOM).unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::Validation(vec![FieldError::new(
                "header",
                "malformed",
                format!("the header row cannot be read (UTF-8 CSV expected): {e}"),
            )
            .at_line(1)])
        })?
        .clone();
    let at = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (member_col, number_col, amount_col) = (at("member_id"), at("id_number"), at("amount_fen"));
    let (quantity_col, unit_col) = (at("quantity"), at("unit"));
    let mut header_errors = Vec::new();
    if member_col.is_none() && number_col.is_none() {
        header_errors.push(
            FieldError::new(
                "header",
                "missing_column",
                "a member_id or id_number column is needed",
            )
            .at_line(1),
        );
    }
    if amount_col.is_none() {
        header_errors.push(
            FieldError::new("header", "missing_column", "an amount_fen column is needed")
                .at_line(1),
        );
    }
    if !header_errors.is_empty() {
        return Err(ApiError::Validation(header_errors));
    }
    let mut errors = ErrorList::default();
    let mut lines = Vec::new();
    let today = today();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new("line", "malformed", e.to_string()).at_line(line));
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let who = match (cell(&rec, member_col), cell(&rec, number_col)) {
            (Some(id), _) => match id.parse::<i64>() {
                Ok(id) if id > 0 => Some(Who::Id(id)),
                _ => {
                    errors.push(
                        FieldError::new("member_id", "invalid", "must be a member id")
                            .at_line(line),
                    );
                    None
                }
            },
            (None, Some(n)) => match id_number::normalize(n, today) {
                Ok(n) => Some(Who::IdNumber(n)),
                Err(e) => {
                    errors
                        .push(FieldError::new("id_number", e.code(), e.to_string()).at_line(line));
                    None
                }
            },
            (None, None) => {
                errors.push(
                    FieldError::new(
                        "member_id",
                        "required",
                        "name the member by member_id or id_number",
                    )
                    .at_line(line),
                );
                None
            }
        };
        let amount = number(
            &mut errors,
            line,
            "amount_fen",
            cell(&rec, amount_col),
            MAX_FEN,
        );
        if cell(&rec, amount_col).is_none() {
            errors.push(
                FieldError::new("amount_fen", "required", "the amount is required").at_line(line),
            );
        }
        let quantity = number(
            &mut errors,
            line,
            "quantity",
            cell(&rec, quantity_col),
            MAX_QUANTITY,
        );
        let unit = cell(&rec, unit_col).map(str::to_string);
        if unit.as_ref().is_some_and(|u| u.chars().count() > 20) {
            errors.push(FieldError::new("unit", "length", "at most 20 characters").at_line(line));
        }
        if let (Some(who), Some(amount_fen)) = (who, amount) {
            lines.push(Line {
                line,
                who,
                amount_fen,
                quantity,
                unit,
            });
        }
    }
    if lines.is_empty() && errors.is_empty() {
        return Err(ApiError::field(
            "body",
            "no_rows",
            "the file has a header row but no lines",
        ));
    }
    Ok(ParsedFile { lines, errors })
}

/// Resolves every line's member in the cooperative, checks the year, and writes every line
/// (created or replaced) if all are good; a 422 naming every bad line otherwise.
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    year: i32,
    file: ParsedFile,
) -> ApiResult<TransactionsImported> {
    authorize(caller)?;
    if year > today().year() {
        return Err(ApiError::field("year", "future", "the year has not begun"));
    }
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)?;
    ensure_year_open(conn, coop_id, year)?;
    let keys = crate::pii::keyring()?;
    let members: Vec<Member> = member::list(conn, coop_id, &Default::default(), None, i64::MAX)?;
    let by_id: HashMap<i64, &Member> = members.iter().map(|m| (m.id, m)).collect();
    let by_index: HashMap<&str, &Member> = members
        .iter()
        .filter(|m| m.exited_on.is_none())
        .filter_map(|m| m.id_number_index.as_deref().map(|i| (i, m)))
        .collect();
    let mut errors = file.errors;
    let mut seen: HashMap<i64, u64> = HashMap::new();
    let mut rows = Vec::new();
    for l in &file.lines {
        let (field, found) = match &l.who {
            Who::Id(id) => ("member_id", by_id.get(id).copied()),
            Who::IdNumber(n) => (
                "id_number",
                keys.indices(n)
                    .iter()
                    .find_map(|i| by_index.get(i.as_str()).copied()),
            ),
        };
        let Some(m) = found else {
            errors.push(
                FieldError::new(field, "unknown", "no such member of this cooperative")
                    .at_line(l.line),
            );
            continue;
        };
        if let Some(first) = seen.insert(m.id, l.line) {
            errors.push(
                FieldError::new(
                    field,
                    "duplicate_in_file",
                    format!("the same member is also on line {first}"),
                )
                .at_line(l.line),
            );
            continue;
        }
        if let Err(ApiError::Validation(v)) = member_year(m, year) {
            for e in v {
                errors.push(FieldError::new(field, e.code, e.message).at_line(l.line));
            }
            continue;
        }
        rows.push((m.id, l));
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    let at = now();
    let actor = caller.actor();
    for (member_id, l) in &rows {
        let current = db::transaction(conn, *member_id, year)?;
        let row = Transaction {
            id: 0,
            cooperative_id: coop_id,
            member_id: *member_id,
            year,
            amount_fen: l.amount_fen,
            quantity: l.quantity,
            unit: l.unit.clone(),
            version: current.as_ref().map(|t| t.version + 1).unwrap_or(1),
            updated_at: at,
        };
        db::save_transaction(conn, &row, current.is_some())?;
        audit::record(
            conn,
            &actor,
            "import",
            "member_transactions",
            &format!("{member_id}/{year}"),
            current
                .as_ref()
                .map(|t| (t.amount_fen, t.quantity, t.unit.clone()))
                .as_ref(),
            Some(&(row.amount_fen, row.quantity, row.unit.clone())),
        )?;
    }
    Ok(TransactionsImported {
        cooperative_id: coop_id,
        year,
        imported: rows.len(),
        member_ids: rows.iter().map(|(id, _)| *id).collect(),
    })
}
