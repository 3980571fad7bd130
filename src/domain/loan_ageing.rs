//! Ageing of a loan (RULES.md "Loan servicing"): days past due and the five-category
//! classification (五级分类) that follows from them.
//!
//! - Days past due on day `on` = days since the due date of the oldest instalment not fully
//!   paid by then (0 when none is late; 1 on the day after the due date).
//! - Classification: 0 → `normal`; 1–90 → `special_mention`; 91–180 → `substandard`;
//!   181–360 → `doubtful`; more than 360 → `loss`.
//! - A loan may be declared in default only from `min_dpd` days past due (default 90,
//!   `COOPHUB_DEFAULT_MIN_DPD`).

use chrono::NaiveDate;

use crate::domain::cooperative::text_enum;
use crate::domain::loan_schedule::{allocate, Instalment};

text_enum! {
    /// The five-category loan classification (贷款五级分类).
    LoanClassification {
        /// 正常: nothing past due.
        Normal => "normal",
        /// 关注: 1–90 days past due.
        SpecialMention => "special_mention",
        /// 次级: 91–180 days past due.
        Substandard => "substandard",
        /// 可疑: 181–360 days past due.
        Doubtful => "doubtful",
        /// 损失: more than 360 days past due.
        Loss => "loss",
    }
}

/// The upper bound (inclusive) of days past due of each class but the last, in order.
pub const CLASS_THRESHOLDS: [(i64, LoanClassification); 4] = [
    (0, LoanClassification::Normal),
    (90, LoanClassification::SpecialMention),
    (180, LoanClassification::Substandard),
    (360, LoanClassification::Doubtful),
];

/// The default of `COOPHUB_DEFAULT_MIN_DPD`.
pub const DEFAULT_MIN_DPD: i64 = 90;

/// The class of a loan `dpd` days past due.
pub fn classify(dpd: i64) -> LoanClassification {
    CLASS_THRESHOLDS
        .iter()
        .find(|(max, _)| dpd <= *max)
        .map(|(_, c)| *c)
        .unwrap_or(LoanClassification::Loss)
}

/// Days past due on `on` of a schedule of which `paid_fen` (principal and interest, applied
/// in order) has been paid.
pub fn days_past_due(schedule: &[Instalment], paid_fen: i64, on: NaiveDate) -> i64 {
    schedule
        .iter()
        .zip(allocate(schedule, paid_fen))
        .find(|(i, p)| p.principal_fen + p.interest_fen < i.principal_fen + i.interest_fen)
        .map(|(i, _)| (on - i.due_on).num_days().max(0))
        .unwrap_or(0)
}

/// Why a loan may not be declared in default yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the loan is {dpd} days past due; it may be declared in default from {min_dpd} days")]
pub struct TooEarlyToDefault {
    pub dpd: i64,
    pub min_dpd: i64,
}

/// A default needs at least `min_dpd` days past due.
pub fn check_default(dpd: i64, min_dpd: i64) -> Result<(), TooEarlyToDefault> {
    if dpd >= min_dpd {
        Ok(())
    } else {
        Err(TooEarlyToDefault { dpd, min_dpd })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::loan_schedule::{schedule, RepaymentMethod};
    use LoanClassification::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn classes_at_their_edges() {
        for (dpd, class) in [
            (0, Normal),
            (1, SpecialMention),
            (90, SpecialMention),
            (91, Substandard),
            (180, Substandard),
            (181, Doubtful),
            (360, Doubtful),
            (361, Loss),
            (10_000, Loss),
        ] {
            assert_eq!(classify(dpd), class, "{dpd} days");
        }
    }

    #[test]
    fn days_past_due_count_from_the_oldest_unpaid_instalment() {
        // Bullet, 600,000 fen at 6 % over 2 months from 2026-01-15: instalment 1 is 3,000
        // interest due 2026-02-15, instalment 2 is 603,000 due 2026-03-15.
        let s = schedule(RepaymentMethod::Bullet, 600_000, 600, 2, d(2026, 1, 15));
        assert_eq!(
            days_past_due(&s, 0, d(2026, 2, 15)),
            0,
            "due today is not late"
        );
        assert_eq!(days_past_due(&s, 0, d(2026, 2, 16)), 1);
        // 2026-02-15 + 90 days = 2026-05-16.
        assert_eq!(days_past_due(&s, 0, d(2026, 5, 16)), 90);
        assert_eq!(days_past_due(&s, 0, d(2026, 5, 17)), 91);
        // 2,999 of 3,000 paid: instalment 1 is still open.
        assert_eq!(days_past_due(&s, 2_999, d(2026, 3, 1)), 14);
        // Instalment 1 paid: the clock runs from instalment 2 (2026-03-15).
        assert_eq!(days_past_due(&s, 3_000, d(2026, 3, 1)), 0);
        assert_eq!(days_past_due(&s, 3_000, d(2026, 3, 16)), 1);
        // Everything paid: never late.
        assert_eq!(days_past_due(&s, 606_000, d(2030, 1, 1)), 0);
    }

    #[test]
    fn default_needs_the_minimum_days_past_due() {
        assert!(check_default(90, 90).is_ok());
        let e = check_default(89, 90).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the loan is 89 days past due; it may be declared in default from 90 days"
        );
        assert!(check_default(0, 0).is_ok());
    }
}
