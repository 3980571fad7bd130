//! The registry's files: the CSV columns (import and export), the spreadsheet's columns and
//! labels, the formula guard, and the import's answer.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};

/// The byte-order mark that lets Excel open UTF-8 CSV cleanly.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";
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
pub const OPTIONAL_COLUMNS: [&str; 2] = ["address", "business_scope"];
/// Read-only columns the export adds after the create fields (ignored by the import).
pub const EXPORT_EXTRA_COLUMNS: [&str; 6] = [
    "id",
    "status",
    "tier",
    "demonstration_level",
    "version",
    "failing_checks",
];

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

/// Excel evaluates a cell starting with one of these as a formula; the export guards such
/// free-text cells with a leading `'`, and the import takes it off again.
fn is_formula_start(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A cell as the import reads it: the export's guard taken off.
pub fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_start(rest) || rest.starts_with('\'') => rest,
        _ => s,
    }
}

/// A free-text cell as the export writes it: guarded if a spreadsheet would take it for a
/// formula.
pub fn guard(s: &str) -> std::borrow::Cow<'_, str> {
    // A value that merely looks guarded is guarded too, so that the import gives it back as is.
    if is_formula_start(s) || unguard(s).len() != s.len() {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The sheet's name.
pub const XLSX_SHEET: &str = "合作社名录";

/// The spreadsheet's columns: Chinese header and width.
pub const XLSX_COLUMNS: [(&str, f64); 16] = [
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

pub fn status_zh(s: CoopStatus) -> &'static str {
    match s {
        CoopStatus::Active => "正常",
        CoopStatus::Abnormal => "经营异常",
        CoopStatus::Deregistered => "已注销",
        CoopStatus::Merged => "已合并",
    }
}

pub fn tier_zh(t: Tier) -> &'static str {
    match t {
        Tier::Standard => "规范",
        Tier::Basic => "基本规范",
        Tier::Substandard => "不规范",
        Tier::Shell => "空壳",
    }
}

pub fn demonstration_zh(d: DemonstrationLevel) -> &'static str {
    match d {
        DemonstrationLevel::National => "国家级",
        DemonstrationLevel::Municipal => "市级",
        DemonstrationLevel::District => "区级",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_guard_round_trips() {
        for s in ["=1+1", "+86", "-x", "@a", "plain", "'quoted", "'=x"] {
            assert_eq!(unguard(&guard(s)), s, "{s}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("plain"), "plain");
    }

    #[test]
    fn every_status_tier_and_level_has_a_label() {
        assert!(CoopStatus::ALL.iter().all(|s| !status_zh(*s).is_empty()));
        assert!(Tier::ALL.iter().all(|t| !tier_zh(*t).is_empty()));
        assert!(DemonstrationLevel::ALL
            .iter()
            .all(|d| !demonstration_zh(*d).is_empty()));
    }
}
