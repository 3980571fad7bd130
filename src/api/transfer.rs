//! Bulk import and export of the cooperative registry (名录批量导入、导出).
//!
//! * `POST /imports/cooperatives` takes a UTF-8 CSV file (with or without BOM) whose header
//!   row names the fields of `POST /cooperatives`. Every row is checked with the same rules;
//!   if any cell is bad, the answer is a 422 listing each bad cell with its `line` and
//!   `field`, and nothing is written. Otherwise every row is inserted in one transaction.
//! * `GET /exports/cooperatives.csv` streams the registry (list filters, caller's scope) in
//!   keyset chunks, so a district's whole registry is never held in memory. Its header row is
//!   the create fields plus `id,status,tier,demonstration_level,version`, so an export
//!   re-imports as it is.
//! * `GET /exports/cooperatives.xlsx` is the same registry as a spreadsheet with Chinese
//!   column headers, written row by row in `rust_xlsxwriter`'s constant-memory mode.

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use futures_util::{stream, StreamExt};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{content_type_essence, ValidQuery};
use crate::auth::policy::CoopScope;
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::cooperative::{self as coop, CoopFilter, Cooperative, NewCooperative};
use crate::db::models::{now, reference};
use crate::db::schema::{cooperative_industries, cooperatives};
use crate::db::DbConn;
use crate::domain::uscc;
use crate::error::{problem_response, ApiError, ApiResult, FieldError, Problem};
use crate::service::cooperatives::{new_cooperative, reference_errors, validate_create};
use crate::state::AppState;
use crate::views::cooperatives::{CooperativeCreate, CooperativeFilterParams, CooperativeOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import_cooperatives)
        .service(export_cooperatives_csv)
        .service(export_cooperatives_xlsx);
}

/// The largest CSV file accepted: about 20,000 rows with long addresses and business scopes
/// fit with room to spare (a typical row is 300–600 bytes).
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;
/// How many cooperatives an export loads from the database at a time.
pub const EXPORT_CHUNK: i64 = 500;
/// At most this many bad cells are listed in a 422 (the detail gives the full count).
pub const MAX_REPORTED_ERRORS: usize = 1000;
/// Rows per multi-row `INSERT` (13 columns × 500 rows stays far below both backends'
/// bind-parameter limits).
const INSERT_CHUNK: usize = 500;

const BOM: &[u8] = b"\xEF\xBB\xBF";
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The create body's fields, in export order.
pub const CREATE_COLUMNS: [&str; 10] = [
    "name",
    "uscc",
    "town_code",
    "industry_codes",
    "legal_representative",
    "phone",
    "established_on",
    "registered_capital_fen",
    "address",
    "business_scope",
];
/// The columns `address` and `business_scope` may be left out of an import.
const OPTIONAL_COLUMNS: [&str; 2] = ["address", "business_scope"];
/// Read-only columns the export adds after the create fields (ignored by the import).
pub const EXPORT_EXTRA_COLUMNS: [&str; 5] =
    ["id", "status", "tier", "demonstration_level", "version"];

/// The bytes of a file (CSV text or an XLSX workbook).
#[derive(ToSchema)]
#[schema(format = Binary)]
pub struct FileBytes(pub String);

/// What an import created.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 2, "ids": [17, 18], "ignored_columns": ["id", "status", "tier", "demonstration_level", "version"]}))]
pub struct ImportResult {
    /// The number of cooperatives registered.
    pub created: usize,
    /// Their ids, in the order of the file's rows.
    pub ids: Vec<i64>,
    /// Header columns that are not create fields and were ignored.
    pub ignored_columns: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// One row read from the file. `uscc` is the normalised code when it is valid.
struct ParsedRow {
    line: u64,
    body: CooperativeCreate,
    uscc: Option<String>,
}

/// The file, read and checked without the database.
struct ParsedFile {
    rows: Vec<ParsedRow>,
    /// Errors found without the database; the rows are kept for the database's checks so
    /// that every bad cell is reported at once.
    errors: Vec<FieldError>,
    ignored_columns: Vec<String>,
    /// Lines naming a town other than a town officer's own.
    other_town_lines: Vec<u64>,
    data_rows: usize,
}

/// Excel evaluates a cell starting with one of these as a formula; the export guards such
/// free-text cells with a leading `'`, and the import takes it off again.
fn is_formula_start(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_start(rest) || rest.starts_with('\'') => rest,
        _ => s,
    }
}

