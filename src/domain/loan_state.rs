//! The loan state machine (API.md "Loans and partner banks"), as one table.
//!
//! `submitted → under_review → approved|rejected`, `approved → disbursed → settled`,
//! `disbursed → overdue → disbursed|defaulted`, `defaulted → compensated`, and
//! `submitted|under_review → withdrawn`; a reversed repayment re-opens a settled loan
//! (`settled → disbursed|overdue`). Everything else is illegal (409).

use crate::domain::cooperative::text_enum;

text_enum! {
    /// Where a loan stands.
    LoanStatus {
        /// Applied for; waiting for the bank.
        Submitted => "submitted",
        /// The bank is reviewing it.
        UnderReview => "under_review",
        /// Approved (amount and rate fixed); not yet paid out.
        Approved => "approved",
        /// Refused by the bank (with a reason).
        Rejected => "rejected",
        /// Paid out and being repaid.
        Disbursed => "disbursed",
        /// A payment is late.
        Overdue => "overdue",
        /// Declared in default by the bank.
        Defaulted => "defaulted",
        /// The risk-compensation fund has paid its share.
        Compensated => "compensated",
        /// Repaid to the last fen.
        Settled => "settled",
        /// Withdrawn by the cooperative before a decision.
        Withdrawn => "withdrawn",
    }
}

/// What can happen to a loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanAction {
    Review,
    Approve,
    Reject,
    Disburse,
    Withdraw,
    MarkOverdue,
    Default,
    /// A repayment that brings an overdue loan up to date.
    Cure,
    /// The repayment of the last fen (an overdue loan is first brought back to `disbursed`).
    Settle,
    Compensate,
    /// A reversed repayment re-opens a settled loan, in order (`settled → disbursed`) …
    Reopen,
    /// … or with an instalment already past due (`settled → overdue`).
    ReopenOverdue,
}

impl LoanAction {
    pub const ALL: [LoanAction; 12] = [
        LoanAction::Review,
        LoanAction::Approve,
        LoanAction::Reject,
        LoanAction::Disburse,
        LoanAction::Withdraw,
        LoanAction::MarkOverdue,
        LoanAction::Default,
        LoanAction::Cure,
        LoanAction::Settle,
        LoanAction::Compensate,
        LoanAction::Reopen,
        LoanAction::ReopenOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LoanAction::Review => "review",
            LoanAction::Approve => "approve",
            LoanAction::Reject => "reject",
            LoanAction::Disburse => "disburse",
            LoanAction::Withdraw => "withdraw",
            LoanAction::MarkOverdue => "mark-overdue",
            LoanAction::Default => "default",
            LoanAction::Cure => "cure",
            LoanAction::Settle => "settle",
            LoanAction::Compensate => "compensate",
            LoanAction::Reopen => "reopen",
            LoanAction::ReopenOverdue => "reopen-overdue",
        }
    }
}

use LoanStatus::*;

/// The whole machine: (from, action, to).
pub const TRANSITIONS: &[(LoanStatus, LoanAction, LoanStatus)] = &[
    (Submitted, LoanAction::Review, UnderReview),
    (UnderReview, LoanAction::Approve, Approved),
    (UnderReview, LoanAction::Reject, Rejected),
    (Approved, LoanAction::Disburse, Disbursed),
    (Disbursed, LoanAction::Settle, Settled),
    (Disbursed, LoanAction::MarkOverdue, Overdue),
    (Overdue, LoanAction::Cure, Disbursed),
    (Overdue, LoanAction::Default, Defaulted),
    (Defaulted, LoanAction::Compensate, Compensated),
    (Submitted, LoanAction::Withdraw, Withdrawn),
    (UnderReview, LoanAction::Withdraw, Withdrawn),
    (Settled, LoanAction::Reopen, Disbursed),
    (Settled, LoanAction::ReopenOverdue, Overdue),
];

