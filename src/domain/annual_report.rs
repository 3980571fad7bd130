//! Annual reports (年度报告): filing window, lateness and the draft → submitted → published
//! state machine.

use chrono::{Datelike, NaiveDate};

use super::cooperative::text_enum;

text_enum! {
    /// Where a report stands.
    ReportStatus {
        Draft => "draft",
        Submitted => "submitted",
        Published => "published",
    }
}

/// Reports for year Y are due by 30 June of Y+1.
pub fn deadline(year: i32) -> NaiveDate {
    super::calendar::ymd_saturating(year.saturating_add(1), 6, 30)
}

/// The first day a report for `year` can be filed.
pub fn filing_opens(year: i32) -> NaiveDate {
    super::calendar::ymd_saturating(year.saturating_add(1), 1, 1)
}

/// A year can be reported once it has ended.
pub fn year_has_ended(year: i32, today: NaiveDate) -> bool {
    year < today.year()
}

pub fn is_late(year: i32, submitted_on: NaiveDate) -> bool {
    submitted_on > deadline(year)
}

/// A step of a report's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStep {
    /// Change the draft's figures.
    Edit,
    Submit,
    Publish,
}

impl ReportStep {
    /// The step's name in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStep::Edit => "edit",
            ReportStep::Submit => "submit",
            ReportStep::Publish => "publish",
        }
    }

    /// The past participle for "a … report cannot be …".
    pub fn done(self) -> &'static str {
        match self {
            ReportStep::Edit => "changed",
            ReportStep::Submit => "submitted",
            ReportStep::Publish => "published",
        }
    }
}

/// The next status for a step, or `None` when the step is illegal.
pub fn next(status: ReportStatus, step: ReportStep) -> Option<ReportStatus> {
    match (status, step) {
        (ReportStatus::Draft, ReportStep::Edit) => Some(ReportStatus::Draft),
        (ReportStatus::Draft, ReportStep::Submit) => Some(ReportStatus::Submitted),
        (ReportStatus::Submitted, ReportStep::Publish) => Some(ReportStatus::Published),
        _ => None,
    }
}

/// Why a report cannot be drafted for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearError {
    /// The year has not ended on `today`.
    NotEnded,
    /// The cooperative did not exist yet in that year.
    BeforeEstablishment,
}

/// A report is drafted for a year that has ended and in which the cooperative existed.
pub fn check_year(year: i32, established_on: NaiveDate, today: NaiveDate) -> Result<(), YearError> {
    if !year_has_ended(year, today) {
        Err(YearError::NotEnded)
    } else if year < established_on.year() {
        Err(YearError::BeforeEstablishment)
    } else {
        Ok(())
    }
}

/// Why a filing date (of a submission or a publication) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// After today.
    Future,
    /// Before today, given by someone who is not an official (403).
    PastNotOfficial,
    /// A submission before the filing window of its year opened.
    BeforeFilingOpens,
    /// A publication before the report's submission.
    BeforeSubmission,
}

/// The date of a filing step: `given` or today; not in the future, and a past date only from
/// an `official` (the district or a town officer, who record filings made on the national
/// publicity system).
pub fn filing_date(
    given: Option<NaiveDate>,
    today: NaiveDate,
    official: bool,
) -> Result<NaiveDate, DateError> {
    let date = given.unwrap_or(today);
    if date > today {
        Err(DateError::Future)
    } else if date < today && !official {
        Err(DateError::PastNotOfficial)
    } else {
        Ok(date)
    }
}

/// A report for `year` is submitted once its filing window has opened.
pub fn check_submitted_on(year: i32, on: NaiveDate) -> Result<(), DateError> {
    if on < filing_opens(year) {
        Err(DateError::BeforeFilingOpens)
    } else {
        Ok(())
    }
}

/// A report is published on or after the day it was submitted.
pub fn check_published_on(submitted_on: Option<NaiveDate>, on: NaiveDate) -> Result<(), DateError> {
    if submitted_on.is_some_and(|s| on < s) {
        Err(DateError::BeforeSubmission)
    } else {
        Ok(())
    }
}

/// Who may publish a report: only officials (the district or a town officer); a cooperative
/// never publishes its own.
pub fn may_publish(official: bool) -> bool {
    official
}

/// The share of the expected cooperatives that published (1.0 when none are expected).
pub fn publication_rate(expected: i64, published: i64) -> f64 {
    if expected == 0 {
        1.0
    } else {
        published as f64 / expected as f64
    }
}

/// The figures of a report, checked together.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub member_count: i32,
    pub farmer_member_count: i32,
    pub total_assets_fen: i64,
    pub total_liabilities_fen: i64,
    pub operating_revenue_fen: i64,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
    pub member_income_fen: Option<i64>,
}

/// A figure at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

fn fault(field: &'static str, code: &'static str, message: impl Into<String>) -> FigureError {
    FigureError {
        field,
        code,
        message: message.into(),
    }
}