fn guard(s: &str) -> std::borrow::Cow<'_, str> {
    // A value that merely looks guarded is guarded too, so that the import gives it back as is.
    if is_formula_start(s) || unguard(s).len() != s.len() {
        format!("'{s}").into()
    } else {
        s.into()
    }
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
            row_errors.retain(|e| !(e.field == "established_on" && e.code == "future"));
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

/// The USCCs among `codes` that are already registered.
fn registered_usccs(conn: &mut DbConn, codes: &[&String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in codes.chunks(INSERT_CHUNK) {
        let chunk: Vec<String> = chunk.iter().map(|s| (*s).clone()).collect();
        let rows: Vec<String> = cooperatives::table
            .filter(cooperatives::uscc.eq_any(chunk))
            .select(cooperatives::uscc)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// The checks that need the database (towns, industries, USCCs already registered); then, if
/// every row is good, the inserts. Runs inside the import's one write transaction.
fn check_and_insert(
    conn: &mut DbConn,
    rows: Vec<ParsedRow>,
    mut errors: Vec<FieldError>,
    actor: &Actor,
) -> ApiResult<Vec<i64>> {
    let towns: HashSet<String> = reference::all_towns(conn)?
        .into_iter()
        .map(|t| t.code)
        .collect();
    let industries: HashSet<String> = reference::all_industries(conn)?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let codes: Vec<&String> = rows.iter().filter_map(|r| r.uscc.as_ref()).collect();
    let taken = registered_usccs(conn, &codes)?;
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
        return Err(ApiError::Validation(errors));
    }

    let at = now();
    let mut prepared: Vec<(NewCooperative, Vec<String>)> = Vec::with_capacity(rows.len());
    for r in rows {
        let mut codes = r.body.industry_codes.clone();
        codes.sort();
        codes.dedup();
        // Every row is valid here, so its USCC is known.
        let code = r
            .uscc
            .ok_or_else(|| ApiError::internal("a valid import row without a USCC"))?;
        prepared.push((new_cooperative(r.body, code, at), codes));
    }
    let mut ids_by_uscc: HashMap<String, i64> = HashMap::with_capacity(prepared.len());
    for chunk in prepared.chunks(INSERT_CHUNK) {
        let values: Vec<&NewCooperative> = chunk.iter().map(|(n, _)| n).collect();
        // RETURNING's row order is not guaranteed (SQLite says so): match by USCC.
        let inserted: Vec<(i64, String)> =
            crate::on_inner!(conn, |c| diesel::insert_into(cooperatives::table)
                .values(values.clone())
                .returning((cooperatives::id, cooperatives::uscc))
                .get_results(c))?;
        ids_by_uscc.extend(inserted.into_iter().map(|(id, u)| (u, id)));
    }
    let mut ids = Vec::with_capacity(prepared.len());
    let mut industry_rows = Vec::new();
    for (new, codes) in &prepared {
        let id = *ids_by_uscc
            .get(&new.uscc)
            .ok_or_else(|| ApiError::internal("an imported row was not returned by the insert"))?;
        ids.push(id);
        for code in codes {
            industry_rows.push((
                cooperative_industries::cooperative_id.eq(id),
                cooperative_industries::industry_code.eq(code.clone()),
            ));
        }
    }
    for chunk in industry_rows.chunks(INSERT_CHUNK * 4) {
        crate::on_inner!(conn, |c| diesel::insert_into(cooperative_industries::table)
            .values(chunk)
            .execute(c))?;
    }
    // One audit event per cooperative, written in multi-row inserts a chunk at a time.
    let mut created = prepared.into_iter().zip(ids.iter().copied()).peekable();
    while created.peek().is_some() {
        let chunk: Vec<(String, CooperativeOut)> = created
            .by_ref()
            .take(INSERT_CHUNK)
            .map(|((new, codes), id)| {
                (
                    id.to_string(),
                    CooperativeOut::new(inserted_row(id, new), codes),
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

/// The 422 of an import: every bad cell (up to [`MAX_REPORTED_ERRORS`]) with its line.
fn import_problem(mut errors: Vec<FieldError>) -> HttpResponse {
    errors.sort_by_key(|e| e.line.unwrap_or(0));
    let total = errors.len();
    let lines: HashSet<u64> = errors.iter().filter_map(|e| e.line).collect();
    let mut detail = match (total, errors.first()) {
        (1, Some(e)) => match e.line {
            Some(l) => format!("line {l}, {}: {}", e.field, e.message),
            None => format!("{}: {}", e.field, e.message),
        },
        _ => format!("{total} cells are invalid on {} lines", lines.len()),
    };
    detail.push_str("; nothing was imported");
    if total > MAX_REPORTED_ERRORS {
        errors.truncate(MAX_REPORTED_ERRORS);
        detail.push_str(&format!(" (the first {MAX_REPORTED_ERRORS} are listed)"));
    }
    let err = ApiError::Validation(errors);
    let mut problem = err.to_problem();
    problem.detail = detail;
    problem_response(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &problem)
}

fn check_csv_content_type(req: &HttpRequest) -> ApiResult<()> {
    let essence = content_type_essence(req).unwrap_or_else(|| "none".into());
    if essence != "text/csv" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be text/csv (Content-Type was {essence})"
        )));
    }
    let charset = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("charset"))
                    .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
            })
        });
    match charset.as_deref() {
        None | Some("utf-8") | Some("utf8") => Ok(()),
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "the CSV must be UTF-8 (charset was {other}); save it as \"CSV UTF-8\""
        ))),
    }
}