/// An action that the loan's current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the loan is {from}; it cannot {action} from this state")]
pub struct IllegalTransition {
    pub from: LoanStatus,
    pub action: &'static str,
}

/// The state after `action`, or why not.
pub fn next(from: LoanStatus, action: LoanAction) -> Result<LoanStatus, IllegalTransition> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or(IllegalTransition {
            from,
            action: action.as_str(),
        })
}

/// Whether any action moves a loan from `from` to `to`.
pub fn can_move(from: LoanStatus, to: LoanStatus) -> bool {
    TRANSITIONS.iter().any(|(f, _, t)| *f == from && *t == to)
}

/// The states of a loan that is being repaid: only these take repayments.
pub const REPAYING: &[LoanStatus] = &[Disbursed, Overdue];

/// The states that count against the fund's lending cap (money lent or promised): the
/// exposure is the approved principal not yet repaid of guaranteed loans in these states.
pub const EXPOSED: &[LoanStatus] = &[Approved, Disbursed, Overdue, Defaulted];

/// Repayments are recorded only on a loan that is being repaid.
pub fn accepts_repayment(status: LoanStatus) -> bool {
    REPAYING.contains(&status)
}

/// Loans that count against the fund's lending cap (money lent or promised).
pub fn is_exposed(status: LoanStatus) -> bool {
    EXPOSED.contains(&status)
}

/// What a repayment does to the loan's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRepayment {
    /// Still being repaid, in the same state.
    Unchanged,
    /// An overdue loan that has now paid everything due is back in order (`overdue → disbursed`).
    Cured,
    /// Paid to the last fen: `disbursed → settled`.
    Settled,
    /// An overdue loan paid to the last fen: back in order first, then settled
    /// (`overdue → disbursed → settled`).
    CuredAndSettled,
}

/// The state change a repayment brings about, for a loan in `status` (one that accepts
/// repayments) that has paid `paid_after_fen` in all out of `owed_fen` (principal and interest
/// of the whole schedule), when `due_fen` was due by the repayment's date.
pub fn after_repayment(
    status: LoanStatus,
    paid_after_fen: i64,
    owed_fen: i64,
    due_fen: i64,
) -> AfterRepayment {
    let overdue = status == Overdue;
    if paid_after_fen == owed_fen {
        if overdue {
            AfterRepayment::CuredAndSettled
        } else {
            AfterRepayment::Settled
        }
    } else if overdue && paid_after_fen >= due_fen {
        AfterRepayment::Cured
    } else {
        AfterRepayment::Unchanged
    }
}

