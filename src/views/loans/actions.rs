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
#[schema(example = json!({"disbursed_on": "2026-11-27"}))]
pub struct DisburseBody {
    /// Default today; not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub disbursed_on: Option<NaiveDate>,
}
