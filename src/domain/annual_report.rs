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
    NaiveDate::from_ymd_opt(year + 1, 6, 30).expect("30 June exists")
}

/// The first day a report for `year` can be filed.
pub fn filing_opens(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("1 January exists")
}

/// A year can be reported once it has ended.
pub fn year_has_ended(year: i32, today: NaiveDate) -> bool {
    year < today.year()
}

pub fn is_late(year: i32, submitted_on: NaiveDate) -> bool {
    submitted_on > deadline(year)
}

/// The next status for an action, or `None` when the step is illegal.
pub fn next(status: ReportStatus, action: &str) -> Option<ReportStatus> {
    match (status, action) {
        (ReportStatus::Draft, "edit") => Some(ReportStatus::Draft),
        (ReportStatus::Draft, "submit") => Some(ReportStatus::Submitted),
        (ReportStatus::Submitted, "publish") => Some(ReportStatus::Published),
        _ => None,
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

/// Field errors as (field, code, message).
pub fn check_figures(f: &Figures) -> Vec<(&'static str, &'static str, String)> {
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
            errs.push((field, "negative", "must not be negative".to_string()));
        }
    }
    if f.member_count < 0 {
        errs.push(("member_count", "negative", "must not be negative".into()));
    }
    if f.farmer_member_count < 0 {
        errs.push((
            "farmer_member_count",
            "negative",
            "must not be negative".into(),
        ));
    } else if f.farmer_member_count > f.member_count {
        errs.push((
            "farmer_member_count",
            "exceeds_members",
            format!(
                "{} farmer members is more than the {} members",
                f.farmer_member_count, f.member_count
            ),
        ));
    }
    if f.surplus_returned_by_transactions_fen > f.surplus_fen && f.surplus_fen >= 0 {
        errs.push((
            "surplus_returned_by_transactions_fen",
            "exceeds_surplus",
            "the surplus returned cannot exceed the surplus".into(),
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
        assert_eq!(next(Draft, "submit"), Some(Submitted));
        assert_eq!(next(Submitted, "publish"), Some(Published));
        assert_eq!(next(Draft, "publish"), None);
        assert_eq!(next(Submitted, "submit"), None);
        assert_eq!(next(Submitted, "edit"), None);
        assert_eq!(next(Published, "edit"), None);
        assert_eq!(next(Published, "publish"), None);
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
        assert_eq!(check_figures(&f)[0].0, "farmer_member_count");
        let mut f = figures();
        f.surplus_returned_by_transactions_fen = 101;
        assert_eq!(
            check_figures(&f)[0].0,
            "surplus_returned_by_transactions_fen"
        );
        let mut f = figures();
        f.total_assets_fen = -1;
        assert_eq!(check_figures(&f)[0].0, "total_assets_fen");
    }
}