/// The state change a repayment brings about, for a loan in `status` (one that accepts
/// repayments) whose book is now `settled` (nothing left) or `current` (nothing due by the
/// repayment's date unpaid).
pub fn after_book(status: LoanStatus, settled: bool, current: bool) -> AfterRepayment {
    match (status == Overdue, settled, current) {
        (true, true, _) => AfterRepayment::CuredAndSettled,
        (false, true, _) => AfterRepayment::Settled,
        (true, false, true) => AfterRepayment::Cured,
        _ => AfterRepayment::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's edges, written out independently of [`TRANSITIONS`].
    const CONTRACT: &[(LoanStatus, LoanStatus)] = &[
        (Submitted, UnderReview),
        (UnderReview, Approved),
        (UnderReview, Rejected),
        (Approved, Disbursed),
        (Disbursed, Settled),
        (Disbursed, Overdue),
        (Overdue, Disbursed),
        (Overdue, Defaulted),
        (Defaulted, Compensated),
        (Submitted, Withdrawn),
        (UnderReview, Withdrawn),
        (Settled, Disbursed),
        (Settled, Overdue),
    ];

    #[test]
    fn every_pair_of_states() {
        for &from in LoanStatus::ALL {
            for &to in LoanStatus::ALL {
                assert_eq!(
                    can_move(from, to),
                    CONTRACT.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn every_action_from_every_state() {
        for &from in LoanStatus::ALL {
            for action in LoanAction::ALL {
                match next(from, action) {
                    Ok(to) => assert!(CONTRACT.contains(&(from, to)), "{from} {action:?}"),
                    Err(e) => {
                        assert_eq!(e.from, from);
                        assert!(e.to_string().contains(from.as_str()));
                    }
                }
            }
        }
    }

    #[test]
    fn terminal_states_have_no_way_out() {
        for s in [Rejected, Withdrawn, Compensated] {
            for action in LoanAction::ALL {
                assert!(next(s, action).is_err(), "{s} {action:?}");
            }
        }
    }

    #[test]
    fn happy_path() {
        let mut s = Submitted;
        for a in [
            LoanAction::Review,
            LoanAction::Approve,
            LoanAction::Disburse,
            LoanAction::MarkOverdue,
            LoanAction::Cure,
            LoanAction::Settle,
        ] {
            s = next(s, a).unwrap();
        }
        assert_eq!(s, Settled);
        assert_eq!(
            next(Approved, LoanAction::Withdraw)
                .unwrap_err()
                .to_string(),
            "the loan is approved; it cannot withdraw from this state"
        );
    }

    #[test]
    fn repayments_and_exposure() {
        assert!(accepts_repayment(Disbursed) && accepts_repayment(Overdue));
        assert!(!accepts_repayment(Approved) && !accepts_repayment(Defaulted));
        assert!(is_exposed(Approved) && is_exposed(Defaulted));
        assert!(!is_exposed(Compensated) && !is_exposed(Settled) && !is_exposed(Submitted));
        for &s in LoanStatus::ALL {
            assert_eq!(
                accepts_repayment(s),
                matches!(s, Disbursed | Overdue),
                "{s}"
            );
            assert_eq!(
                is_exposed(s),
                matches!(s, Approved | Disbursed | Overdue | Defaulted),
                "{s}"
            );
        }
    }

    #[test]
    fn a_repayment_settles_the_last_fen_and_cures_what_was_due() {
        use AfterRepayment::*;
        // paid, owed, due
        assert_eq!(after_repayment(Disbursed, 1_000, 1_000, 0), Settled);
        assert_eq!(after_repayment(Disbursed, 900, 1_000, 1_000), Unchanged);
        assert_eq!(after_repayment(Overdue, 1_000, 1_000, 500), CuredAndSettled);
        assert_eq!(after_repayment(Overdue, 500, 1_000, 500), Cured);
        assert_eq!(after_repayment(Overdue, 600, 1_000, 500), Cured);
        assert_eq!(after_repayment(Overdue, 499, 1_000, 500), Unchanged);
    }

    #[test]
    fn a_repayment_settles_or_cures_by_the_book() {
        use AfterRepayment::*;
        assert_eq!(after_book(Disbursed, true, true), Settled);
        assert_eq!(after_book(Disbursed, false, true), Unchanged);
        assert_eq!(after_book(Disbursed, false, false), Unchanged);
        assert_eq!(after_book(Overdue, true, true), CuredAndSettled);
        assert_eq!(after_book(Overdue, false, true), Cured);
        assert_eq!(after_book(Overdue, false, false), Unchanged);
    }

    #[test]
    fn every_outcome_is_a_legal_path_of_the_machine() {
        let steps = |from: LoanStatus, actions: &[LoanAction]| {
            actions
                .iter()
                .try_fold(from, |s, a| next(s, *a))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(steps(Disbursed, &[LoanAction::Settle]), Settled);
        assert_eq!(steps(Overdue, &[LoanAction::Cure]), Disbursed);
        assert_eq!(
            steps(Overdue, &[LoanAction::Cure, LoanAction::Settle]),
            Settled
        );
        assert!(
            next(Overdue, LoanAction::Settle).is_err(),
            "an overdue loan settles only through disbursed"
        );
    }
}
