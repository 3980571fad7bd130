//! The loan book as the bank keeps it (RULES.md "Loan servicing"): the repayments of a loan
//! replayed in date order over its schedule, with daily accrual, penalty interest, the
//! allocation order, prepayments and the payoff.
//!
//! Rules (every amount in fen, every rounding half away from zero, to the fen):
//! - **Regular interest**: an instalment's interest is the schedule's monthly figure
//!   (balance × annual rate / 12). Between scheduled dates interest accrues daily at
//!   annual rate / 360 on the principal not yet due (actual days / 360).
//! - **Penalty interest** (罚息) accrues daily on overdue principal from the day after its
//!   due date at rate × (1 + `penalty_rate_markup_bp` / 10000) / 360; it is kept exact
//!   (in 1/36,000,000,000 fen) and rounded only when paid or shown. No interest on interest.
//! - **Allocation** of a repayment on day `d`: penalty interest; the interest of instalments
//!   due before `d` (oldest first); their principal (oldest first); the interest, then the
//!   principal, of the instalment due on `d`; then a **prepayment**: first the interest
//!   accrued since the running period began (or since the last prepayment in it) on the
//!   principal not yet due, then principal.
//! - A payment dated before an instalment's due date pays no instalment: beyond what is
//!   overdue it is a prepayment.
//! - After a prepayment the schedule is re-derived from the running instalment on the lower
//!   balance: `reduce_payment` keeps the number of instalments (new level payment, or new
//!   even principal); `reduce_term` keeps the payment (or the even principal) and drops the
//!   instalments no longer needed (a bullet loan keeps its one principal instalment either
//!   way). The running instalment's interest becomes the interest accrued up to the
//!   prepayment plus the interest accrued daily on the lower balance up to its due date; a
//!   prepayment on the first day of a period keeps monthly figures.
//! - The **payoff** on a day is the rounded penalty interest, the unpaid interest and
//!   principal of instalments due by then, the interest accrued in the running period, and
//!   the principal not yet due. Only more than the payoff is an overpayment.

pub mod asof;
mod derive;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::domain::cooperative::text_enum;
use crate::domain::loan_schedule::{self as sched, RepaymentMethod};

text_enum! {
    /// What a prepayment does to the schedule.
    PrepaymentMode {
        /// The same number of instalments, each smaller.
        ReducePayment => "reduce_payment",
        /// The same payment, fewer instalments.
        ReduceTerm => "reduce_term",
    }
}

/// The default markup of penalty interest over the contract rate (5000 bp: rate × 1.5).
pub const DEFAULT_PENALTY_MARKUP_BP: i32 = 5000;

/// Penalty interest is kept in units of 1/PENALTY_DEN fen (bp × bp × 360 days).
const PENALTY_DEN: i128 = 10_000 * 10_000 * 360;

/// The terms of a disbursed loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Terms {
    pub method: RepaymentMethod,
    pub principal_fen: i64,
    pub annual_rate_bp: i32,
    pub term_months: u32,
    pub disbursed_on: NaiveDate,
    pub first_due_on: Option<NaiveDate>,
    pub penalty_markup_bp: i32,
}

/// One repayment as the bank sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub paid_on: NaiveDate,
    pub amount_fen: i64,
    pub mode: PrepaymentMode,
}

/// How one repayment was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Split {
    pub penalty_interest_fen: i64,
    /// Regular and overdue interest, and interest accrued up to a prepayment.
    pub interest_fen: i64,
    /// All principal, the prepaid part included.
    pub principal_fen: i64,
    /// The part of `principal_fen` paid ahead of the schedule.
    pub prepaid_principal_fen: i64,
}

/// What it takes to close the loan on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Payoff {
    pub principal_fen: i64,
    /// Unpaid interest of instalments due, and interest accrued in the running period.
    pub interest_fen: i64,
    pub penalty_interest_fen: i64,
    pub total_fen: i64,
}

/// A repayment above the payoff of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "only {payoff_fen} fen (principal, interest and penalty interest) close the loan on that day"
)]
pub struct Overpayment {
    pub payoff_fen: i64,
}

/// One instalment of the book: its figures as (re-)derived and what has been paid of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub seq: u32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
}

impl Line {
    fn unpaid_principal(&self) -> i64 {
        self.principal_fen - self.paid_principal_fen
    }
    fn unpaid_interest(&self) -> i64 {
        self.interest_fen - self.paid_interest_fen
    }
    /// Nothing of it is left to pay.
    pub fn is_paid(&self) -> bool {
        self.unpaid_principal() == 0 && self.unpaid_interest() == 0
    }
}

/// Rounds `num / den` (both ≥ 0 or `num` < 0 meaning nothing) half up to an integer.
fn round_div(num: i128, den: i128) -> i64 {
    if num <= 0 {
        0
    } else {
        ((num + den / 2) / den) as i64
    }
}

