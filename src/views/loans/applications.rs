//! Loan applications, the loans they become, their history and schedule.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::book::book_of;
use crate::db::models::loans::{Loan, LoanEvent, LoanFilter, LoanSums, Paid, Repayment};
use crate::db::models::today;
use crate::domain::loan_ageing::{self as ageing, LoanClassification};
use crate::domain::loan_book::{Book, Line};
use crate::domain::loan_schedule::{self as sched, Instalment, RepaymentMethod};
use crate::domain::loan_state::LoanStatus;

/// A loan application.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "product_id": 1, "amount_fen": 50000000, "term_months": 12, "purpose": "购置茶叶加工设备"}))]
pub struct LoanCreate {
    /// The applying cooperative (a cooperative's account: itself).
    pub cooperative_id: i64,
    pub product_id: i64,
    /// At most the product's `max_amount_fen`.
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// At most the product's `max_term_months`.
    #[validate(range(min = 1, max = 360))]
    #[schema(minimum = 1, maximum = 360)]
    pub term_months: i32,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub purpose: String,
}

/// A loan with amounts derived from its repayment ledger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "cooperative_id": 1, "product_id": 1, "bank_code": "psbc", "bank_reference": "PSBC-JJ-2026-000123", "status": "disbursed", "days_past_due": 0, "classification": "normal", "first_due_on": null, "amount_fen": 50000000, "approved_amount_fen": 45000000, "annual_rate_bp": 435, "term_months": 12, "repayment_method": "equal_installment", "risk_compensation_eligible": true, "purpose": "购置茶叶加工设备", "disbursed_on": "2026-11-27", "outstanding_principal_fen": 45000000, "outstanding_interest_fen": 1068170, "accrued_interest_fen": 0, "penalty_interest_fen": 0, "penalty_rate_markup_bp": 5000, "paid_principal_fen": 0, "paid_interest_fen": 0, "version": 4, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct LoanOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub product_id: i64,
    pub bank_code: String,
    /// The bank's loan number (借据号) given at disbursement; null for loans disbursed before
    /// it was recorded.
    pub bank_reference: Option<String>,
    pub status: LoanStatus,
    /// Days since the due date of the oldest instalment not fully paid, as of today (0 when
    /// nothing is late, and for loans not being repaid).
    pub days_past_due: i64,
    /// The five-category classification (五级分类) that follows from `days_past_due`
    /// (RULES.md: 0 normal; 1–90 special_mention; 91–180 substandard; 181–360 doubtful;
    /// more loss).
    pub classification: LoanClassification,
    /// The first instalment's due date when the bank fixed one at disbursement.
    pub first_due_on: Option<NaiveDate>,
    /// What was asked for.
    pub amount_fen: i64,
    /// What the bank approved (never more than asked).
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub disbursed_on: Option<NaiveDate>,
    /// Approved principal not yet repaid (0 before disbursement).
    pub outstanding_principal_fen: i64,
    /// Scheduled interest not yet paid, of the schedule as re-derived by prepayments (0
    /// before disbursement).
    pub outstanding_interest_fen: i64,
    /// Interest owed today: unpaid interest of instalments due, and interest accrued daily
    /// (actual/360) since the running period began.
    pub accrued_interest_fen: i64,
    /// Penalty interest (罚息) accrued on overdue principal and unpaid, today.
    pub penalty_interest_fen: i64,
    /// Penalty rate = contract rate × (1 + markup / 10000), the product's when applied for.
    pub penalty_rate_markup_bp: i32,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The loan's schedule: from disbursement when paid out, else a preview from today.
pub fn schedule_of(l: &Loan) -> Vec<Instalment> {
    sched::schedule_from(
        l.repayment_method,
        l.approved_amount_fen.unwrap_or(l.amount_fen),
        l.annual_rate_bp,
        l.term_months.max(1) as u32,
        l.disbursed_on.unwrap_or_else(today),
        l.first_due_on,
    )
}

