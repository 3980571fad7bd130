//! The CSV import of the registry (名录批量导入): every row checked with the rules of
//! `POST /cooperatives`, all rows registered in one transaction or none.
//!
//! [`prepare`] reads the file and applies every rule that needs no database (run it outside
//! the write transaction: a large file takes a while); [`insert`] applies the rules that need
//! the database and, if every row is good, registers them, inside the transaction it is
//! handed.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::errors::ErrorList;
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit;
use crate::db::models::cooperative::{Cooperative, NewCooperative};
use crate::db::models::transfer::{self as bulk, NewIndustry};
use crate::db::models::{now, reference};
use crate::db::DbConn;
use crate::domain::uscc;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::cooperatives::{new_cooperative, reference_errors, validate_create};
use crate::views::cooperatives::{CooperativeCreate, CooperativeOut};
use crate::views::transfer::{unguard, ImportResult, BOM, CREATE_COLUMNS, OPTIONAL_COLUMNS};

/// At most this many lines are named when a town officer's file has rows of another town.
const MAX_NAMED_LINES: usize = 20;

/// One row read from the file. `uscc` is the normalised code when it is valid.
struct ParsedRow {
    line: u64,
    body: CooperativeCreate,
    uscc: Option<String>,
}

/// A file read and checked without the database, ready for [`insert`] (only [`prepare`] makes
/// one).
pub struct ParsedFile {
    rows: Vec<ParsedRow>,
    /// Errors found without the database; the rows are kept for the database's checks so
    /// that every bad cell is reported at once.
    errors: ErrorList,
    ignored_columns: Vec<String>,
    /// Lines naming a town other than a town officer's own.
    other_town_lines: Vec<u64>,
    data_rows: usize,
}

impl ParsedFile {
    /// The number of rows with data.
    pub fn data_rows(&self) -> usize {
        self.data_rows
    }
}

/// Who may import: the roles that register cooperatives, less a cooperative's own account.
/// Returns a town officer's own town (its file may hold only that town's cooperatives).
pub fn authorize(caller: &Caller) -> ApiResult<Option<String>> {
    caller.require(Resource::Cooperatives, Access::Write)?;
    if caller.role() == Role::Cooperative {
        return Err(ApiError::Forbidden(
            "a cooperative's account may not register cooperatives".into(),
        ));
    }
    Ok(match caller.role() {
        Role::TownOfficer => Some(caller.claims.town_code.clone().unwrap_or_default()),
        _ => None,
    })
}

/// Reads the file and checks it without the database: the header row, every cell (422 with
/// every bad cell, by line and column), a town officer's towns (403 naming the lines), and
/// that there is a row at all. `own_town` is what [`authorize`] returned.
pub fn prepare(data: &[u8], region_code: &str, own_town: Option<&str>) -> ApiResult<ParsedFile> {
    let parsed = parse_file(data, region_code, own_town)?;
    if !parsed.other_town_lines.is_empty() {
        let mut lines: Vec<String> = parsed
            .other_town_lines
            .iter()
            .take(MAX_NAMED_LINES)
            .map(u64::to_string)
            .collect();
        if parsed.other_town_lines.len() > MAX_NAMED_LINES {
            lines.push("…".into());
        }
        return Err(ApiError::Forbidden(format!(
            "a town officer may only import cooperatives of their own town ({}); lines {} name another town",
            own_town.unwrap_or_default(),
            lines.join(", ")
        )));
    }
    if parsed.data_rows == 0 {
        return Err(ApiError::field(
            "body",
            "no_rows",
            "the file has a header row but no cooperatives",
        ));
    }
    Ok(parsed)
}

/// Applies the rules that need the database and registers every row, each audited with
/// action `import`; a 422 listing every bad cell (and nothing written) otherwise.
pub fn insert(conn: &mut DbConn, caller: &Caller, file: ParsedFile) -> ApiResult<ImportResult> {
    authorize(caller)?;
    let ignored_columns = file.ignored_columns;
    let ids = check_and_insert(conn, file.rows, file.errors, &caller.actor())?;
    Ok(ImportResult {
        created: ids.len(),
        ids,
        ignored_columns,
    })
}

