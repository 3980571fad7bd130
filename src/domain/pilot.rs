//! The pilot's calendar (2021-07 → 2023-07) and its targets (MISSION.md).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::cooperative::text_enum;

text_enum! {
    /// Where the pilot stands on a date.
    Phase {
        /// Before the pilot.
        NotStarted => "not_started",
        /// 准备阶段 (2021-07).
        Preparation => "preparation",
        /// 全面推进阶段 (2021-08 → 2023-05).
        RollOut => "roll_out",
        /// 总结验收阶段 (2023-06 → 2023-07).
        SummaryAcceptance => "summary_acceptance",
        /// After acceptance: the system keeps running as the registry.
        Completed => "completed",
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("a calendar date")
}

/// A phase with its dates.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct PhaseOn {
    pub phase: Phase,
    /// The phase's first day (`null` before the pilot).
    pub starts_on: Option<NaiveDate>,
    /// The phase's last day (`null` after the pilot).
    pub ends_on: Option<NaiveDate>,
}

/// The plan's phases.
pub fn phase(on: NaiveDate) -> PhaseOn {
    let table = [
        (Phase::Preparation, d(2021, 7, 1), d(2021, 7, 31)),
        (Phase::RollOut, d(2021, 8, 1), d(2023, 5, 31)),
        (Phase::SummaryAcceptance, d(2023, 6, 1), d(2023, 7, 31)),
    ];
    if on < table[0].1 {
        return PhaseOn {
            phase: Phase::NotStarted,
            starts_on: None,
            ends_on: Some(table[0].1.pred_opt().expect("date")),
        };
    }
    for (phase, from, to) in table {
        if on >= from && on <= to {
            return PhaseOn {
                phase,
                starts_on: Some(from),
                ends_on: Some(to),
            };
        }
    }
    PhaseOn {
        phase: Phase::Completed,
        starts_on: Some(d(2023, 8, 1)),
        ends_on: None,
    }
}

/// The years the plan sets a yearly demonstration quota for.
pub const QUOTA_YEARS: [i32; 3] = [2021, 2022, 2023];

/// The status of a demonstration application that counts as a new title.
pub const TITLE_APPROVED: &str = "approved";

/// How a cooperative without a tier is counted in the registry figures.
pub const UNASSESSED: &str = "unassessed";

/// The years of the demonstration quota shown on `on`: the plan's years, and on to the
/// year of `on` after them.
pub fn quota_years(on: NaiveDate) -> RangeInclusive<i32> {
    // Never past the last accepted year: the answer's size does not follow the caller's date.
    let last = on.year().min(super::calendar::MAX_YEAR);
    QUOTA_YEARS[0]..=QUOTA_YEARS[QUOTA_YEARS.len() - 1].max(last)
}

/// The annual reports due on `on` are those of the year before.
pub fn report_year(on: NaiveDate) -> i32 {
    on.year() - 1
}

/// The plan's publication target: every expected report published.
pub const PUBLICATION_TARGET_RATE: f64 = 1.0;

/// Published over expected; with nothing expected, the target is met (1).
pub fn publication_rate(expected: i64, published: i64) -> f64 {
    if expected == 0 {
        1.0
    } else {
        published as f64 / expected as f64
    }
}

/// Household participation: member households over the district's rural households (a
/// fraction, like the publication rate); `None` without a total (or a total of zero).
pub fn participation_rate(households: i64, rural_households: Option<i64>) -> Option<f64> {
    rural_households
        .filter(|t| *t > 0)
        .map(|t| households as f64 / t as f64)
}

/// A service order's status at an instant, from the times of its steps: the last step taken
/// before `end` (cancelled and completed are final).
pub fn order_status_before(
    end: chrono::NaiveDateTime,
    accepted_at: Option<chrono::NaiveDateTime>,
    started_at: Option<chrono::NaiveDateTime>,
    completed_at: Option<chrono::NaiveDateTime>,
    cancelled_at: Option<chrono::NaiveDateTime>,
) -> super::service_order::OrderStatus {
    use super::service_order::OrderStatus::*;
    let before = |t: Option<chrono::NaiveDateTime>| t.is_some_and(|t| t < end);
    if before(cancelled_at) {
        Cancelled
    } else if before(completed_at) {
        Completed
    } else if before(started_at) {
        InProgress
    } else if before(accepted_at) {
        Accepted
    } else {
        Submitted
    }
}

