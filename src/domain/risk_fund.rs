//! Arithmetic of the risk-compensation fund (风险补偿资金, RULES.md "Loans").
//!
//! The fund is a ledger: contributions in, compensations out. Its balance is the sum of the
//! entries and never goes below zero. Loans of eligible products may be lent up to
//! `leverage × balance` in total.
//!
//! Sums of the ledger are `i128`: no sum of `i64` amounts can wrap. A sum shown in a view is
//! clamped to the `i64` range ([`fen`]); a contribution that would take the fund's total
//! past it is refused ([`add_contribution`]).

use crate::domain::cooperative::text_enum;

text_enum! {
    /// The kind of a ledger entry.
    EntryKind {
        /// Money paid into the fund.
        Contribution => "contribution",
        /// Money paid out to a bank for a defaulted loan.
        Compensation => "compensation",
        /// The fund's share of what a bank recovered on a compensated loan, back in.
        Recovery => "recovery",
    }
}

/// The signed effect of an entry on the balance (amounts are stored positive).
pub fn signed(kind: EntryKind, amount_fen: i64) -> i64 {
    match kind {
        EntryKind::Contribution | EntryKind::Recovery => amount_fen,
        EntryKind::Compensation => -amount_fen,
    }
}

/// The balance: the sum of the entries.
pub fn balance(entries: impl IntoIterator<Item = (EntryKind, i64)>) -> i128 {
    entries
        .into_iter()
        .map(|(k, a)| i128::from(signed(k, a)))
        .sum()
}

/// A sum of fen as a view shows it: clamped to the `i64` range, never wrapped.
pub fn fen(sum: i128) -> i64 {
    sum.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// What may be lent in total under the fund's guarantee.
pub fn lending_cap(balance_fen: i128, leverage: i64) -> i128 {
    balance_fen.max(0).saturating_mul(i128::from(leverage))
}

/// What may still be lent: cap − exposure, never below zero.
pub fn headroom(balance_fen: i128, leverage: i64, exposure_fen: i128) -> i128 {
    lending_cap(balance_fen, leverage)
        .saturating_sub(exposure_fen)
        .max(0)
}

/// Whether approving `amount_fen` more keeps exposure within the cap.
pub fn fits_under_cap(
    balance_fen: i128,
    leverage: i64,
    exposure_fen: i128,
    amount_fen: i64,
) -> bool {
    exposure_fen.saturating_add(i128::from(amount_fen)) <= lending_cap(balance_fen, leverage)
}

/// A contribution that would take the fund's contributions past what a sum of fen can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the fund has received {contributed_fen} fen; {amount_fen} fen more would exceed {max} fen", max = i64::MAX)]
pub struct TooLarge {
    pub contributed_fen: i128,
    pub amount_fen: i64,
}

/// The fund's contributions after one more of `amount_fen`, within the `i64` range.
pub fn add_contribution(contributed_fen: i128, amount_fen: i64) -> Result<i64, TooLarge> {
    i64::try_from(contributed_fen + i128::from(amount_fen)).map_err(|_| TooLarge {
        contributed_fen,
        amount_fen,
    })
}

/// The compensation for a defaulted loan: `share_bp` of the outstanding principal, rounded
/// down to the fen (the fund never pays more than its share).
pub fn compensation(outstanding_principal_fen: i64, share_bp: i64) -> i64 {
    (outstanding_principal_fen.max(0) as i128 * share_bp as i128 / 10_000) as i64
}

/// Why the fund cannot pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the fund holds {balance_fen} fen; paying {amount_fen} fen would leave it negative")]
pub struct Insufficient {
    pub balance_fen: i128,
    pub amount_fen: i64,
}

/// The balance after paying `amount_fen`, unless that would go below zero.
pub fn pay_out(balance_fen: i128, amount_fen: i64) -> Result<i128, Insufficient> {
    let amount = i128::from(amount_fen);
    if amount > balance_fen {
        Err(Insufficient {
            balance_fen,
            amount_fen,
        })
    } else {
        Ok(balance_fen - amount)
    }
}

/// Approving an amount the fund's lending cap has no room for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("approving {amount_fen} fen would exceed the risk-compensation fund's lending cap: headroom is {headroom_fen} fen ({leverage} × balance {balance_fen} fen − exposure {exposure_fen} fen)")]
pub struct OverCap {
    pub amount_fen: i64,
    pub headroom_fen: i128,
    pub leverage: i64,
    pub balance_fen: i128,
    pub exposure_fen: i128,
}

/// The lending cap at approval: approving `amount_fen` more of a guaranteed loan must keep the
/// exposure within `leverage × balance`.
pub fn check_cap(
    balance_fen: i128,
    leverage: i64,
    exposure_fen: i128,
    amount_fen: i64,
) -> Result<(), OverCap> {
    if fits_under_cap(balance_fen, leverage, exposure_fen, amount_fen) {
        Ok(())
    } else {
        Err(OverCap {
            amount_fen,
            headroom_fen: headroom(balance_fen, leverage, exposure_fen),
            leverage,
            balance_fen,
            exposure_fen,
        })
    }
}

/// Why a defaulted loan is not compensated (the loan's state is checked by the machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CompensationRefused {
    #[error("the loan's product is not guaranteed by the risk-compensation fund")]
    NotGuaranteed,
    #[error("this loan has already been compensated")]
    AlreadyCompensated,
    #[error("nothing is outstanding to compensate")]
    NothingOutstanding,
    #[error(transparent)]
    Insufficient(#[from] Insufficient),
}

/// A loan is compensated only when its product is guaranteed, and only once.
pub fn may_compensate(
    guaranteed: bool,
    already_compensated: bool,
) -> Result<(), CompensationRefused> {
    if !guaranteed {
        Err(CompensationRefused::NotGuaranteed)
    } else if already_compensated {
        Err(CompensationRefused::AlreadyCompensated)
    } else {
        Ok(())
    }
}

/// What the fund pays for a defaulted loan, and its balance after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payout {
    pub amount_fen: i64,
    pub balance_after_fen: i128,
}