/// Reads the whole body, refusing more than [`IMPORT_BODY_LIMIT`] bytes (413).
async fn read_limited(req: &HttpRequest, mut payload: web::Payload) -> ApiResult<web::Bytes> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the CSV file is larger than {} MiB; split it",
            IMPORT_BODY_LIMIT / (1024 * 1024)
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > IMPORT_BODY_LIMIT) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(64 * 1024));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if body.len() + chunk.len() > IMPORT_BODY_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Import cooperatives from a CSV file.
#[utoipa::path(
    tag = "imports",
    operation_id = "importCooperatives",
    summary = "Register many cooperatives from a CSV file",
    description = "Registers every row of a UTF-8 CSV file (a leading BOM is fine; Excel's \"CSV UTF-8\") as a cooperative, **all or nothing**.\n\nThe header row names the fields of `POST /api/v1/cooperatives`: `name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope` in any order (`address` and `business_scope` may be left out). Other columns, such as the `id,status,tier,demonstration_level,version` that `GET /api/v1/exports/cooperatives.csv` adds, are ignored and listed in `ignored_columns`, so an export re-imports as it is. `industry_codes` joins several codes with `;`. Dates are `YYYY-MM-DD`, `registered_capital_fen` a whole number of fen. Rows of empty cells are skipped.\n\nEvery row is checked with the rules of `POST /api/v1/cooperatives`; a USCC used twice in the file or already registered is an error too. If any cell is bad the answer is 422 and **nothing is written**: `errors[]` lists every bad cell (up to 1,000) with its `line` in the file (the header row is line 1) and `field`, the column. Otherwise all rows are registered in one transaction, each recorded in the audit trail with action `import`.\n\nDistrict admins import anywhere; a town officer imports only cooperatives of their own town: a file with any row of another town is refused whole with 403, naming the lines. The body may be up to 32 MiB (over 100,000 rows of a typical 250 bytes).",
    request_body(
        description = "The CSV file, UTF-8, header row first.",
        content((String = "text/csv", example = json!("name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope\n南川区金山镇古树茶专业合作社,93500119MA5U7K3L78,500119110,ancient_tree_tea,张三,13812345678,2015-03-18,50000000,金山镇金山村3组,组织收购、销售成员种植的茶叶\n南川区大观镇蓝莓专业合作社,93500119MA6CXY2K1X,500119108,blueberry;rural_tourism,李四,13900001111,2018-06-01,2000000,,\n")))
    ),
    responses(
        (status = 201, description = "Every row registered", body = ImportResult),
        (status = 400, description = "The body could not be read"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not register cooperatives (counselor, cooperative, bank partner, service center, observer), or a town officer's file has rows of another town"),
        (status = 413, description = "The file is larger than 32 MiB"),
        (status = 415, description = "The body is not `text/csv`, or its charset is not UTF-8"),
        (status = 422, description = "The file is empty, the header row lacks a column, or cells are invalid: `errors[]` names each bad cell by `line` and `field`; nothing was written",
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
    user: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Write)?;
    if user.role() == Role::Cooperative {
        return Err(ApiError::Forbidden(
            "a cooperative's account may not register cooperatives".into(),
        ));
    }
    check_csv_content_type(&req)?;
    let body = read_limited(&req, payload).await?;
    let region = state.settings.region_code.clone();
    let own_town = match user.role() {
        Role::TownOfficer => Some(user.claims.town_code.clone().unwrap_or_default()),
        _ => None,
    };
    let town = own_town.clone();
    let parsed = web::block(move || parse_file(&body, &region, town.as_deref())).await?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(ApiError::Validation(errors)) => return Ok(import_problem(errors)),
        Err(e) => return Err(e),
    };
    if !parsed.other_town_lines.is_empty() {
        let mut lines: Vec<String> = parsed
            .other_town_lines
            .iter()
            .take(20)
            .map(u64::to_string)
            .collect();
        if parsed.other_town_lines.len() > 20 {
            lines.push("…".into());
        }
        return Err(ApiError::Forbidden(format!(
            "a town officer may only import cooperatives of their own town ({}); lines {} name another town",
            own_town.unwrap_or_default(),
            lines.join(", ")
        )));
    }
    if parsed.data_rows == 0 {
        return Ok(import_problem(vec![FieldError::new(
            "body",
            "no_rows",
            "the file has a header row but no cooperatives",
        )]));
    }
    let ignored_columns = parsed.ignored_columns;
    let actor = Actor::from(&user);
    let (rows, errors) = (parsed.rows, parsed.errors);
    let result = state
        .db_write(move |conn| check_and_insert(conn, rows, errors, &actor))
        .await;
    match result {
        Ok(ids) => Ok(HttpResponse::Created().json(ImportResult {
            created: ids.len(),
            ids,
            ignored_columns,
        })),
        Err(ApiError::Validation(errors)) => Ok(import_problem(errors)),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// One chunk of the export, in id order after `after`, with industry codes.
fn load_chunk(
    conn: &mut DbConn,
    scope: &CoopScope,
    filter: &CoopFilter,
    after: Option<i64>,
) -> ApiResult<Vec<CooperativeOut>> {
    let rows = coop::list(conn, scope, filter, after, EXPORT_CHUNK)?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let mut industries = coop::industries_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let codes = industries.remove(&c.id).unwrap_or_default();
            CooperativeOut::new(c, codes)
        })
        .collect())
}

