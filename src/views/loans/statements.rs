//! The reconciliation statement of a bank for a day.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// One loan at the end of the day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementLine {
    pub loan_id: i64,
    /// The bank's loan number (借据号); null for loans disbursed before it was recorded.
    pub bank_reference: Option<String>,
    pub status: String,
    /// Principal not yet repaid at the end of the day.
    pub outstanding_principal_fen: i64,
    /// Interest owed at the end of the day: unpaid interest of instalments due, and interest
    /// accrued (actual/360) in the running period.
    pub accrued_interest_fen: i64,
    /// Penalty interest accrued and unpaid at the end of the day.
    pub penalty_interest_fen: i64,
    /// What the day's movements of the loan amount to: repayments recorded that day, less
    /// repayments reversed that day.
    pub repaid_that_day_fen: i64,
}

/// What a movement of the day was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// A repayment recorded that day (or, recorded earlier, whose value date is that day).
    Repayment,
    /// A repayment reversed that day: its amount and the change of the allocation, negative.
    Reversal,
}

/// A movement of that day: a repayment recorded, or a repayment reversed (a line of its own,
/// with negative figures).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementRepayment {
    pub repayment_id: i64,
    pub loan_id: i64,
    /// The bank's transaction serial (流水号).
    pub bank_reference: Option<String>,
    pub kind: MovementKind,
    /// The amount recorded; negative for a reversal.
    pub amount_fen: i64,
    /// What the movement changed in the allocation (a reversal: minus what the book lost by
    /// it, later repayments re-allocated).
    pub penalty_interest_fen: i64,
    pub interest_fen: i64,
    pub principal_fen: i64,
}

/// Sums that add up: `repaid_that_day_fen` = Σ lines = Σ repayments.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct StatementTotals {
    pub loans: i64,
    pub outstanding_principal_fen: i64,
    pub accrued_interest_fen: i64,
    pub penalty_interest_fen: i64,
    pub repaid_that_day_fen: i64,
    pub repayments: i64,
}

impl StatementTotals {
    /// Counts one more line; None when a sum overflows.
    pub fn add(&mut self, l: &StatementLine) -> Option<()> {
        *self = self.merged(&StatementTotals {
            loans: 1,
            outstanding_principal_fen: l.outstanding_principal_fen,
            accrued_interest_fen: l.accrued_interest_fen,
            penalty_interest_fen: l.penalty_interest_fen,
            repaid_that_day_fen: l.repaid_that_day_fen,
            repayments: 0,
        })?;
        Some(())
    }

    /// The totals of two parts of a statement; None when a sum overflows.
    pub fn merged(&self, o: &StatementTotals) -> Option<StatementTotals> {
        Some(StatementTotals {
            loans: self.loans.checked_add(o.loans)?,
            outstanding_principal_fen: self
                .outstanding_principal_fen
                .checked_add(o.outstanding_principal_fen)?,
            accrued_interest_fen: self
                .accrued_interest_fen
                .checked_add(o.accrued_interest_fen)?,
            penalty_interest_fen: self
                .penalty_interest_fen
                .checked_add(o.penalty_interest_fen)?,
            repaid_that_day_fen: self
                .repaid_that_day_fen
                .checked_add(o.repaid_that_day_fen)?,
            repayments: self.repayments.checked_add(o.repayments)?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"bank_code": "psbc", "date": "2026-03-15", "loans": [{"loan_id": 1, "bank_reference": "JJ-0001", "status": "disbursed", "outstanding_principal_fen": 9183151, "accrued_interest_fen": 0, "penalty_interest_fen": 0, "repaid_that_day_fen": 853099}], "repayments": [{"repayment_id": 1, "loan_id": 1, "bank_reference": "LS-0001", "kind": "repayment", "amount_fen": 853099, "penalty_interest_fen": 0, "interest_fen": 36250, "principal_fen": 816849}], "totals": {"loans": 1, "outstanding_principal_fen": 9183151, "accrued_interest_fen": 0, "penalty_interest_fen": 0, "repaid_that_day_fen": 853099, "repayments": 1}}))]
pub struct StatementOut {
    pub bank_code: String,
    pub date: NaiveDate,
    /// Every loan of the bank disbursed by then and not settled before that day.
    pub loans: Vec<StatementLine>,
    pub repayments: Vec<StatementRepayment>,
    pub totals: StatementTotals,
}

/// The CSV columns.
pub const CSV_HEADER: [&str; 7] = [
    "loan_id",
    "bank_reference",
    "status",
    "outstanding_principal_fen",
    "accrued_interest_fen",
    "penalty_interest_fen",
    "repaid_that_day_fen",
];

/// One CSV row of a line (the free-text reference guarded against formulas).
pub fn csv_row(l: &StatementLine) -> crate::error::ApiResult<Vec<u8>> {
    let reference = l.bank_reference.as_deref().unwrap_or("");
    crate::views::csv::csv_line([
        l.loan_id.to_string(),
        crate::views::transfer::guard(reference).into_owned(),
        l.status.clone(),
        l.outstanding_principal_fen.to_string(),
        l.accrued_interest_fen.to_string(),
        l.penalty_interest_fen.to_string(),
        l.repaid_that_day_fen.to_string(),
    ])
}

/// The totals row that ends the CSV.
pub fn csv_totals(t: &StatementTotals) -> crate::error::ApiResult<Vec<u8>> {
    crate::views::csv::csv_line([
        "total".to_string(),
        format!("{} loans", t.loans),
        String::new(),
        t.outstanding_principal_fen.to_string(),
        t.accrued_interest_fen.to_string(),
        t.penalty_interest_fen.to_string(),
        t.repaid_that_day_fen.to_string(),
    ])
}