/// A loan's figures on a day from its book.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    outstanding_principal_fen: i64,
    outstanding_interest_fen: i64,
    accrued_interest_fen: i64,
    penalty_interest_fen: i64,
    days_past_due: i64,
}

fn figures(l: &Loan, book: Option<&Book>, on: NaiveDate) -> Figures {
    use LoanStatus::*;
    let Some(book) = book else {
        return Figures::default();
    };
    let q = book.payoff(on);
    let ageing = matches!(l.status, Disbursed | Overdue | Defaulted | Compensated);
    Figures {
        outstanding_principal_fen: book.outstanding_principal_fen(),
        outstanding_interest_fen: book.outstanding_interest_fen(),
        accrued_interest_fen: q.interest_fen,
        penalty_interest_fen: q.penalty_interest_fen,
        days_past_due: if ageing { book.days_past_due(on) } else { 0 },
    }
}

impl LoanOut {
    /// The loan with what its ledger (`reps`, as recorded) says was `paid`; figures as of
    /// today.
    pub fn new(l: Loan, paid: Paid, reps: &[Repayment]) -> Self {
        let book = book_of(&l, reps);
        Self::with_book(l, paid, book.as_ref())
    }

    /// The loan with what was `paid` and its book (None before disbursement); figures as of
    /// today.
    pub fn with_book(l: Loan, paid: Paid, book: Option<&Book>) -> Self {
        let f = figures(&l, book, today());
        let (op, oi) = (f.outstanding_principal_fen, f.outstanding_interest_fen);
        let dpd = f.days_past_due;
        LoanOut {
            bank_reference: l.bank_reference.clone(),
            days_past_due: dpd,
            classification: ageing::classify(dpd),
            first_due_on: l.first_due_on,
            accrued_interest_fen: f.accrued_interest_fen,
            penalty_interest_fen: f.penalty_interest_fen,
            penalty_rate_markup_bp: l.penalty_rate_markup_bp,
            id: l.id,
            cooperative_id: l.cooperative_id,
            product_id: l.product_id,
            status: l.status,
            repayment_method: l.repayment_method,
            bank_code: l.bank_code,
            amount_fen: l.amount_fen,
            approved_amount_fen: l.approved_amount_fen,
            annual_rate_bp: l.annual_rate_bp,
            term_months: l.term_months,
            risk_compensation_eligible: l.risk_compensation_eligible,
            purpose: l.purpose,
            disbursed_on: l.disbursed_on,
            outstanding_principal_fen: op,
            outstanding_interest_fen: oi,
            paid_principal_fen: paid.principal_fen,
            paid_interest_fen: paid.interest_fen,
            version: l.version,
            created_at: l.created_at.and_utc(),
            updated_at: l.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanFilterParams {
    pub bank_code: Option<String>,
    pub status: Option<LoanStatus>,
    /// The cooperative's town.
    pub town_code: Option<String>,
    pub product_id: Option<i64>,
    pub cooperative_id: Option<i64>,
    /// Only loans changed after this instant (RFC 3339; any action, repayment, reversal or
    /// ageing change), for incremental sync.
    #[validate(custom(function = "crate::views::validators::instant"))]
    pub updated_since: Option<DateTime<Utc>>,
    /// The classification the ageing job last gave the loan.
    pub classification: Option<LoanClassification>,
}

impl LoanFilterParams {
    pub fn to_filter(&self) -> LoanFilter {
        LoanFilter {
            bank_code: self.bank_code.clone(),
            status: self.status,
            town_code: self.town_code.clone(),
            product_id: self.product_id,
            cooperative_id: self.cooperative_id,
            updated_since: self.updated_since.map(|t| t.naive_utc()),
            classification: self.classification,
        }
    }
}

/// Sums over every loan matching the filters (not just this page).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanTotals {
    pub count: i64,
    pub amount_fen: i64,
    pub approved_amount_fen: i64,
    pub repaid_principal_fen: i64,
}

impl From<LoanSums> for LoanTotals {
    fn from(s: LoanSums) -> Self {
        LoanTotals {
            count: s.count,
            amount_fen: s.amount_fen,
            approved_amount_fen: s.approved_amount_fen,
            repaid_principal_fen: s.repaid_principal_fen,
        }
    }
}

/// One page of loans, with totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanList {
    pub items: Vec<LoanOut>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    pub totals: LoanTotals,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"action": "approve", "from_status": "under_review", "to_status": "approved", "actor": "cp_3f9a0c2b7d1e4a56", "actor_role": "bank_partner", "note": null, "occurred_at": "2026-11-27T08:00:00Z"}))]
