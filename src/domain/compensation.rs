//! Compensation from the risk-compensation fund as a claim with four eyes (API.md "Risk-
//! compensation fund controls"), recoveries, and the ledger's voucher numbers.
//!
//! - A claim is `submitted` (by the bank, or the district for it, on a `defaulted` loan),
//!   `approved` by a district admin, then `paid` by a **different** district admin; `submitted`
//!   or `approved` claims may be `rejected`. Every other move is illegal (409). A loan has at
//!   most one claim that is not `rejected`.
//! - The payment is the agreement's `compensation_share_bp` of the outstanding principal,
//!   rounded down to the fen, never more than the balance (409).
//! - A recovery of `amount_fen` on a compensated loan brings back `share_bp` of it, rounded
//!   down to the fen (the fund's share of the loss, recovered in proportion).

use chrono::NaiveDate;

use crate::domain::cooperative::text_enum;
use crate::domain::risk_fund::EntryKind;

text_enum! {
    /// Where a compensation claim stands.
    ClaimStatus {
        /// Filed with its evidence; waiting for a district admin's approval.
        Submitted => "submitted",
        /// Approved; waiting to be paid by another district admin.
        Approved => "approved",
        /// Paid out of the fund (the loan is `compensated`).
        Paid => "paid",
        /// Refused, with a reason.
        Rejected => "rejected",
    }
}

/// What can happen to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimAction {
    Approve,
    Pay,
    Reject,
}

impl ClaimAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimAction::Approve => "approve",
            ClaimAction::Pay => "pay",
            ClaimAction::Reject => "reject",
        }
    }
}

/// A move the claim's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the claim is {from}; it cannot {action} from this state")]
pub struct IllegalClaimMove {
    pub from: ClaimStatus,
    pub action: &'static str,
}

/// The claim's state after `action`, or why not.
pub fn next(from: ClaimStatus, action: ClaimAction) -> Result<ClaimStatus, IllegalClaimMove> {
    use ClaimStatus::*;
    match (from, action) {
        (Submitted, ClaimAction::Approve) => Ok(Approved),
        (Approved, ClaimAction::Pay) => Ok(Paid),
        (Submitted | Approved, ClaimAction::Reject) => Ok(Rejected),
        _ => Err(IllegalClaimMove {
            from,
            action: action.as_str(),
        }),
    }
}

/// The payer is the approver: public money needs two people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the district admin who approved the claim may not also pay it; another district admin pays"
)]
pub struct SameAdmin;

/// Four eyes: the admin who pays is not the one who approved.
pub fn four_eyes(approved_sub: &str, paying_sub: &str) -> Result<(), SameAdmin> {
    if approved_sub == paying_sub {
        Err(SameAdmin)
    } else {
        Ok(())
    }
}

/// The fund's share of a recovery: `share_bp` of `amount_fen`, rounded down to the fen.
pub fn recovery_share(amount_fen: i64, share_bp: i32) -> i64 {
    (i128::from(amount_fen.max(0)) * i128::from(share_bp) / 10_000) as i64
}

/// A ledger entry's voucher number: `RF-<C|P|R>-<entry date YYYYMMDD>-<id, 6 digits>`
/// (contribution, payment, recovery); unique because the id is.
pub fn voucher_no(kind: EntryKind, entry_on: NaiveDate, id: i64) -> String {
    let k = match kind {
        EntryKind::Contribution => 'C',
        EntryKind::Compensation => 'P',
        EntryKind::Recovery => 'R',
    };
    format!("RF-{k}-{}-{id:06}", entry_on.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClaimStatus::*;

    #[test]
    fn a_claim_is_approved_then_paid_or_rejected() {
        assert_eq!(next(Submitted, ClaimAction::Approve), Ok(Approved));
        assert_eq!(next(Approved, ClaimAction::Pay), Ok(Paid));
        assert_eq!(next(Submitted, ClaimAction::Reject), Ok(Rejected));
        assert_eq!(next(Approved, ClaimAction::Reject), Ok(Rejected));
        for (from, a) in [
            (Submitted, ClaimAction::Pay),
            (Approved, ClaimAction::Approve),
            (Paid, ClaimAction::Pay),
            (Paid, ClaimAction::Reject),
            (Rejected, ClaimAction::Approve),
            (Rejected, ClaimAction::Pay),
        ] {
            let e = next(from, a).unwrap_err();
            assert!(e.to_string().contains(from.as_str()), "{e}");
        }
    }

    #[test]
    fn four_eyes_and_shares() {
        assert!(four_eyes("7", "8").is_ok());
        assert_eq!(four_eyes("7", "7"), Err(SameAdmin));
        // 80 % of 12,345 = 9,876 (9,876.0); of 12,346 = 9,876.8 → 9,876.
        assert_eq!(recovery_share(12_345, 8_000), 9_876);
        assert_eq!(recovery_share(12_346, 8_000), 9_876);
        assert_eq!(recovery_share(1, 0), 0);
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            voucher_no(EntryKind::Recovery, d, 42),
            "RF-R-20261201-000042"
        );
        assert_eq!(
            voucher_no(EntryKind::Contribution, d, 1_234_567),
            "RF-C-20261201-1234567"
        );
    }
}