/// The CSV header row, after the BOM.
fn csv_header() -> ApiResult<web::Bytes> {
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    w.write_record(CREATE_COLUMNS.iter().chain(EXPORT_EXTRA_COLUMNS.iter()))
        .map_err(ApiError::internal)?;
    Ok(w.into_inner().map_err(ApiError::internal)?.into())
}

/// CSV rows for a chunk of cooperatives, columns as [`csv_header`].
fn csv_rows(items: &[CooperativeOut]) -> ApiResult<web::Bytes> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(items.len() * 400));
    for c in items {
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
        ])
        .map_err(ApiError::internal)?;
    }
    Ok(w.into_inner().map_err(ApiError::internal)?.into())
}

/// Where the streamed export has got to.
struct ExportCursor {
    state: web::Data<AppState>,
    scope: CoopScope,
    filter: CoopFilter,
    after: Option<i64>,
}

/// Export cooperatives as CSV.
#[utoipa::path(
    tag = "exports",
    operation_id = "exportCooperativesCsv",
    summary = "Export the registry as CSV",
    description = "The cooperatives the caller may see (as `GET /api/v1/cooperatives`: same filters, same scope), as a UTF-8 CSV file with a BOM so that Excel opens it cleanly. The header row is the fields of `POST /api/v1/cooperatives` followed by `id,status,tier,demonstration_level,version`; `industry_codes` joins codes with `;`. The file re-imports as it is through `POST /api/v1/imports/cooperatives`. Free-text cells that would start a spreadsheet formula (`=`, `+`, `-`, `@`) are prefixed with `'`, which the import removes.\n\nThe file is streamed in registration order, read from the database 500 cooperatives at a time, so its size is not bounded by the server's memory.",
    params(CooperativeFilterParams),
    responses(
        (status = 200, description = "The CSV file (streamed)", content((FileBytes = "text/csv")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"cooperatives.csv\""))),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 401, description = "Missing or invalid token"),
        (status = 422, description = "A filter is invalid (`q` too long)")
    )
)]
#[get("/exports/cooperatives.csv")]
pub async fn export_cooperatives_csv(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<CooperativeFilterParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Read)?;
    let filter = filters.to_filter();
    let scope = state.db(move |conn| Ok(user.coop_scope(conn)?)).await?;
    let header_row = csv_header()?;
    let start = ExportCursor {
        state,
        scope,
        filter,
        after: None,
    };
    let rows = stream::unfold(Some(start), |cursor| async move {
        let cursor = cursor?;
        let (scope, filter, after) = (cursor.scope.clone(), cursor.filter.clone(), cursor.after);
        let chunk = cursor
            .state
            .db(move |conn| load_chunk(conn, &scope, &filter, after))
            .await
            .and_then(|items| {
                let last = items.last().map(|c| c.id);
                let full = items.len() as i64 == EXPORT_CHUNK;
                csv_rows(&items).map(|bytes| (bytes, last, full))
            });
        match chunk {
            Ok((bytes, Some(last), full)) => {
                let next = full.then_some(ExportCursor {
                    after: Some(last),
                    ..cursor
                });
                Some((Ok(bytes), next))
            }
            Ok((_, None, _)) => None,
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

/// The spreadsheet's columns: Chinese header and width.
const XLSX_COLUMNS: [(&str, f64); 16] = [
    ("编号", 8.0),
    ("合作社名称", 36.0),
    ("统一社会信用代码", 22.0),
    ("乡镇（街道）", 12.0),
    ("乡镇（街道）代码", 14.0),
    ("产业", 20.0),
    ("法定代表人（理事长）", 14.0),
    ("联系电话", 14.0),
    ("成立日期", 12.0),
    ("注册资本（元）", 16.0),
    ("住所", 30.0),
    ("业务范围", 40.0),
    ("状态", 10.0),
    ("分类等级", 10.0),
    ("示范社级别", 10.0),
    ("版本", 6.0),
];

fn status_zh(s: &str) -> &'static str {
    match s {
        "active" => "正常",
        "abnormal" => "经营异常",
        "deregistered" => "已注销",
        "merged" => "已合并",
        _ => "",
    }
}

fn tier_zh(s: &str) -> &'static str {
    match s {
        "standard" => "规范",
        "basic" => "基本规范",
        "substandard" => "不规范",
        "shell" => "空壳",
        _ => "",
    }
}

fn demonstration_zh(s: &str) -> &'static str {
    match s {
        "national" => "国家级",
        "municipal" => "市级",
        "district" => "区级",
        _ => "",
    }
}