pub struct LoanEventOut {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub actor_role: String,
    /// The rejection reason, or another note.
    pub note: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<LoanEvent> for LoanEventOut {
    fn from(e: LoanEvent) -> Self {
        LoanEventOut {
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor_name,
            actor_role: e.actor_role,
            note: e.note,
            occurred_at: e.occurred_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoanHistory {
    pub items: Vec<LoanEventOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstalmentOut {
    pub seq: u32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
    pub outstanding_principal_fen: i64,
    pub outstanding_interest_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"loan_id": 1, "preview": false, "repayment_method": "bullet", "principal_fen": 600000, "annual_rate_bp": 600, "term_months": 2, "start_on": "2026-01-15", "total_principal_fen": 600000, "total_interest_fen": 6000, "items": [{"seq": 1, "due_on": "2026-02-15", "principal_fen": 0, "interest_fen": 3000, "paid_principal_fen": 0, "paid_interest_fen": 3000, "outstanding_principal_fen": 0, "outstanding_interest_fen": 0}, {"seq": 2, "due_on": "2026-03-15", "principal_fen": 600000, "interest_fen": 3000, "paid_principal_fen": 0, "paid_interest_fen": 0, "outstanding_principal_fen": 600000, "outstanding_interest_fen": 3000}]}))]
pub struct ScheduleOut {
    pub loan_id: i64,
    /// True before disbursement: computed from the amount asked (or approved) and today.
    pub preview: bool,
    pub repayment_method: RepaymentMethod,
    pub principal_fen: i64,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    /// Disbursement date (today for a preview).
    pub start_on: NaiveDate,
    pub total_principal_fen: i64,
    pub total_interest_fen: i64,
    pub items: Vec<InstalmentOut>,
}

impl ScheduleOut {
    /// The loan's schedule with its ledger applied (`loan_book`: re-derived after
    /// prepayments); before disbursement a preview from today.
    pub fn new(loan: &Loan, reps: &[Repayment]) -> Self {
        let lines: Vec<Line> = match book_of(loan, reps) {
            Some(b) => b.lines,
            None => schedule_of(loan)
                .iter()
                .map(|i| Line {
                    seq: i.seq,
                    due_on: i.due_on,
                    principal_fen: i.principal_fen,
                    interest_fen: i.interest_fen,
                    paid_principal_fen: 0,
                    paid_interest_fen: 0,
                })
                .collect(),
        };
        let tp = lines.iter().map(|l| l.principal_fen).sum();
        let ti = lines.iter().map(|l| l.interest_fen).sum();
        ScheduleOut {
            loan_id: loan.id,
            preview: loan.disbursed_on.is_none(),
            repayment_method: loan.repayment_method,
            principal_fen: tp,
            annual_rate_bp: loan.annual_rate_bp,
            term_months: loan.term_months,
            start_on: loan.disbursed_on.unwrap_or_else(today),
            total_principal_fen: tp,
            total_interest_fen: ti,
            items: lines
                .iter()
                .map(|i| InstalmentOut {
                    seq: i.seq,
                    due_on: i.due_on,
                    principal_fen: i.principal_fen,
                    interest_fen: i.interest_fen,
                    paid_principal_fen: i.paid_principal_fen,
                    paid_interest_fen: i.paid_interest_fen,
                    outstanding_principal_fen: i.principal_fen - i.paid_principal_fen,
                    outstanding_interest_fen: i.interest_fen - i.paid_interest_fen,
                })
                .collect(),
        }
    }
}