/// Interest on `balance_fen` for `days` days at `annual_rate_bp` (actual/360), rounded.
pub fn daily_interest(balance_fen: i64, annual_rate_bp: i32, days: i64) -> i64 {
    round_div(
        balance_fen as i128 * annual_rate_bp as i128 * days.max(0) as i128,
        3_600_000,
    )
}

/// A loan's book: its schedule with the repayments applied so far.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Book {
    pub terms: Terms,
    pub lines: Vec<Line>,
    /// Penalty interest accrued and unpaid, in 1/PENALTY_DEN fen.
    penalty_num: i128,
    /// The day up to which penalty interest has been accrued.
    accrued_to: NaiveDate,
    /// Where daily accrual of the running instalment starts (its period start, or the last
    /// prepayment in it), and the interest fixed for the days before.
    accrue_from: NaiveDate,
    interest_before_fen: i64,
    /// The level payment (equal instalment) or even principal (equal principal) a
    /// `reduce_term` prepayment keeps.
    level_fen: i64,
}

impl Book {
    /// The book of a loan just disbursed.
    pub fn new(terms: Terms) -> Self {
        let s = sched::schedule_from(
            terms.method,
            terms.principal_fen,
            terms.annual_rate_bp,
            terms.term_months,
            terms.disbursed_on,
            terms.first_due_on,
        );
        let level_fen = s.first().map(|i| match terms.method {
            RepaymentMethod::EqualPrincipal => i.principal_fen,
            _ => i.principal_fen + i.interest_fen,
        });
        Book {
            terms,
            lines: s
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
            penalty_num: 0,
            accrued_to: terms.disbursed_on,
            accrue_from: terms.disbursed_on,
            interest_before_fen: 0,
            level_fen: level_fen.unwrap_or(0),
        }
    }

