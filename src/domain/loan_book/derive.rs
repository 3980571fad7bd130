//! Re-deriving the schedule after a prepayment (see the module rules in `mod.rs`).

use chrono::NaiveDate;

use super::{daily_interest, Book, PrepaymentMode};
use crate::domain::loan_schedule::{self as sched, RepaymentMethod};

impl Book {
    /// Prepays `x_fen` of principal on `on`, within the period of the running instalment `k`
    /// (whose accrued interest has just been paid), and re-derives instalments `k..`.
    pub(super) fn prepay(&mut self, k: usize, on: NaiveDate, x_fen: i64, mode: PrepaymentMode) {
        let rate = self.terms.annual_rate_bp;
        let start = self.period_start(k).max(self.accrue_from);
        let before: i64 = self.lines[k..].iter().map(|l| l.unpaid_principal()).sum();
        let fixed =
            self.interest_before_fen(k) + daily_interest(before, rate, (on - start).num_days());
        let at_period_start = fixed == 0 && on == self.period_start(k);
        let balance = before - x_fen;
        let m = (self.lines.len() - k) as u32;
        let principal: Vec<i64> = match (mode, self.terms.method) {
            (PrepaymentMode::ReduceTerm, RepaymentMethod::EqualInstallment) => {
                keep_payment(balance, rate, self.level_fen, m, true)
            }
            (PrepaymentMode::ReduceTerm, RepaymentMethod::EqualPrincipal) => {
                keep_payment(balance, rate, self.level_fen, m, false)
            }
            _ => {
                let fresh = sched::schedule(self.terms.method, balance, rate, m, on);
                if let Some(f) = fresh.first() {
                    self.level_fen = match self.terms.method {
                        RepaymentMethod::EqualPrincipal => f.principal_fen,
                        _ => f.principal_fen + f.interest_fen,
                    };
                }
                fresh.iter().map(|i| i.principal_fen).collect()
            }
        };
        // Write the new figures: instalment k keeps the prepaid principal as paid.
        let mut bal = balance;
        let mut keep = k + 1;
        for (j, p) in principal.iter().enumerate() {
            let idx = k + j;
            let line = &mut self.lines[idx];
            let interest = if j == 0 && !at_period_start {
                fixed + daily_interest(bal, rate, (line.due_on - on).num_days())
            } else {
                sched::monthly_interest(bal, rate)
            };
            if j == 0 {
                line.principal_fen = p + x_fen;
                line.paid_principal_fen = x_fen;
                line.interest_fen = interest.max(line.paid_interest_fen);
            } else {
                line.principal_fen = *p;
                line.paid_principal_fen = 0;
                line.interest_fen = interest;
                line.paid_interest_fen = 0;
            }
            bal -= p;
            if *p > 0 || j == 0 {
                keep = idx + 1;
            }
        }
        self.lines.truncate(keep.max(k + 1));
        self.interest_before_fen = fixed;
        self.accrue_from = on;
    }
}

/// The principal of `m` instalments repaying `balance_fen` while keeping the payment
/// (`level_fen`, principal and interest, when `with_interest`) or the even principal
/// (`level_fen`): as many as needed, the last taking the rest, then zeros.
fn keep_payment(
    balance_fen: i64,
    rate_bp: i32,
    level_fen: i64,
    m: u32,
    with_interest: bool,
) -> Vec<i64> {
    let mut bal = balance_fen;
    (0..m)
        .map(|j| {
            let p = if j + 1 == m {
                bal
            } else if with_interest {
                (level_fen - sched::monthly_interest(bal, rate_bp)).clamp(0, bal)
            } else {
                level_fen.min(bal)
            };
            bal -= p;
            p
        })
        .collect()
}
