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
    /// The household (户) a farmer member belongs to, as the village registers it: 1–32
    /// letters, digits and `-`. Several members may share one; the dashboard counts
    /// households. Farmers only.
    #[validate(custom(function = "crate::views::validators::household_code"))]
    #[schema(
        pattern = "^[A-Za-z0-9-]{1,32}$",
        min_length = 1,
        max_length = 32,
        example = "HH-0412"
    )]
    pub household_code: Option<String>,
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
    /// The household (户) a farmer member belongs to, as the village registers it: 1–32
    /// letters, digits and `-`. Several members may share one; the dashboard counts
    /// households. Farmers only; a new code replaces the old one.
    #[validate(custom(function = "crate::views::validators::household_code"))]
    #[schema(
        pattern = "^[A-Za-z0-9-]{1,32}$",
        min_length = 1,
        max_length = 32,
        example = "HH-0412"
    )]
    pub household_code: Option<String>,
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
    /// When written notice of exit was given; the exit takes effect on `exited_on`, a fiscal
    /// year end (the member stays `active` until then).
    pub exit_requested_on: Option<NaiveDate>,
    /// `notice`, `recorded` (an exit that already happened) or `expulsion` (除名).
    pub exit_kind: Option<String>,
    pub active: bool,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    /// The farmer's household (户), if recorded.
    pub household_code: Option<String>,
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
            active: crate::domain::member::active_on(m.exited_on, crate::db::models::today()),
            exit_requested_on: m.exit_requested_on,
            exit_kind: m.exit_kind,
            exited_on: m.exited_on,
            exit_reason: m.exit_reason,
            contribution_fen: m.contribution_fen,
            contribution_form: m.contribution_form,
            household_code: m.household_code,
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
    /// An exit that already happened, recorded from the paper ledger (district admin or town
    /// officer only; not in the future).
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub exited_on: Option<NaiveDate>,
    /// The day written notice of exit was given (not in the future): the exit takes effect at
    /// the end of that fiscal year, or of the next if notice came less than three months (six
    /// for enterprises, institutions and social groups) before it. The default for a
    /// cooperative's own account (today).
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub requested_on: Option<NaiveDate>,
    /// Expulsion (除名): the meeting whose passed `expulsion` resolution expels the member; it
    /// takes effect on the meeting's date.
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub meeting_id: Option<i64>,
    /// The resolution's number in that meeting.
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    pub resolution_seq: Option<i32>,
    /// Why the member left.
    #[validate(length(max = 500))]
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

/// What the member is refunded on exit (its contribution and reserve share).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct RefundDue {
    pub contribution_fen: i64,
    pub reserve_share_fen: i64,
}

/// A member's exit: the member, when it takes effect, and the refund due.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "cooperative_id": 1, "name": "李四", "member_type": "farmer",
    "id_number_masked": "500119********0026", "phone": null, "joined_on": "2020-03-01",
    "exited_on": "2027-12-31", "exit_reason": "moving away", "exit_requested_on": "2026-11-15",
    "exit_kind": "notice", "active": true, "contribution_fen": 500000,
    "contribution_form": "cash", "version": 2,
    "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z",
    "effective_on": "2027-12-31", "refund_due": {"contribution_fen": 500000, "reserve_share_fen": 1203}
}))]
pub struct ExitOut {
    #[serde(flatten)]
    pub member: MemberOut,
    /// The day the exit takes effect (= `exited_on`).
    pub effective_on: NaiveDate,
    pub refund_due: RefundDue,
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
