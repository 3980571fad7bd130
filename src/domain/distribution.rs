//! Surplus distribution (盈余分配, RULES.md "Surplus distribution"), exact to the fen.
//!
//! - Distributable = surplus − loss make-up − reserve drawn (each ≥ 0; a negative result is
//!   refused on `reserve_fen`). A `distributable_fen` given by the caller must equal it.
//! - The part returned by transactions is `ceil(distributable × by_transactions_bp / 10000)`,
//!   rounded **up** so that it is never below the share voted (and so never below 60%); the
//!   rest is returned by contribution plus reserve share.
//! - Each part is divided pro rata to the members' weights (transaction amount; contribution +
//!   reserve share): every member gets `floor(part × weight / Σweights)`, then the fen left
//!   over go one each to the largest fractional parts, ties to the lower member id, so the
//!   allocations sum exactly to the part. All arithmetic in `i128`.
//! - The reserve drawn is quantified to the members' accounts (公积金量化) with the same rule,
//!   by transaction amount (by contribution + reserve share when no member traded that year).

use super::cooperative::text_enum;

text_enum! {
    /// Where a year's distribution stands.
    DistributionStatus {
        /// Computed, not yet adopted: changes freely.
        Draft => "draft",
        /// Adopted with a passed assembly resolution and posted to the members' accounts.
        Adopted => "adopted",
    }
}

/// The least share of the distributable surplus returned by transactions (60%).
pub const MIN_BY_TRANSACTIONS_BP: i64 = 6000;
pub const FULL_BP: i64 = 10_000;

/// The figures of a distribution as voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub surplus_fen: i64,
    pub loss_makeup_fen: i64,
    pub reserve_fen: i64,
    pub distributable_fen: Option<i64>,
    pub by_transactions_bp: i64,
}

/// The distributable surplus split in its two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub distributable_fen: i64,
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
}

/// Why figures are refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// Below 60% (or above 100%) by transactions (`by_transactions_bp`).
    Share,
    /// Loss make-up and reserve exceed the surplus (`reserve_fen`).
    Negative,
    /// The given distributable figure is not surplus − loss make-up − reserve.
    Mismatch { computed: i64 },
}

impl Breach {
    pub fn field(&self) -> &'static str {
        match self {
            Breach::Share => "by_transactions_bp",
            Breach::Negative => "reserve_fen",
            Breach::Mismatch { .. } => "distributable_fen",
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Breach::Share => "below_minimum",
            Breach::Negative => "exceeds_surplus",
            Breach::Mismatch { .. } => "mismatch",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Breach::Share => format!(
                "at least {MIN_BY_TRANSACTIONS_BP} basis points (60%) of the distributable surplus are returned by transactions, at most {FULL_BP}"
            ),
            Breach::Negative => {
                "loss make-up and reserve together exceed the surplus".into()
            }
            Breach::Mismatch { computed } => format!(
                "must be surplus − loss make-up − reserve = {computed}"
            ),
        }
    }
}

/// The distributable surplus and its parts.
pub fn split(f: &Figures) -> Result<Split, Breach> {
    if !(MIN_BY_TRANSACTIONS_BP..=FULL_BP).contains(&f.by_transactions_bp) {
        return Err(Breach::Share);
    }
    let d = i128::from(f.surplus_fen) - i128::from(f.loss_makeup_fen) - i128::from(f.reserve_fen);
    if d < 0 {
        return Err(Breach::Negative);
    }
    let computed = i64::try_from(d).map_err(|_| Breach::Negative)?;
    if let Some(given) = f.distributable_fen {
        if given != computed {
            return Err(Breach::Mismatch { computed });
        }
    }
    let bp = i128::from(f.by_transactions_bp);
    let full = i128::from(FULL_BP);
    // ceil(d × bp / 10000) for d ≥ 0.
    let by_tx = (d * bp + full - 1) / full;
    let by_tx = i64::try_from(by_tx).map_err(|_| Breach::Negative)?;
    Ok(Split {
        distributable_fen: computed,
        by_transactions_fen: by_tx,
        by_shares_fen: computed - by_tx,
    })
}