/// The compensation of `outstanding_principal_fen` at `share_bp`, paid out of `balance_fen`:
/// something must be outstanding, and the fund never goes below zero.
pub fn payout(
    outstanding_principal_fen: i64,
    share_bp: i64,
    balance_fen: i128,
) -> Result<Payout, CompensationRefused> {
    let amount_fen = compensation(outstanding_principal_fen, share_bp);
    if amount_fen <= 0 {
        return Err(CompensationRefused::NothingOutstanding);
    }
    let balance_after_fen = pay_out(balance_fen, amount_fen)?;
    Ok(Payout {
        amount_fen,
        balance_after_fen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntryKind::*;

    #[test]
    fn balance_is_the_sum_of_entries() {
        assert_eq!(balance([]), 0);
        assert_eq!(
            balance([
                (Contribution, 1_000),
                (Compensation, 300),
                (Contribution, 50)
            ]),
            750
        );
    }

    #[test]
    fn cap_and_headroom() {
        assert_eq!(lending_cap(1_000_000, 10), 10_000_000);
        assert_eq!(headroom(1_000_000, 10, 9_000_000), 1_000_000);
        assert_eq!(headroom(1_000_000, 10, 12_000_000), 0);
        assert!(fits_under_cap(1_000_000, 10, 9_000_000, 1_000_000));
        assert!(!fits_under_cap(1_000_000, 10, 9_000_000, 1_000_001));
        assert_eq!(lending_cap(-5, 10), 0);
    }

    #[test]
    fn compensation_is_the_share_rounded_down() {
        assert_eq!(compensation(1_000_000, 8_000), 800_000);
        assert_eq!(compensation(999, 8_000), 799); // 799.2
        assert_eq!(compensation(1, 8_000), 0);
        assert_eq!(compensation(-10, 8_000), 0);
        assert_eq!(compensation(1_000, 10_000), 1_000);
    }

    #[test]
    fn never_negative() {
        assert_eq!(pay_out(1_000, 1_000), Ok(0));
        assert_eq!(pay_out(1_000, 400), Ok(600));
        assert!(pay_out(1_000, 1_001).is_err());
        assert!(pay_out(0, 1).is_err());
    }

    #[test]
    fn sums_never_wrap() {
        let max = i64::MAX;
        let b = balance([(Contribution, max), (Contribution, max)]);
        assert_eq!(b, 2 * i128::from(max));
        assert_eq!(fen(b), max, "a view clamps");
        assert_eq!(fen(-b), i64::MIN);
        assert_eq!(lending_cap(b, 10), 20 * i128::from(max));
        assert_eq!(headroom(b, 10, -b), 22 * i128::from(max));
        assert!(fits_under_cap(b, 10, 19 * i128::from(max), max));
        assert!(!fits_under_cap(0, 10, i128::from(max), max));
        assert_eq!(add_contribution(0, max), Ok(max));
        assert_eq!(add_contribution(1, max - 1), Ok(max));
        assert!(add_contribution(1, max).is_err());
        assert!(add_contribution(i128::from(max), max).is_err());
        assert_eq!(pay_out(b, max), Ok(i128::from(max)));
    }

    #[test]
    fn the_cap_at_approval_names_the_headroom() {
        assert_eq!(check_cap(1_000_000, 10, 9_000_000, 1_000_000), Ok(()));
        let e = check_cap(1_000_000, 10, 9_500_000, 600_000).unwrap_err();
        assert_eq!(e.headroom_fen, 500_000);
        assert_eq!(
            e.to_string(),
            "approving 600000 fen would exceed the risk-compensation fund's lending cap: headroom is 500000 fen (10 × balance 1000000 fen − exposure 9500000 fen)"
        );
        assert!(
            check_cap(0, 10, 0, 1).is_err(),
            "an empty fund guarantees nothing"
        );
    }

    #[test]
    fn compensation_once_for_guaranteed_loans_and_never_below_zero() {
        use CompensationRefused::*;
        assert_eq!(may_compensate(true, false), Ok(()));
        assert_eq!(may_compensate(false, false), Err(NotGuaranteed));
        assert_eq!(may_compensate(true, true), Err(AlreadyCompensated));
        assert_eq!(
            payout(1_000_000, 8_000, 900_000),
            Ok(Payout {
                amount_fen: 800_000,
                balance_after_fen: 100_000
            })
        );
        assert_eq!(payout(0, 8_000, 900_000), Err(NothingOutstanding));
        assert_eq!(
            payout(1, 8_000, 900_000),
            Err(NothingOutstanding),
            "0.8 fen rounds to 0"
        );
        let short = payout(1_000_000, 8_000, 799_999).unwrap_err();
        assert!(matches!(short, Insufficient(_)));
        assert_eq!(
            short.to_string(),
            "the fund holds 799999 fen; paying 800000 fen would leave it negative"
        );
    }
}
