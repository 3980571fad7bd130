//! Member accounts and surplus distributions: request and response shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::distribution::DistributionStatus;

/// The most a quantity may be (units of produce).
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// A member's transactions with the cooperative in a year (交易量/额).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 1234567, "quantity": 850, "unit": "kg"}))]
pub struct TransactionIn {
    /// The amount traded with the cooperative, in fen.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// The quantity traded, in `unit`s.
    #[validate(range(min = 0, max = MAX_QUANTITY))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub quantity: Option<i64>,
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransactionsOut {
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct AllocatedOut {
    pub by_transactions: i64,
    pub by_shares: i64,
}

/// A member's account (成员账户) for a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "member_id": 7, "cooperative_id": 1, "year": 2025, "contribution_fen": 500000,
    "reserve_share_fen": 1203, "transactions": {"quantity": 850, "unit": "kg", "amount_fen": 1234567},
    "surplus_allocated_fen": {"by_transactions": 4021, "by_shares": 1533},
    "distribution_status": "adopted", "version": 2
}))]
pub struct AccountOut {
    pub member_id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    /// The capital contributed.
    pub contribution_fen: i64,
    /// The reserve quantified to the member by distributions adopted for this year and before.
    pub reserve_share_fen: i64,
    pub transactions: TransactionsOut,
    /// What the year's distribution gives the member (the draft's figures until adopted).
    pub surplus_allocated_fen: AllocatedOut,
    /// The year's distribution: `draft`, `adopted`, or `null` when none.
    pub distribution_status: Option<DistributionStatus>,
    /// The version of the year's transactions record (0: none recorded), for `If-Match`.
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountParams {
    /// The fiscal year (default: last year).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// A year's surplus distribution plan (盈余分配方案).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"surplus_fen": 1200000, "loss_makeup_fen": 0, "reserve_fen": 200000, "by_transactions_bp": 6000}))]
pub struct DistributionIn {
    /// The year's surplus (盈余).
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub surplus_fen: i64,
    /// Losses of earlier years made up first (弥补亏损).
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub loss_makeup_fen: i64,
    /// The reserve drawn (提取公积金), quantified to the members' accounts on adoption.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub reserve_fen: i64,
    /// If given, must equal surplus − loss make-up − reserve.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub distributable_fen: Option<i64>,
    /// The share returned by transactions, in basis points: at least 6000 (60%).
    #[validate(range(min = 0, max = 10_000))]
    #[schema(minimum = 6000, maximum = 10_000)]
    pub by_transactions_bp: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationOut {
    pub member_id: i64,
    pub name: String,
    /// The member's transaction amount of the year (weight of the first part).
    pub transactions_fen: i64,
    /// Contribution + reserve share before this distribution (weight of the second part).
    pub shares_fen: i64,
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
    /// `by_transactions_fen + by_shares_fen`.
    pub total_fen: i64,
    /// The reserve quantified to the member (added to the reserve share on adoption).
    pub reserve_share_fen: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "cooperative_id": 1, "year": 2025, "status": "draft", "surplus_fen": 1200000,
    "loss_makeup_fen": 0, "reserve_fen": 200000, "distributable_fen": 1000000,
    "by_transactions_bp": 6000, "by_transactions_fen": 600000, "by_shares_fen": 400000,
    "allocations": [{"member_id": 7, "name": "李四", "transactions_fen": 1234567, "shares_fen": 500000,
        "by_transactions_fen": 123456, "by_shares_fen": 80000, "total_fen": 203456, "reserve_share_fen": 41152}],
    "meeting_id": null, "resolution_seq": null, "adopted_on": null, "version": 1,
    "updated_at": "2026-03-01T08:00:00Z"
}))]
pub struct DistributionOut {
    pub cooperative_id: i64,
    pub year: i32,
    pub status: DistributionStatus,
    pub surplus_fen: i64,
    pub loss_makeup_fen: i64,
    pub reserve_fen: i64,
    pub distributable_fen: i64,
    pub by_transactions_bp: i32,
    /// `ceil(distributable × bp / 10000)`: never below the share voted.
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
    /// Per member, in member id order; each column sums exactly to its part.
    pub allocations: Vec<AllocationOut>,
    pub meeting_id: Option<i64>,
    pub resolution_seq: Option<i32>,
    pub adopted_on: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The resolution that adopts a distribution.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"meeting_id": 3, "resolution_seq": 1}))]
pub struct AdoptIn {
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub meeting_id: i64,
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub resolution_seq: i32,
}
