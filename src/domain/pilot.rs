//! The pilot's calendar (2021-07 → 2023-07) and its targets (MISSION.md).

use chrono::NaiveDate;
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
}