/// The sheet's name.
pub const XLSX_SHEET: &str = "合作社名录";

/// Builds the workbook, reading the database chunk by chunk and writing rows in
/// constant-memory mode (rows go to a temporary file, not to memory).
fn build_xlsx(conn: &mut DbConn, scope: &CoopScope, filter: &CoopFilter) -> ApiResult<Vec<u8>> {
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
        let items = load_chunk(conn, scope, filter, after)?;
        for c in &items {
            row += 1;
            let industry_names: Vec<&str> = c
                .industry_codes
                .iter()
                .map(|code| industries.get(code).map(String::as_str).unwrap_or(code))
                .collect();
            let d = c.established_on;
            let established =
                ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                    .map_err(x)?;
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
            sheet
                .write_datetime_with_format(row, 8, &established, &date)
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
                .write_string(row, 12, status_zh(c.status.as_str()))
                .map_err(x)?;
            sheet
                .write_string(
                    row,
                    13,
                    c.tier.map(|t| tier_zh(t.as_str())).unwrap_or_default(),
                )
                .map_err(x)?;
            sheet
                .write_string(
                    row,
                    14,
                    c.demonstration_level
                        .map(|d| demonstration_zh(d.as_str()))
                        .unwrap_or_default(),
                )
                .map_err(x)?;
            sheet
                .write_number(row, 15, f64::from(c.version))
                .map_err(x)?;
        }
        if (items.len() as i64) < EXPORT_CHUNK {
            break;
        }
        after = items.last().map(|c| c.id);
    }
    if row > 0 {
        sheet
            .autofilter(0, 0, row, (XLSX_COLUMNS.len() - 1) as u16)
            .map_err(x)?;
    }
    workbook.save_to_buffer().map_err(x)
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
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 401, description = "Missing or invalid token"),
        (status = 422, description = "A filter is invalid (`q` too long)")
    )
)]
#[get("/exports/cooperatives.xlsx")]
pub async fn export_cooperatives_xlsx(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<CooperativeFilterParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Cooperatives, Access::Read)?;
    let filter = filters.to_filter();
    let bytes = state
        .db(move |conn| {
            let scope = user.coop_scope(conn)?;
            build_xlsx(conn, &scope, &filter)
        })
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
    fn formula_guard_round_trips() {
        for s in ["=1+1", "+86", "-x", "@a", "plain", "'quoted", "'=x"] {
            assert_eq!(unguard(&guard(s)), s, "{s}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("plain"), "plain");
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