fn header_error(field: &str, code: &str, message: String) -> FieldError {
    FieldError::new(field, code, message).at_line(1)
}

/// Reads the CSV and applies every rule that needs no database.
fn parse_file(
    data: &[u8],
    region_code: &str,
    own_town: Option<&str>,
) -> Result<ParsedFile, ApiError> {
    let data = data.strip_prefix(BOM).unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(data);
    let headers = reader
        .byte_headers()
        .map_err(|e| {
            ApiError::Validation(vec![header_error(
                "header",
                "malformed",
                format!("the header row cannot be read: {e}"),
            )])
        })?
        .clone();
    if headers.is_empty() || headers.iter().all(|h| h.is_empty()) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "empty",
            "the file is empty: it needs a header row naming the columns, then one row per cooperative",
        )]));
    }

    // Map the header row: known create fields → their position; anything else is ignored.
    let mut errors = Vec::new();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let mut ignored_columns = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(raw) else {
            errors.push(header_error(
                "header",
                "encoding",
                format!(
                    "column {} of the header row is not UTF-8; save the file as \"CSV UTF-8\"",
                    i + 1
                ),
            ));
            continue;
        };
        let name = name.trim();
        match CREATE_COLUMNS.iter().copied().find(|c| *c == name) {
            Some(col) => {
                if index.insert(col, i).is_some() {
                    errors.push(header_error(
                        col,
                        "duplicate_column",
                        format!("the header row names {col} twice"),
                    ));
                }
            }
            None => ignored_columns.push(name.to_string()),
        }
    }
    for col in CREATE_COLUMNS {
        if !index.contains_key(col) && !OPTIONAL_COLUMNS.contains(&col) {
            errors.push(header_error(
                col,
                "required",
                format!("the header row lacks the column {col}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    let mut errors = ErrorList::default();
    let mut rows = Vec::new();
    let mut other_town_lines = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut data_rows = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(
                    FieldError::new("row", "malformed", format!("this row cannot be read: {e}"))
                        .at_line(line),
                );
                break;
            }
        };
        if !more {
            break;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        // Spreadsheets often leave rows of empty cells at the end: skip them.
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        data_rows += 1;
        if record.len() != headers.len() {
            errors.push(
                FieldError::new(
                    "row",
                    "columns",
                    format!(
                        "this row has {} cells; the header row has {}",
                        record.len(),
                        headers.len()
                    ),
                )
                .at_line(line),
            );
            continue;
        }
        let mut row_errors = Vec::new();
        let mut cell = |col: &'static str| -> String {
            let Some(&i) = index.get(col) else {
                return String::new();
            };
            match std::str::from_utf8(record.get(i).unwrap_or_default()) {
                Ok(s) => unguard(s.trim()).to_string(),
                Err(_) => {
                    row_errors.push(FieldError::new(
                        col,
                        "encoding",
                        "this cell is not UTF-8; save the file as \"CSV UTF-8\"",
                    ));
                    String::new()
                }
            }
        };
        let name = cell("name");
        let uscc_cell = cell("uscc");
        let town_code = cell("town_code");
        let industry_codes: Vec<String> = cell("industry_codes")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let legal_representative = cell("legal_representative");
        let phone = cell("phone");
        let established_on = cell("established_on");
        let capital = cell("registered_capital_fen");
        let address = Some(cell("address")).filter(|s| !s.is_empty());
        let business_scope = Some(cell("business_scope")).filter(|s| !s.is_empty());

        // A placeholder keeps the other rules running when a date or number cannot be read.
        let established_on = if established_on.is_empty() {
            row_errors.push(FieldError::new(
                "established_on",
                "required",
                "this field is required",
            ));
            NaiveDate::MIN
        } else {
            NaiveDate::parse_from_str(&established_on, "%Y-%m-%d").unwrap_or_else(|_| {
                row_errors.push(FieldError::new(
                    "established_on",
                    "invalid_value",
                    format!("{established_on} is not a date in the form YYYY-MM-DD"),
                ));
                NaiveDate::MIN
            })
        };
        let registered_capital_fen = if capital.is_empty() {
            row_errors.push(FieldError::new(
                "registered_capital_fen",
                "required",
                "this field is required",
            ));
            0
        } else {
            capital.parse::<i64>().unwrap_or_else(|_| {
                row_errors.push(FieldError::new(
                    "registered_capital_fen",
                    "invalid_type",
                    format!("{capital} is not a whole number of fen"),
                ));
                0
            })
        };
        let body = CooperativeCreate {
            name,
            uscc: uscc_cell,
            town_code,
            industry_codes,
            legal_representative,
            phone,
            established_on,
            registered_capital_fen,
            address,
            business_scope,
        };
        let code = match validate_create(&body, region_code) {
            Ok(code) => Some(code),
            Err(errs) => {
                row_errors.extend(errs);
                uscc::validate_cooperative(&body.uscc, region_code).ok()
            }
        };
        if let Some(code) = &code {
            if let Some(first) = seen.get(code) {
                row_errors.push(FieldError::new(
                    "uscc",
                    "duplicate_in_file",
                    format!("USCC {code} is also on line {first}"),
                ));
            } else {
                seen.insert(code.clone(), line);
            }
        }
        if let Some(own) = own_town {
            if !body.town_code.is_empty() && body.town_code != own {
                other_town_lines.push(line);
            }
        }
        // Errors on the placeholder values are already reported as unreadable.
        if body.established_on == NaiveDate::MIN {
            row_errors.retain(|e| {
                !(e.field == "established_on" && matches!(e.code.as_str(), "future" | "date_range"))
            });
        }
        errors.extend(row_errors.into_iter().map(|e| e.at_line(line)));
        rows.push(ParsedRow {
            line,
            body,
            uscc: code,
        });
    }
    Ok(ParsedFile {
        rows,
        errors,
        ignored_columns,
        other_town_lines,
        data_rows,
    })
}

/// A valid row, ready to insert.
struct Prepared {
    new: NewCooperative,
    /// Sorted, without repeats.
    industry_codes: Vec<String>,
}

/// The checks that need the database (towns, industries, USCCs already registered); then, if
/// every row is good, the inserts. Runs inside the import's one write transaction.
fn check_and_insert(
    conn: &mut DbConn,
    rows: Vec<ParsedRow>,
    mut errors: ErrorList,
    actor: &audit::Actor,
) -> ApiResult<Vec<i64>> {
    // The registry grows by the file within this transaction, and keeps growing file by file.
    crate::db::plan_for_current_sizes(conn)?;
    let towns: HashSet<String> = reference::all_towns(conn)?
        .into_iter()
        .map(|t| t.code)
        .collect();
    let industries: HashSet<String> = reference::all_industries(conn)?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let codes: Vec<&String> = rows.iter().filter_map(|r| r.uscc.as_ref()).collect();
    let taken = bulk::registered_usccs(conn, &codes)?;
    for row in &rows {
        let unknown: Vec<String> = row
            .body
            .industry_codes
            .iter()
            .filter(|c| !industries.contains(*c))
            .cloned()
            .collect();
        let town = &row.body.town_code;
        // An empty town cell is reported already (length); so are blank industry codes.
        let town = (!town.is_empty()).then(|| (town.as_str(), towns.contains(town)));
        let mut row_errors = reference_errors(town, &row.body.industry_codes, &unknown);
        if let Some(code) = row.uscc.as_ref().filter(|c| taken.contains(*c)) {
            row_errors.push(FieldError::new(
                "uscc",
                "already_registered",
                format!("a cooperative with USCC {code} is already registered"),
            ));
        }
        errors.extend(row_errors.into_iter().map(|e| e.at_line(row.line)));
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }

    let at = now();
    let mut prepared: Vec<Prepared> = Vec::with_capacity(rows.len());
    for r in rows {
        let mut codes = r.body.industry_codes.clone();
        codes.sort();
        codes.dedup();
        // Every row is valid here, so its USCC is known.
        let code = r
            .uscc
            .ok_or_else(|| ApiError::internal("a valid import row without a USCC"))?;
        prepared.push(Prepared {
            new: new_cooperative(r.body, code, at),
            industry_codes: codes,
        });
    }
    let values: Vec<&NewCooperative> = prepared.iter().map(|p| &p.new).collect();
    let ids_by_uscc = bulk::insert_cooperatives(conn, &values)?;
    let mut ids = Vec::with_capacity(prepared.len());
    let mut industry_rows = Vec::new();
    for p in &prepared {
        let id = *ids_by_uscc
            .get(&p.new.uscc)
            .ok_or_else(|| ApiError::internal("an imported row was not returned by the insert"))?;
        ids.push(id);
        for code in &p.industry_codes {
            industry_rows.push(NewIndustry {
                cooperative_id: id,
                industry_code: code.clone(),
            });
        }
    }
    bulk::insert_industries(conn, &industry_rows)?;
    // One audit event per cooperative, written in multi-row inserts a chunk at a time.
    let mut created = prepared.into_iter().zip(ids.iter().copied()).peekable();
    while created.peek().is_some() {
        let chunk: Vec<(String, CooperativeOut)> = created
            .by_ref()
            .take(bulk::CHUNK)
            .map(|(p, id)| {
                (
                    id.to_string(),
                    CooperativeOut::new(inserted_row(id, p.new), p.industry_codes),
                )
            })
            .collect();
        audit::record_created(conn, actor, "import", "cooperative", &chunk)?;
    }
    Ok(ids)
}

/// The stored row of a just-inserted cooperative, without reading it back.
fn inserted_row(id: i64, n: NewCooperative) -> Cooperative {
    Cooperative {
        id,
        name: n.name,
        uscc: n.uscc,
        town_code: n.town_code,
        legal_representative: n.legal_representative,
        phone: n.phone,
        established_on: n.established_on,
        registered_capital_fen: n.registered_capital_fen,
        address: n.address,
        business_scope: n.business_scope,
        status: n.status,
        tier: None,
        demonstration_level: None,
        version: n.version,
        created_at: n.created_at,
        updated_at: n.updated_at,
        merged_into_id: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope";

    fn code(n: u32) -> String {
        uscc::complete(&format!("93500119MA{n:07}")).unwrap()
    }

    fn line(n: u32) -> String {
        format!(
            "社{n},{},500119110,ancient_tree_tea;blueberry,张三,13812345678,2015-03-18,100,,",
            code(n)
        )
    }

    #[test]
    fn parses_rows_with_bom_and_splits_industries() {
        let csv = format!("\u{feff}{HEADER},id\n{},9\n{}\n", line(1), line(2) + ",");
        let p = parse_file(csv.as_bytes(), "500119", None).unwrap_or_else(|_| panic!("parse"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].line, 2);
        assert_eq!(
            p.rows[0].body.industry_codes,
            vec!["ancient_tree_tea", "blueberry"]
        );
        assert_eq!(p.ignored_columns, vec!["id"]);
    }

    #[test]
    fn bad_cells_are_reported_with_line_and_column() {
        let bad = line(2)
            .replace("2015-03-18", "2015-13-01")
            .replace(",100,", ",abc,");
        let csv = format!("{HEADER}\n{}\n{bad}\n{}\n", line(1), line(1));
        let Ok(p) = parse_file(csv.as_bytes(), "500119", None) else {
            panic!("parse")
        };
        let got: Vec<(u64, &str, &str)> = p
            .errors
            .listed
            .iter()
            .map(|e| (e.line.unwrap(), e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "established_on", "invalid_value"),
                (3, "registered_capital_fen", "invalid_type"),
                (4, "uscc", "duplicate_in_file"),
            ]
        );
    }

    #[test]
    fn missing_columns_are_reported_on_the_header() {
        let Err(ApiError::Validation(errs)) = parse_file(b"name,uscc\nx,y\n", "500119", None)
        else {
            panic!("expected a validation error")
        };
        assert!(errs
            .iter()
            .all(|e| e.line == Some(1) && e.code == "required"));
        assert!(errs.iter().any(|e| e.field == "town_code"));
    }
}
