//! Repayments and the loan's state after one.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::LoanOut;
use crate::db::models::loans::Repayment;
use crate::domain::loan_book::PrepaymentMode;
use crate::domain::loan_state::LoanStatus;

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 853099, "paid_on": "2026-12-27", "bank_reference": "PSBC-LS-20261227-000456"}))]
pub struct RepaymentCreate {
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// Not in the future, not before disbursement.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub paid_on: NaiveDate,
    /// The bank's transaction serial (流水号), unique per bank: sent again with the same loan,
    /// amount and date it is a replay (the first repayment answers again, nothing changes);
    /// with other figures → 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::views::validators::bank_reference"))]
    #[schema(
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        min_length = 1,
        max_length = 64
    )]
    pub bank_reference: Option<String>,
}

/// What a payment beyond what is due does to the schedule.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RepaymentParams {
    /// `reduce_payment` (default): the same number of instalments, each smaller;
    /// `reduce_term`: the same payment, fewer instalments.
    pub prepayment: Option<PrepaymentMode>,
}

/// How a repayment was applied, in the order of the rules: penalty interest, overdue
/// interest, overdue principal, the instalment due that day, then principal ahead of time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Allocation {
    pub penalty_interest_fen: i64,
    /// Regular, overdue and accrued interest.
    pub interest_fen: i64,
    /// All principal, the prepaid part included.
    pub principal_fen: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "loan_id": 1, "bank_reference": "PSBC-LS-20261227-000456", "amount_fen": 853099, "allocated": {"penalty_interest_fen": 0, "interest_fen": 36250, "principal_fen": 816849}, "penalty_interest_fen": 0, "prepaid_principal_fen": 0, "prepayment": "reduce_payment", "reversed_at": null, "reversal_reason": null, "updated_at": "2026-12-27T08:00:00Z", "principal_fen": 816849, "interest_fen": 36250, "paid_on": "2026-12-27", "loan_status": "disbursed", "outstanding_principal_fen": 9183151, "outstanding_interest_fen": 200000, "created_at": "2026-12-27T08:00:00Z"}))]
pub struct RepaymentOut {
    pub id: i64,
    pub loan_id: i64,
    /// The bank's transaction serial, when it sent one.
    pub bank_reference: Option<String>,
    pub amount_fen: i64,
    /// The split, in the order it was applied (sums to `amount_fen`).
    pub allocated: Allocation,
    pub penalty_interest_fen: i64,
    /// The part of `principal_fen` paid ahead of the schedule.
    pub prepaid_principal_fen: i64,
    /// What the prepayment (if any) did to the schedule.
    pub prepayment: PrepaymentMode,
    /// Set when the bank reversed it (it then counts for nothing).
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
    /// When it was recorded or last changed (a reversal).
    pub updated_at: DateTime<Utc>,
    /// The part applied to principal (interest is paid first, instalment by instalment).
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    /// The loan's status after this repayment (`settled` after the last fen).
    pub loan_status: Option<LoanStatus>,
    pub outstanding_principal_fen: Option<i64>,
    pub outstanding_interest_fen: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl RepaymentOut {
    /// A ledger row, with the loan as it is after it when given.
    pub fn new(r: Repayment, loan: Option<&LoanOut>) -> Self {
        RepaymentOut {
            id: r.id,
            loan_id: r.loan_id,
            bank_reference: r.bank_reference,
            amount_fen: r.amount_fen,
            allocated: Allocation {
                penalty_interest_fen: r.penalty_interest_fen,
                interest_fen: r.interest_fen,
                principal_fen: r.principal_fen,
            },
            penalty_interest_fen: r.penalty_interest_fen,
            prepaid_principal_fen: r.prepaid_principal_fen,
            prepayment: r.prepayment,
            reversed_at: r.reversed_at.map(|t| t.and_utc()),
            reversal_reason: r.reversal_reason,
            updated_at: r.updated_at.unwrap_or(r.created_at).and_utc(),
            principal_fen: r.principal_fen,
            interest_fen: r.interest_fen,
            paid_on: r.paid_on,
            loan_status: loan.map(|l| l.status),
            outstanding_principal_fen: loan.map(|l| l.outstanding_principal_fen),
            outstanding_interest_fen: loan.map(|l| l.outstanding_interest_fen),
            created_at: r.created_at.and_utc(),
        }
    }
}

/// The day a payoff is quoted for.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PayoffParams {
    /// Default today; between 1900-01-01 and 2100-12-31, not before the loan's disbursement
    /// nor its last repayment.
    #[validate(custom(function = "crate::views::validators::date"))]
    pub on: Option<NaiveDate>,
}

/// What closes the loan on a day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"loan_id": 1, "on": "2026-03-01", "principal_fen": 9183151, "interest_fen": 15535, "penalty_interest_fen": 0, "total_fen": 9198686}))]
pub struct PayoffOut {
    pub loan_id: i64,
    pub on: NaiveDate,
    /// Principal not yet repaid.
    pub principal_fen: i64,
    /// Unpaid interest of instalments due, and interest accrued daily (actual/360) in the
    /// running period.
    pub interest_fen: i64,
    /// Penalty interest accrued on overdue principal.
    pub penalty_interest_fen: i64,
    pub total_fen: i64,
}

/// Why the bank reverses a repayment.
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "重复入账，冲正"}))]
pub struct ReverseBody {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Incremental sync of a ledger.
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerParams {
    /// Only repayments recorded or changed (reversed) after this instant (RFC 3339).
    #[validate(custom(function = "crate::views::validators::instant"))]
    pub updated_since: Option<DateTime<Utc>>,
}
