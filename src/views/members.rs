//! The member ledger's (成员台账) request and response shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::member::{Member, MemberFilter};
use crate::domain::member::{ContributionForm, MemberType};
use crate::views::transfer::guard;

/// A new member of the ledger.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "李四", "id_number": "500119201003070026", "member_type": "farmer",
    "joined_on": "2020-03-01", "contribution_fen": 500000, "contribution_form": "land_management_right"
}))]
pub struct MemberCreate {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub member_type: MemberType,
    /// Resident ID number (GB 11643: 17 digits and a check character, a real birth date);
    /// required for farmers. Never returned whole.
    #[schema(pattern = r"^\s*[0-9]{17}[0-9Xx]\s*$", example = "500119201003070026")]
    pub id_number: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: Option<String>,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: NaiveDate,
    /// The capital contributed, in fen.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
}

/// Changes to a member; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contribution_fen": 800000, "contribution_form": "homestead_use_right"}))]
pub struct MemberPatch {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub member_type: Option<MemberType>,
    /// A new resident ID number (the rules of `MemberCreate.id_number`).
    #[schema(pattern = r"^\s*[0-9]{17}[0-9Xx]\s*$", example = "500119201003070026")]
    pub id_number: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: Option<String>,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub joined_on: Option<NaiveDate>,
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub contribution_fen: Option<i64>,
    pub contribution_form: Option<ContributionForm>,
}

/// A member as the API shows it: the ID number only masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "cooperative_id": 1, "name": "李四", "member_type": "farmer",
    "id_number_masked": "500119********0026", "phone": null, "joined_on": "2020-03-01",
    "exited_on": null, "exit_reason": null, "active": true, "contribution_fen": 500000,
    "contribution_form": "land_management_right", "version": 1,
    "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct MemberOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    /// First 6 and last 4 characters of the ID number.
    #[schema(example = "500119********0026")]
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub active: bool,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        MemberOut {
            id: m.id,
            cooperative_id: m.cooperative_id,
            name: m.name,
            member_type: m.member_type,
            id_number_masked: m.id_number_masked,
            phone: m.phone,
            joined_on: m.joined_on,
            active: m.exited_on.is_none(),
            exited_on: m.exited_on,
            exit_reason: m.exit_reason,
            contribution_fen: m.contribution_fen,
            contribution_form: m.contribution_form,
            version: m.version,
            created_at: m.created_at.and_utc(),
            updated_at: m.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberFilterParams {
    pub member_type: Option<MemberType>,
    /// `true`: current members only; `false`: those who exited.
    pub active: Option<bool>,
}

impl MemberFilterParams {
    pub fn to_filter(&self) -> MemberFilter {
        MemberFilter {
            member_type: self.member_type,
            active: self.active,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExitParams {
    /// The day the member left (default today; not in the future).
    #[validate(custom(function = "crate::views::validators::date"))]
    pub exited_on: Option<NaiveDate>,
    /// Why the member left.
    #[validate(length(max = 500))]
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

/// The columns of the ledger's CSV export.
pub const CSV_COLUMNS: [&str; 10] = [
    "id",
    "name",
    "member_type",
    "id_number_masked",
    "phone",
    "joined_on",
    "exited_on",
    "exit_reason",
    "contribution_fen",
    "contribution_form",
];

impl MemberOut {
    /// The member's cells in the CSV export, as [`CSV_COLUMNS`]. A cell a spreadsheet would
    /// take for a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`, as in the
    /// registry's export.
    pub fn csv_cells(self) -> [String; 10] {
        [
            self.id.to_string(),
            self.name,
            self.member_type.to_string(),
            self.id_number_masked.unwrap_or_default(),
            self.phone.unwrap_or_default(),
            self.joined_on.to_string(),
            self.exited_on.map(|d| d.to_string()).unwrap_or_default(),
            self.exit_reason.unwrap_or_default(),
            self.contribution_fen.to_string(),
            self.contribution_form.to_string(),
        ]
        .map(|cell| guard(&cell).into_owned())
    }
}
