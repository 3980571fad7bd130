//! The bodies of the bank's and the cooperative's actions on a loan.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// An optional note for an action.
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "资料齐全，进入审查"}))]
pub struct NoteBody {
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The bank's decision to lend (both fields optional: default to what was asked).
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approved_amount_fen": 45000000, "annual_rate_bp": 420}))]
pub struct ApproveBody {
    /// Not above the amount asked.
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub approved_amount_fen: Option<i64>,
    /// Not above the rate of the application.
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub annual_rate_bp: Option<i32>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "经营流水不足"}))]
pub struct RejectBody {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disbursed_on": "2026-11-27", "bank_reference": "PSBC-JJ-2026-000123", "first_due_on": "2026-12-20"}))]
pub struct DisburseBody {
    /// Default today; not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub disbursed_on: Option<NaiveDate>,
    /// The bank's loan number (借据号); unique per bank (a second loan with it → 409).
    /// Optional so that a district acting for a bank without a system can disburse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::views::validators::bank_reference"))]
    #[schema(
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        min_length = 1,
        max_length = 64
    )]
    pub bank_reference: Option<String>,
    /// The first instalment's due date, when the bank fixes one: after the disbursement and
    /// at most 62 days after it (default: one month after disbursement). Later instalments
    /// fall due monthly from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::views::validators::date"))]
    pub first_due_on: Option<NaiveDate>,
}
