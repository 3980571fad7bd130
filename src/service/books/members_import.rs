//! `POST /imports/members`: a cooperative's member ledger from a CSV file, every row checked
//! with the rules of `POST /cooperatives/{id}/members`, all rows or none.

use chrono::NaiveDate;

use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::member::{ContributionForm, MemberType};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::books::transactions_import::authorize;
use crate::service::members;
use crate::service::transfer::ErrorList;
use crate::views::members::MemberCreate;
use crate::views::transfer::BOM;

/// The columns, as `POST /cooperatives/{id}/members` names its fields.
pub const COLUMNS: [&str; 8] = [
    "name",
    "member_type",
    "id_number",
    "phone",
    "joined_on",
    "contribution_fen",
    "contribution_form",
    "household_code",
];
const REQUIRED: [&str; 5] = [
    "name",
    "member_type",
    "joined_on",
    "contribution_fen",
    "contribution_form",
];

/// What an import added.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"cooperative_id": 1, "created": 2, "ids": [31, 32]}))]
pub struct MembersImported {
    pub cooperative_id: i64,
    pub created: usize,
    /// The new members' ids, in the file's order.
    pub ids: Vec<i64>,
}

/// A file read and checked without the database.
pub struct ParsedFile {
    rows: Vec<(u64, MemberCreate)>,
    errors: ErrorList,
}

fn bad(errors: &mut ErrorList, line: u64, field: &str, code: &str, message: &str) {
    errors.push(FieldError::new(field, code, message).at_line(line));
}

/// Reads the CSV and checks every cell that needs no database.
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
    let missing: Vec<FieldError> = REQUIRED
        .iter()
        .filter(|c| at(c).is_none())
        .map(|c| {
            FieldError::new(
                "header",
                "missing_column",
                format!("the column {c} is needed"),
            )
            .at_line(1)
        })
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let idx: Vec<Option<usize>> = COLUMNS.iter().map(|c| at(c)).collect();
    let mut errors = ErrorList::default();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad(&mut errors, line, "line", "malformed", &e.to_string());
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| {
            idx[k]
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let member_type = match cell(1).map(MemberType::parse) {
            Some(Some(t)) => Some(t),
            _ => {
                bad(
                    &mut errors,
                    line,
                    "member_type",
                    "invalid",
                    "farmer, enterprise, institution, social_group or collective_economic_org",
                );
                None
            }
        };
        let joined_on = match cell(4).map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d")) {
            Some(Ok(d)) => Some(d),
            _ => {
                bad(
                    &mut errors,
                    line,
                    "joined_on",
                    "invalid",
                    "a date YYYY-MM-DD",
                );
                None
            }
        };
        let contribution = match cell(5).map(str::parse::<i64>) {
            Some(Ok(v)) => Some(v),
            _ => {
                bad(
                    &mut errors,
                    line,
                    "contribution_fen",
                    "invalid",
                    "a whole number of fen",
                );
                None
            }
        };
        let form = match cell(6).map(ContributionForm::parse) {
            Some(Some(f)) => Some(f),
            _ => {
                bad(&mut errors, line, "contribution_form", "invalid", "cash, land_management_right, homestead_use_right, collective_asset, equipment, technology or other");
                None
            }
        };
        let (Some(member_type), Some(joined_on), Some(contribution_fen), Some(contribution_form)) =
            (member_type, joined_on, contribution, form)
        else {
            continue;
        };
        let body = MemberCreate {
            name: cell(0).unwrap_or_default().to_string(),
            member_type,
            id_number: cell(2).map(str::to_string),
            phone: cell(3).map(str::to_string),
            joined_on,
            contribution_fen,
            contribution_form,
            household_code: cell(7).map(str::to_string),
        };
        if let Err(e) = validator::Validate::validate(&body) {
            if let ApiError::Validation(v) = ApiError::from(e) {
                for e in v {
                    errors.push(e.at_line(line));
                }
            }
            continue;
        }
        rows.push((line, body));
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(ApiError::field(
            "body",
            "no_rows",
            "the file has a header row but no members",
        ));
    }
    Ok(ParsedFile { rows, errors })
}

/// Adds every row with the rules of `POST /cooperatives/{id}/members` (ID numbers, duplicates
/// in the file and against the ledger) in the transaction it is handed; any bad row is a 422
/// naming every bad line, and the caller's transaction is rolled back.
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    file: ParsedFile,
) -> ApiResult<MembersImported> {
    authorize(caller)?;
    caller.cooperative(conn, coop_id)?;
    let mut errors = file.errors;
    let mut ids = Vec::with_capacity(file.rows.len());
    for (line, body) in file.rows {
        match members::add(conn, caller, coop_id, body) {
            Ok(m) => ids.push(m.id),
            Err(ApiError::Validation(v)) => {
                for e in v {
                    errors.push(e.at_line(line));
                }
            }
            Err(ApiError::Conflict(msg)) if msg.contains("ID number") => {
                errors.push(FieldError::new("id_number", "duplicate", msg).at_line(line));
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    Ok(MembersImported {
        cooperative_id: coop_id,
        created: ids.len(),
        ids,
    })
}