/// A loan whose approved amount counts (approved, and everything after approval).
pub fn approved_or_later(s: super::loan_state::LoanStatus) -> bool {
    use super::loan_state::LoanStatus::*;
    matches!(
        s,
        Approved | Disbursed | Overdue | Defaulted | Compensated | Settled
    )
}

/// The mean of the ratings to two decimals, `None` without any.
pub fn mean_rating(scores: &[i32]) -> Option<f64> {
    (!scores.is_empty()).then(|| {
        let mean = scores.iter().map(|s| f64::from(*s)).sum::<f64>() / scores.len() as f64;
        (mean * 100.0).round() / 100.0
    })
}

/// Counts per value, in value order.
pub fn tally<K: Ord>(values: impl IntoIterator<Item = K>) -> BTreeMap<K, i64> {
    let mut m = BTreeMap::new();
    for v in values {
        *m.entry(v).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_at_their_edges() {
        assert_eq!(phase(d(2021, 6, 30)).phase, Phase::NotStarted);
        assert_eq!(phase(d(2021, 7, 1)).phase, Phase::Preparation);
        assert_eq!(phase(d(2021, 7, 31)).phase, Phase::Preparation);
        assert_eq!(phase(d(2021, 8, 1)).phase, Phase::RollOut);
        assert_eq!(phase(d(2023, 5, 31)).phase, Phase::RollOut);
        assert_eq!(phase(d(2023, 6, 1)).phase, Phase::SummaryAcceptance);
        assert_eq!(phase(d(2023, 7, 31)).phase, Phase::SummaryAcceptance);
        assert_eq!(phase(d(2023, 8, 1)).phase, Phase::Completed);
        assert_eq!(phase(d(2022, 1, 1)).ends_on, Some(d(2023, 5, 31)));
    }

    #[test]
    fn quota_years_reach_the_year_reported_on() {
        assert_eq!(quota_years(d(2022, 3, 1)), 2021..=2023);
        assert_eq!(quota_years(d(2026, 1, 1)), 2021..=2026);
        assert_eq!(report_year(d(2026, 1, 1)), 2025);
        assert_eq!(quota_years(NaiveDate::MAX), 2021..=2100);
    }

    #[test]
    fn rates_and_means() {
        assert_eq!(publication_rate(0, 0), 1.0);
        assert_eq!(publication_rate(3, 2), 2.0 / 3.0);
        assert_eq!(publication_rate(4, 4), PUBLICATION_TARGET_RATE);
        assert_eq!(mean_rating(&[]), None);
        assert_eq!(mean_rating(&[4]), Some(4.0));
        assert_eq!(mean_rating(&[5, 4, 4]), Some(4.33));
    }

    #[test]
    fn participation_and_past_statuses() {
        assert_eq!(participation_rate(58, Some(100)), Some(0.58));
        assert_eq!(participation_rate(5, None), None);
        assert_eq!(participation_rate(5, Some(0)), None);
        let t = |h: u32| NaiveDate::from_ymd_opt(2024, 3, 1).and_then(|d| d.and_hms_opt(h, 0, 0));
        use crate::domain::service_order::OrderStatus;
        let end = t(12).unwrap();
        assert_eq!(
            order_status_before(end, t(9), t(10), t(13), None),
            OrderStatus::InProgress
        );
        assert_eq!(
            order_status_before(end, t(9), None, None, t(11)),
            OrderStatus::Cancelled
        );
        assert_eq!(
            order_status_before(end, t(13), None, None, None),
            OrderStatus::Submitted
        );
        assert_eq!(
            order_status_before(end, t(9), t(10), t(11), None),
            OrderStatus::Completed
        );
        use crate::domain::loan_state::LoanStatus;
        assert!(approved_or_later(LoanStatus::Settled));
        assert!(!approved_or_later(LoanStatus::UnderReview));
    }

    #[test]
    fn tally_counts_in_order() {
        let t = tally(["b", "a", "b"]);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), vec![("a", 1), ("b", 2)]);
    }
}