/// Divides `amount` among `weights` (member id, weight ≥ 0) pro rata, exact to the fen: floors
/// first, then one fen each to the largest remainders, ties to the lower member id. Answers
/// the allocations in the order given; `None` when every weight is 0 and `amount` is not.
pub fn largest_remainder(amount: i64, weights: &[(i64, i64)]) -> Option<Vec<i64>> {
    let total: i128 = weights.iter().map(|(_, w)| i128::from(*w)).sum();
    if total == 0 {
        return (amount == 0).then(|| vec![0; weights.len()]);
    }
    let amount = i128::from(amount);
    let mut out: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, i64, usize)> = Vec::with_capacity(weights.len());
    for (i, (id, w)) in weights.iter().enumerate() {
        let p = amount * i128::from(*w);
        out.push(p / total);
        remainders.push((p % total, *id, i));
    }
    let given: i128 = out.iter().sum();
    let left = usize::try_from(amount - given).ok()?;
    // Largest remainder first; among equal remainders the lower member id.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, i) in remainders.into_iter().take(left) {
        out[i] += 1;
    }
    out.into_iter().map(|v| i64::try_from(v).ok()).collect()
}

/// One member's part of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberPart {
    pub member_id: i64,
    /// The member's transaction amount of the year (the weight of the first part).
    pub transactions_fen: i64,
    /// Contribution plus reserve share before this distribution (the weight of the second).
    pub shares_fen: i64,
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
    /// The reserve drawn, quantified to the member.
    pub reserve_share_fen: i64,
}

/// Why the parts cannot be divided (each names the field to change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoWeights {
    /// A part to return by transactions, but no member traded that year.
    Transactions,
    /// A part to return by shares, but no member holds any.
    Shares,
    /// A reserve to quantify, but no member to quantify it to.
    Reserve,
}

impl NoWeights {
    pub fn field(self) -> &'static str {
        match self {
            NoWeights::Transactions | NoWeights::Shares => "by_transactions_bp",
            NoWeights::Reserve => "reserve_fen",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            NoWeights::Transactions => "no_transactions",
            NoWeights::Shares => "no_shares",
            NoWeights::Reserve => "no_members",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            NoWeights::Transactions => "no member's transactions are recorded for the year, so nothing can be returned by transactions",
            NoWeights::Shares => "no member holds contribution or reserve share, so the rest cannot be returned by shares: return 10000 bp by transactions",
            NoWeights::Reserve => "no member to quantify the reserve to",
        }
    }
}