    /// The book written as JSON (the running book kept beside the ledger).
    pub fn to_state(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A book written by [`Book::to_state`], when it is one of a loan with `terms`.
    pub fn from_state(state: &str, terms: Terms) -> Option<Book> {
        serde_json::from_str::<Book>(state)
            .ok()
            .filter(|b| b.terms == terms)
    }

    /// The book after `payments` (in the order given, which must be by date).
    pub fn replay(terms: Terms, payments: &[Payment]) -> Result<(Book, Vec<Split>), Overpayment> {
        let mut b = Book::new(terms);
        let splits = payments
            .iter()
            .map(|p| b.pay(p.paid_on, p.amount_fen, p.mode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((b, splits))
    }

    /// Reads a recorded ledger (sorted here by date, stably): like [`Book::replay`], but a
    /// payment above its day's payoff (recorded under earlier rules) is applied up to the
    /// payoff. What was recorded is never changed by reading it.
    pub fn read(terms: Terms, payments: &[Payment]) -> Book {
        let mut sorted = payments.to_vec();
        sorted.sort_by_key(|p| p.paid_on);
        let mut b = Book::new(terms);
        for p in sorted {
            let amount = p.amount_fen.min(b.payoff(p.paid_on).total_fen);
            // Within the payoff, a payment always applies.
            let _ = b.pay(p.paid_on, amount, p.mode);
        }
        b
    }

    /// Principal not yet repaid.
    pub fn outstanding_principal_fen(&self) -> i64 {
        self.lines.iter().map(Line::unpaid_principal).sum()
    }

    /// Scheduled interest not yet paid (of every instalment, due or not).
    pub fn outstanding_interest_fen(&self) -> i64 {
        self.lines.iter().map(Line::unpaid_interest).sum()
    }

    /// Everything paid off: no principal, no interest, no penalty interest left.
    pub fn is_settled(&self) -> bool {
        self.lines.iter().all(Line::is_paid) && round_div(self.penalty_num, PENALTY_DEN) == 0
    }

    /// Nothing due on or before `on` is unpaid.
    pub fn is_current(&self, on: NaiveDate) -> bool {
        self.lines
            .iter()
            .filter(|l| l.due_on <= on)
            .all(Line::is_paid)
    }

    /// Days past due on `on`: since the due date of the oldest instalment still unpaid.
    pub fn days_past_due(&self, on: NaiveDate) -> i64 {
        self.lines
            .iter()
            .find(|l| !l.is_paid())
            .map(|l| (on - l.due_on).num_days().max(0))
            .unwrap_or(0)
    }

    /// Accrues penalty interest on overdue principal up to `to` (nothing when `to` is not
    /// after the last accrual).
    fn accrue_penalty(&mut self, to: NaiveDate) {
        if to <= self.accrued_to {
            return;
        }
        let factor =
            self.terms.annual_rate_bp as i128 * (10_000 + self.terms.penalty_markup_bp as i128);
        for l in &self.lines {
            let from = l.due_on.max(self.accrued_to);
            let days = (to - from).num_days();
            if days > 0 && l.unpaid_principal() > 0 {
                self.penalty_num += l.unpaid_principal() as i128 * days as i128 * factor;
            }
        }
        self.accrued_to = to;
    }

    /// The running instalment on `on`: the first one due after it.
    fn running(&self, on: NaiveDate) -> Option<usize> {
        self.lines.iter().position(|l| l.due_on > on)
    }

    /// The interest accrued and unpaid of the running instalment `k` on `on`.
    fn accrued_interest(&self, k: usize, on: NaiveDate) -> i64 {
        let start = self.period_start(k).max(self.accrue_from);
        let not_due: i64 = self.lines[k..].iter().map(Line::unpaid_principal).sum();
        let accrued = self.interest_before_fen(k)
            + daily_interest(not_due, self.terms.annual_rate_bp, (on - start).num_days());
        (accrued - self.lines[k].paid_interest_fen).clamp(0, self.lines[k].unpaid_interest())
    }

    fn period_start(&self, k: usize) -> NaiveDate {
        if k == 0 {
            self.terms.disbursed_on
        } else {
            self.lines[k - 1].due_on
        }
    }

    /// The interest fixed for instalment `k` before `accrue_from` (by prepayments in its
    /// period), else nothing.
    fn interest_before_fen(&self, k: usize) -> i64 {
        if self.accrue_from > self.period_start(k) {
            self.interest_before_fen
        } else {
            0
        }
    }

    /// What closes the loan on `on` (after the repayments applied so far).
    pub fn payoff(&self, on: NaiveDate) -> Payoff {
        let mut b = self.clone();
        b.accrue_penalty(on);
        let penalty = round_div(b.penalty_num, PENALTY_DEN);
        let due_interest: i64 = b
            .lines
            .iter()
            .filter(|l| l.due_on <= on)
            .map(Line::unpaid_interest)
            .sum();
        let accrued = b.running(on).map_or(0, |k| b.accrued_interest(k, on));
        let principal = b.outstanding_principal_fen();
        let interest = due_interest + accrued;
        Payoff {
            principal_fen: principal,
            interest_fen: interest,
            penalty_interest_fen: penalty,
            total_fen: principal + interest + penalty,
        }
    }

    /// Penalty interest accrued and unpaid on `on`, rounded.
    pub fn penalty_interest_fen(&self, on: NaiveDate) -> i64 {
        self.payoff(on).penalty_interest_fen
    }

    /// Applies a repayment of `amount_fen` on `on` in the order of RULES.md.
    pub fn pay(
        &mut self,
        on: NaiveDate,
        amount_fen: i64,
        mode: PrepaymentMode,
    ) -> Result<Split, Overpayment> {
        let payoff = self.payoff(on).total_fen;
        if amount_fen > payoff {
            return Err(Overpayment { payoff_fen: payoff });
        }
        self.accrue_penalty(on);
        let mut left = amount_fen.max(0);
        let mut split = Split::default();
        // 1. Penalty interest.
        let penalty = round_div(self.penalty_num, PENALTY_DEN).min(left);
        self.penalty_num -= penalty as i128 * PENALTY_DEN;
        left -= penalty;
        split.penalty_interest_fen = penalty;
        // 2.–3. Overdue interest, then overdue principal, oldest first; 4. the instalment
        // due today, interest then principal.
        for (due_today, interest) in [(false, true), (false, false), (true, true), (true, false)] {
            for l in self.lines.iter_mut() {
                let pick = if due_today {
                    l.due_on == on
                } else {
                    l.due_on < on
                };
                if !pick {
                    continue;
                }
                let (paid, due) = if interest {
                    (&mut l.paid_interest_fen, l.interest_fen)
                } else {
                    (&mut l.paid_principal_fen, l.principal_fen)
                };
                let x = (due - *paid).min(left);
                *paid += x;
                left -= x;
                if interest {
                    split.interest_fen += x;
                } else {
                    split.principal_fen += x;
                }
            }
        }
        // 5. Prepayment: interest accrued in the running period, then principal.
        if left > 0 {
            if let Some(k) = self.running(on) {
                let accrued = self.accrued_interest(k, on).min(left);
                self.lines[k].paid_interest_fen += accrued;
                left -= accrued;
                split.interest_fen += accrued;
                let not_due: i64 = self.lines[k..].iter().map(Line::unpaid_principal).sum();
                let x = left.min(not_due);
                if x > 0 {
                    self.prepay(k, on, x, mode);
                    left -= x;
                    split.principal_fen += x;
                    split.prepaid_principal_fen = x;
                }
            }
        }
        debug_assert_eq!(left, 0, "the payoff bounds the payment");
        Ok(split)
    }
}