/// Every figure at fault.
pub fn check_figures(f: &Figures) -> Vec<FigureError> {
    let mut errs = Vec::new();
    let money = [
        ("total_assets_fen", f.total_assets_fen),
        ("total_liabilities_fen", f.total_liabilities_fen),
        ("operating_revenue_fen", f.operating_revenue_fen),
        ("surplus_fen", f.surplus_fen),
        (
            "surplus_returned_by_transactions_fen",
            f.surplus_returned_by_transactions_fen,
        ),
        ("member_income_fen", f.member_income_fen.unwrap_or(0)),
    ];
    for (field, v) in money {
        if v < 0 {
            errs.push(fault(field, "negative", "must not be negative"));
        }
    }
    if f.member_count < 0 {
        errs.push(fault("member_count", "negative", "must not be negative"));
    }
    if f.farmer_member_count < 0 {
        errs.push(fault(
            "farmer_member_count",
            "negative",
            "must not be negative",
        ));
    } else if f.farmer_member_count > f.member_count {
        errs.push(fault(
            "farmer_member_count",
            "exceeds_members",
            format!(
                "{} farmer members is more than the {} members",
                f.farmer_member_count, f.member_count
            ),
        ));
    }
    if f.surplus_returned_by_transactions_fen > f.surplus_fen && f.surplus_fen >= 0 {
        errs.push(fault(
            "surplus_returned_by_transactions_fen",
            "exceeds_surplus",
            "the surplus returned cannot exceed the surplus",
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn deadline_is_30_june_of_the_next_year() {
        assert_eq!(deadline(2022), d(2023, 6, 30));
        assert!(!is_late(2022, d(2023, 6, 30)));
        assert!(is_late(2022, d(2023, 7, 1)));
        assert!(!is_late(2022, d(2023, 1, 1)));
    }

    #[test]
    fn a_year_must_have_ended() {
        assert!(!year_has_ended(2026, d(2026, 12, 31)));
        assert!(year_has_ended(2025, d(2026, 1, 1)));
    }

    #[test]
    fn state_machine() {
        use ReportStatus::*;
        use ReportStep::*;
        assert_eq!(next(Draft, Edit), Some(Draft));
        assert_eq!(next(Draft, Submit), Some(Submitted));
        assert_eq!(next(Submitted, Publish), Some(Published));
        assert_eq!(next(Draft, Publish), None);
        assert_eq!(next(Submitted, Submit), None);
        assert_eq!(next(Submitted, Edit), None);
        assert_eq!(next(Published, Edit), None);
        assert_eq!(next(Published, Publish), None);
    }

    #[test]
    fn publication_rates() {
        assert_eq!(publication_rate(0, 0), 1.0);
        assert_eq!(publication_rate(4, 3), 0.75);
        assert_eq!(publication_rate(2, 2), 1.0);
    }

    #[test]
    fn a_report_year_has_ended_and_the_cooperative_existed() {
        let today = d(2026, 11, 27);
        assert_eq!(check_year(2025, d(2015, 3, 1), today), Ok(()));
        assert_eq!(check_year(2025, d(2025, 12, 31), today), Ok(()));
        assert_eq!(
            check_year(2026, d(2015, 3, 1), today),
            Err(YearError::NotEnded)
        );
        assert_eq!(
            check_year(2024, d(2025, 1, 1), today),
            Err(YearError::BeforeEstablishment)
        );
    }

    #[test]
    fn filing_dates() {
        let today = d(2026, 4, 15);
        assert_eq!(filing_date(None, today, false), Ok(today));
        assert_eq!(
            filing_date(Some(d(2026, 4, 16)), today, true),
            Err(DateError::Future)
        );
        assert_eq!(
            filing_date(Some(d(2026, 4, 14)), today, false),
            Err(DateError::PastNotOfficial)
        );
        assert_eq!(
            filing_date(Some(d(2026, 4, 14)), today, true),
            Ok(d(2026, 4, 14))
        );
        assert_eq!(check_submitted_on(2025, d(2026, 1, 1)), Ok(()));
        assert_eq!(
            check_submitted_on(2025, d(2025, 12, 31)),
            Err(DateError::BeforeFilingOpens)
        );
        assert_eq!(check_published_on(None, d(2026, 1, 1)), Ok(()));
        assert_eq!(
            check_published_on(Some(d(2026, 3, 1)), d(2026, 3, 1)),
            Ok(())
        );
        assert_eq!(
            check_published_on(Some(d(2026, 3, 2)), d(2026, 3, 1)),
            Err(DateError::BeforeSubmission)
        );
        assert!(may_publish(true));
        assert!(!may_publish(false));
    }

    fn figures() -> Figures {
        Figures {
            member_count: 10,
            farmer_member_count: 9,
            total_assets_fen: 1,
            total_liabilities_fen: 0,
            operating_revenue_fen: 5,
            surplus_fen: 100,
            surplus_returned_by_transactions_fen: 60,
            member_income_fen: None,
        }
    }

    #[test]
    fn figures_rules() {
        assert!(check_figures(&figures()).is_empty());
        let mut f = figures();
        f.farmer_member_count = 11;
        assert_eq!(check_figures(&f)[0].field, "farmer_member_count");
        let mut f = figures();
        f.surplus_returned_by_transactions_fen = 101;
        assert_eq!(
            check_figures(&f)[0].field,
            "surplus_returned_by_transactions_fen"
        );
        let mut f = figures();
        f.total_assets_fen = -1;
        assert_eq!(check_figures(&f)[0].field, "total_assets_fen");
    }
}
