//! Demonstration cooperatives (示范社): eligibility gates and the score (RULES.md).

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::annual_report::{deadline, ReportStatus};
use super::cooperative::{text_enum, DemonstrationLevel};

mod score;

pub use score::{score, score_inputs, Factor, PublishedFigures, ScoreInputs, ScorePart, WEIGHTS};

/// Years of operation required.
pub const MIN_YEARS_OPERATING: i32 = 2;
/// Titles are monitored every two years.
pub const MONITORING_INTERVAL_YEARS: i32 = 2;
/// The plan's yearly quota of new demonstration cooperatives (≥ 7 a year).
pub const YEARLY_QUOTA: i64 = 7;
/// The first rating year of the system.
pub const FIRST_RATING_YEAR: i32 = 2021;
/// Counselor guidance counts for the score over this many days before the application.
pub const COUNSELOR_WINDOW_DAYS: u64 = 730;

text_enum! {
    /// Where an application stands.
    ApplicationStatus {
        /// A gate failed; kept with its reasons.
        Ineligible => "ineligible",
        /// Eligible, waiting for the district's decision.
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

text_enum! {
    MonitoringResult {
        Pass => "pass",
        /// Revokes the title.
        Fail => "fail",
    }
}

/// The statuses that block another application for the same cooperative, level and year.
pub const OPEN_APPLICATION: [ApplicationStatus; 2] =
    [ApplicationStatus::Pending, ApplicationStatus::Approved];

/// A rating (or monitoring) year: from [`FIRST_RATING_YEAR`] to this year.
pub fn rating_year_ok(year: i32, today: NaiveDate) -> bool {
    (FIRST_RATING_YEAR..=today.year()).contains(&year)
}

/// Every gate passed.
pub fn eligible(gates: &[Gate]) -> bool {
    gates.iter().all(|g| g.passed)
}

/// An eligible application waits for the district; an ineligible one is kept as such.
pub fn initial_status(eligible: bool) -> ApplicationStatus {
    if eligible {
        ApplicationStatus::Pending
    } else {
        ApplicationStatus::Ineligible
    }
}

/// The status a decision leads to; only a pending application can be decided.
pub fn decision(status: ApplicationStatus, approve: bool) -> Option<ApplicationStatus> {
    match (status, approve) {
        (ApplicationStatus::Pending, true) => Some(ApplicationStatus::Approved),
        (ApplicationStatus::Pending, false) => Some(ApplicationStatus::Rejected),
        _ => None,
    }
}

/// A failed monitoring revokes the title.
pub fn revokes(result: MonitoringResult) -> bool {
    result == MonitoringResult::Fail
}

/// A title is due for monitoring when its last monitoring (or, failing that, approval) was
/// [`MONITORING_INTERVAL_YEARS`] or more years ago, or is not recorded.
pub fn monitoring_due(
    last_monitored: Option<i32>,
    approved_year: Option<i32>,
    this_year: i32,
) -> bool {
    last_monitored
        .or(approved_year)
        .is_none_or(|y| this_year - y >= MONITORING_INTERVAL_YEARS)
}

/// The first day whose counselor visits count for the score.
pub fn counselor_window_start(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_days(Days::new(COUNSELOR_WINDOW_DAYS))
        .unwrap_or(today)
}

/// The latest due report as the gates see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueReport {
    pub year: i32,
    pub status: ReportStatus,
    pub late: bool,
}

/// The rank of a level: district < municipal < national.
pub fn rank(level: DemonstrationLevel) -> u8 {
    match level {
        DemonstrationLevel::District => 1,
        DemonstrationLevel::Municipal => 2,
        DemonstrationLevel::National => 3,
    }
}

/// The title one level below, required before applying (none for district).
pub fn prerequisite(level: DemonstrationLevel) -> Option<DemonstrationLevel> {
    match level {
        DemonstrationLevel::District => None,
        DemonstrationLevel::Municipal => Some(DemonstrationLevel::District),
        DemonstrationLevel::National => Some(DemonstrationLevel::Municipal),
    }
}

/// The higher of two titles.
pub fn highest(a: Option<DemonstrationLevel>, b: DemonstrationLevel) -> DemonstrationLevel {
    match a {
        Some(a) if rank(a) > rank(b) => a,
        _ => b,
    }
}

/// The facts the gates look at.
#[derive(Debug, Clone)]
pub struct GateFacts {
    pub established_on: NaiveDate,
    pub charter_adopted: bool,
    pub member_assembly: bool,
    pub board: bool,
    pub supervisors: bool,
    /// The report of the latest year that is due, if any.
    pub last_due_report: Option<DueReport>,
    pub abnormal: bool,
    pub current_level: Option<DemonstrationLevel>,
    pub today: NaiveDate,
}

/// One gate's result.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"gate": "operating_two_years", "passed": true, "reason": "established on 2015-03-18"}))]
pub struct Gate {
    /// `operating_two_years`, `charter`, `bodies`, `annual_report_on_time`, `not_abnormal` or `level_prerequisite`.
    pub gate: String,
    pub passed: bool,
    pub reason: String,
}

fn gate(name: &str, passed: bool, reason: String) -> Gate {
    Gate {
        gate: name.into(),
        passed,
        reason,
    }
}

/// The year whose report is the latest one due on `today`.
pub fn last_due_year(today: NaiveDate) -> i32 {
    let last = today.year() - 1;
    if today > deadline(last) {
        last
    } else {
        last - 1
    }
}

pub fn gates(level: DemonstrationLevel, f: &GateFacts) -> Vec<Gate> {
    let two_years_ago = f
        .today
        .with_year(f.today.year() - MIN_YEARS_OPERATING)
        .unwrap_or(f.today - chrono::Days::new(730));
    let due = last_due_year(f.today);
    let report = match f.last_due_report {
        Some(DueReport {
            year,
            status: ReportStatus::Published,
            late: false,
        }) if year == due => gate(
            "annual_report_on_time",
            true,
            format!("the {due} report was filed on time and published"),
        ),
        Some(DueReport {
            year,
            status: ReportStatus::Published,
            late: true,
        }) if year == due => gate(
            "annual_report_on_time",
            false,
            format!("the {due} report was filed late"),
        ),
        Some(DueReport { year, status, .. }) if year == due => gate(
            "annual_report_on_time",
            false,
            format!("the {due} report is {status}, not published"),
        ),
        _ => gate(
            "annual_report_on_time",
            false,
            format!("no report for {due}"),
        ),
    };
    let prerequisite = match prerequisite(level) {
        None => gate(
            "level_prerequisite",
            true,
            "no prerequisite for a district title".into(),
        ),
        Some(needed) => {
            let held = f.current_level.is_some_and(|l| rank(l) >= rank(needed));
            gate(
                "level_prerequisite",
                held,
                if held {
                    format!("holds a {needed} title or higher")
                } else {
                    format!("a {level} title needs a {needed} title first")
                },
            )
        }
    };
    vec![
        gate(
            "operating_two_years",
            f.established_on <= two_years_ago,
            format!(
                "established on {}; at least {MIN_YEARS_OPERATING} years of operation are required",
                f.established_on
            ),
        ),
        gate(
            "charter",
            f.charter_adopted,
            if f.charter_adopted {
                "charter adopted".into()
            } else {
                "no charter adopted".into()
            },
        ),
        gate(
            "bodies",
            f.member_assembly && f.board && f.supervisors,
            format!(
                "member assembly {}, board {}, supervisors {}",
                if f.member_assembly {
                    "constituted"
                } else {
                    "missing"
                },
                if f.board { "in place" } else { "missing" },
                if f.supervisors { "in place" } else { "missing" }
            ),
        ),
        report,
        gate(
            "not_abnormal",
            !f.abnormal,
            if f.abnormal {
                "on the abnormal-operation list".into()
            } else {
                "not on the abnormal-operation list".into()
            },
        ),
        prerequisite,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn good() -> GateFacts {
        GateFacts {
            established_on: day(2015, 3, 1),
            charter_adopted: true,
            member_assembly: true,
            board: true,
            supervisors: true,
            last_due_report: Some(DueReport {
                year: 2025,
                status: ReportStatus::Published,
                late: false,
            }),
            abnormal: false,
            current_level: None,
            today: day(2026, 11, 27),
        }
    }

    fn failing(level: DemonstrationLevel, f: &GateFacts) -> Vec<String> {
        gates(level, f)
            .into_iter()
            .filter(|g| !g.passed)
            .map(|g| g.gate)
            .collect()
    }

    #[test]
    fn all_gates_pass_for_a_good_district_applicant() {
        assert!(failing(DemonstrationLevel::District, &good()).is_empty());
    }

    #[test]
    fn each_gate_fails_alone() {
        let d = DemonstrationLevel::District;
        let mut f = good();
        f.established_on = day(2025, 1, 1);
        assert_eq!(failing(d, &f), ["operating_two_years"]);
        let mut f = good();
        f.charter_adopted = false;
        assert_eq!(failing(d, &f), ["charter"]);
        let mut f = good();
        f.supervisors = false;
        assert_eq!(failing(d, &f), ["bodies"]);
        let mut f = good();
        f.last_due_report = Some(DueReport {
            year: 2025,
            status: ReportStatus::Published,
            late: true,
        });
        assert_eq!(failing(d, &f), ["annual_report_on_time"]);
        let mut f = good();
        f.last_due_report = None;
        assert_eq!(failing(d, &f), ["annual_report_on_time"]);
        let mut f = good();
        f.abnormal = true;
        assert_eq!(failing(d, &f), ["not_abnormal"]);
    }

    #[test]
    fn level_order() {
        let f = good();
        assert_eq!(
            failing(DemonstrationLevel::Municipal, &f),
            ["level_prerequisite"]
        );
        let mut f = good();
        f.current_level = Some(DemonstrationLevel::District);
        assert!(failing(DemonstrationLevel::Municipal, &f).is_empty());
        assert_eq!(
            failing(DemonstrationLevel::National, &f),
            ["level_prerequisite"]
        );
        f.current_level = Some(DemonstrationLevel::Municipal);
        assert!(failing(DemonstrationLevel::National, &f).is_empty());
    }

    #[test]
    fn two_years_boundary_and_due_year() {
        let mut f = good();
        f.established_on = day(2024, 11, 27);
        assert!(failing(DemonstrationLevel::District, &f).is_empty());
        f.established_on = day(2024, 11, 28);
        assert_eq!(
            failing(DemonstrationLevel::District, &f),
            ["operating_two_years"]
        );
        assert_eq!(last_due_year(day(2026, 6, 30)), 2024);
        assert_eq!(last_due_year(day(2026, 7, 1)), 2025);
    }

    #[test]
    fn a_report_of_another_year_or_unpublished_fails_the_report_gate() {
        let d = DemonstrationLevel::District;
        let mut f = good();
        f.last_due_report = Some(DueReport {
            year: 2024,
            status: ReportStatus::Published,
            late: false,
        });
        assert_eq!(failing(d, &f), ["annual_report_on_time"]);
        f.last_due_report = Some(DueReport {
            year: 2025,
            status: ReportStatus::Submitted,
            late: false,
        });
        assert_eq!(failing(d, &f), ["annual_report_on_time"]);
    }

    #[test]
    fn eligibility_and_decisions() {
        let f = good();
        let passed = gates(DemonstrationLevel::District, &f);
        assert!(eligible(&passed));
        assert_eq!(initial_status(true), ApplicationStatus::Pending);
        let failed = gates(DemonstrationLevel::National, &f);
        assert!(!eligible(&failed));
        assert_eq!(initial_status(false), ApplicationStatus::Ineligible);
        use ApplicationStatus::*;
        assert_eq!(decision(Pending, true), Some(Approved));
        assert_eq!(decision(Pending, false), Some(Rejected));
        for s in [Ineligible, Approved, Rejected] {
            assert_eq!(decision(s, true), None);
            assert_eq!(decision(s, false), None);
        }
        assert!(OPEN_APPLICATION.contains(&Pending) && OPEN_APPLICATION.contains(&Approved));
        assert!(!OPEN_APPLICATION.contains(&Ineligible) && !OPEN_APPLICATION.contains(&Rejected));
    }

    #[test]
    fn rating_years_and_monitoring() {
        let today = day(2026, 11, 27);
        assert!(!rating_year_ok(2020, today));
        assert!(rating_year_ok(2021, today));
        assert!(rating_year_ok(2026, today));
        assert!(!rating_year_ok(2027, today));
        assert!(revokes(MonitoringResult::Fail));
        assert!(!revokes(MonitoringResult::Pass));
        assert!(monitoring_due(None, None, 2026));
        assert!(!monitoring_due(None, Some(2025), 2026));
        assert!(monitoring_due(None, Some(2024), 2026));
        assert!(
            !monitoring_due(Some(2026), Some(2020), 2026),
            "monitoring first"
        );
        assert!(monitoring_due(Some(2024), Some(2026), 2026));
        assert_eq!(counselor_window_start(today), day(2024, 11, 27));
    }

    #[test]
    fn highest_title_is_kept() {
        assert_eq!(
            highest(
                Some(DemonstrationLevel::National),
                DemonstrationLevel::District
            ),
            DemonstrationLevel::National
        );
        assert_eq!(
            highest(
                Some(DemonstrationLevel::District),
                DemonstrationLevel::Municipal
            ),
            DemonstrationLevel::Municipal
        );
        assert_eq!(
            highest(None, DemonstrationLevel::District),
            DemonstrationLevel::District
        );
    }
}