/// Divides the two parts and the reserve among the members: `transactions` are (member id,
/// amount of the year), `shares` (member id, contribution + reserve share) of the members on
/// the ledger at the year's end. Each member of either list gets a part, in member id order.
pub fn allocate(
    split: &Split,
    reserve_fen: i64,
    transactions: &[(i64, i64)],
    shares: &[(i64, i64)],
) -> Result<Vec<MemberPart>, NoWeights> {
    let mut ids: Vec<i64> = transactions
        .iter()
        .chain(shares)
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let weight = |list: &[(i64, i64)], id: i64| {
        list.iter()
            .filter(|(m, _)| *m == id)
            .map(|(_, w)| *w)
            .sum::<i64>()
    };
    let tx: Vec<(i64, i64)> = ids
        .iter()
        .map(|id| (*id, weight(transactions, *id)))
        .collect();
    let sh: Vec<(i64, i64)> = ids.iter().map(|id| (*id, weight(shares, *id))).collect();
    let by_tx = largest_remainder(split.by_transactions_fen, &tx).ok_or(NoWeights::Transactions)?;
    let by_sh = largest_remainder(split.by_shares_fen, &sh).ok_or(NoWeights::Shares)?;
    let reserve = largest_remainder(reserve_fen, &tx)
        .filter(|_| tx.iter().any(|(_, w)| *w > 0) || reserve_fen == 0)
        .or_else(|| largest_remainder(reserve_fen, &sh))
        .ok_or(NoWeights::Reserve)?;
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, id)| MemberPart {
            member_id: *id,
            transactions_fen: tx[i].1,
            shares_fen: sh[i].1,
            by_transactions_fen: by_tx[i],
            by_shares_fen: by_sh[i],
            reserve_share_fen: reserve[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(surplus: i64, loss: i64, reserve: i64, bp: i64) -> Figures {
        Figures {
            surplus_fen: surplus,
            loss_makeup_fen: loss,
            reserve_fen: reserve,
            distributable_fen: None,
            by_transactions_bp: bp,
        }
    }

    #[test]
    fn the_transactions_part_is_rounded_up() {
        // 1001 × 6000 / 10000 = 600.6 → 601 by transactions, 400 by shares.
        let s = split(&figures(1201, 100, 100, 6000)).unwrap();
        assert_eq!(
            (s.distributable_fen, s.by_transactions_fen, s.by_shares_fen),
            (1001, 601, 400)
        );
        assert_eq!(
            split(&figures(1000, 0, 0, 10_000)).unwrap().by_shares_fen,
            0
        );
        assert_eq!(
            split(&figures(0, 0, 0, 6000)).unwrap().by_transactions_fen,
            0
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(split(&figures(1000, 0, 0, 5999)), Err(Breach::Share));
        assert_eq!(split(&figures(1000, 0, 0, 10_001)), Err(Breach::Share));
        assert_eq!(split(&figures(1000, 600, 401, 6000)), Err(Breach::Negative));
        let mut f = figures(1000, 100, 100, 6000);
        f.distributable_fen = Some(801);
        assert_eq!(split(&f), Err(Breach::Mismatch { computed: 800 }));
        f.distributable_fen = Some(800);
        assert!(split(&f).is_ok());
    }

    #[test]
    fn largest_remainder_by_hand() {
        // 100 fen over weights 1, 1, 1: 33 each (remainder 1 each); the one fen left goes to
        // the lowest id among the equal remainders.
        assert_eq!(
            largest_remainder(100, &[(3, 1), (1, 1), (2, 1)]),
            Some(vec![33, 34, 33])
        );
        // 10 fen over 1, 2, 3 (Σ 6): 10/6=1 r4, 20/6=3 r2, 30/6=5 r0 → floors 9, the fen left
        // to the largest remainder (id 1) → 2, 3, 5.
        assert_eq!(
            largest_remainder(10, &[(1, 1), (2, 2), (3, 3)]),
            Some(vec![2, 3, 5])
        );
        assert_eq!(largest_remainder(0, &[(1, 0)]), Some(vec![0]));
        assert_eq!(largest_remainder(5, &[(1, 0), (2, 0)]), None);
        assert_eq!(largest_remainder(5, &[]), None);
    }

    #[test]
    fn allocations_always_sum_exactly() {
        let weights: Vec<(i64, i64)> = (1..=37).map(|i| (i, (i * 7919) % 1013 + 1)).collect();
        for amount in [0, 1, 36, 37, 999_999, 10_000_000_000_000] {
            let a = largest_remainder(amount, &weights).unwrap();
            assert_eq!(a.iter().sum::<i64>(), amount);
        }
        // Huge weights and amounts do not overflow in i128.
        let big = largest_remainder(10_000_000_000_000, &[(1, i64::MAX / 2), (2, i64::MAX / 2)]);
        assert_eq!(big.unwrap().iter().sum::<i64>(), 10_000_000_000_000);
    }

    #[test]
    fn allocate_to_traders_and_holders() {
        let split = Split {
            distributable_fen: 100,
            by_transactions_fen: 60,
            by_shares_fen: 40,
        };
        // Member 1 traded 1 and holds 1; member 2 traded 2 and holds 0; member 3 (exited
        // before the year end) traded 3 and is not on the ledger for shares.
        let parts = allocate(&split, 12, &[(1, 1), (2, 2), (3, 3)], &[(1, 1), (2, 0)]).unwrap();
        // 60 by 1:2:3 → 10, 20, 30; 40 by 1:0:0 → 40, 0, 0; reserve 12 by 1:2:3 → 2, 4, 6.
        let got: Vec<_> = parts
            .iter()
            .map(|p| {
                (
                    p.member_id,
                    p.by_transactions_fen,
                    p.by_shares_fen,
                    p.reserve_share_fen,
                )
            })
            .collect();
        assert_eq!(got, [(1, 10, 40, 2), (2, 20, 0, 4), (3, 30, 0, 6)]);
        assert_eq!(
            allocate(&split, 0, &[], &[(1, 5)]),
            Err(NoWeights::Transactions)
        );
        assert_eq!(allocate(&split, 0, &[(1, 5)], &[]), Err(NoWeights::Shares));
        // No one traded: the reserve is quantified by shares.
        let none = Split {
            distributable_fen: 0,
            by_transactions_fen: 0,
            by_shares_fen: 0,
        };
        let r = allocate(&none, 9, &[], &[(1, 1), (2, 2)]).unwrap();
        assert_eq!((r[0].reserve_share_fen, r[1].reserve_share_fen), (3, 6));
        assert_eq!(allocate(&none, 9, &[], &[]), Err(NoWeights::Reserve));
    }
}
