//! The checks derived from the cooperative's own books: the yearly assembly and the
//! representative assembly of a large cooperative (RULES.md "The cooperative law's votes and
//! exits").

use chrono::NaiveDate;
use serde_json::json;

use super::{surplus_return, Check, MemberCounts, ReportFacts, SURPLUS_RETURN_PERCENT};
use crate::domain::meeting::REPRESENTATION_THRESHOLD;

/// What the meeting records say.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeetingFacts {
    /// The last fiscal year (the calendar year before today's).
    pub last_fiscal_year: i32,
    /// The latest member (or representative) assembly held in that year.
    pub assembly_in_last_fiscal_year: Option<NaiveDate>,
    /// The latest representative assembly ever recorded.
    pub last_representative_assembly: Option<NaiveDate>,
}

/// `annual_assembly`: a member assembly (or the representative assembly acting for it) was
/// held in the last fiscal year.
pub fn annual_assembly(m: &MeetingFacts) -> Check {
    let year = m.last_fiscal_year;
    Check {
        check: "annual_assembly",
        passed: m.assembly_in_last_fiscal_year.is_some(),
        reason: match m.assembly_in_last_fiscal_year {
            Some(d) => format!("a member assembly was held on {d}, in the fiscal year {year}"),
            None => format!("no member assembly recorded in the fiscal year {year}"),
        },
        figures: json!({"fiscal_year": year, "held_on": m.assembly_in_last_fiscal_year}),
        source: None,
    }
}

/// `representation`: more than 150 members need a members' representative assembly (成员代表
/// 大会); a smaller cooperative passes without one.
pub fn representation(members: &MemberCounts, m: &MeetingFacts) -> Check {
    let needed = members.total > REPRESENTATION_THRESHOLD;
    let (passed, reason) = match (needed, m.last_representative_assembly) {
        (false, _) => (
            true,
            format!(
                "{} members; a representative assembly is needed only above {REPRESENTATION_THRESHOLD}",
                members.total
            ),
        ),
        (true, Some(d)) => (
            true,
            format!(
                "{} members; the representative assembly last met on {d}",
                members.total
            ),
        ),
        (true, None) => (
            false,
            format!(
                "{} members, more than {REPRESENTATION_THRESHOLD}, but no representative assembly recorded",
                members.total
            ),
        ),
    };
    Check {
        check: "representation",
        passed,
        reason,
        figures: json!({
            "members": members.total,
            "threshold": REPRESENTATION_THRESHOLD,
            "last_representative_assembly": m.last_representative_assembly,
        }),
        source: None,
    }
}

/// An adopted surplus distribution, as `surplus_return` reads it.
#[derive(Debug, Clone, Copy)]
pub struct DistributionFacts {
    pub year: i32,
    pub distributable_fen: i64,
    pub by_transactions_fen: i64,
}

/// `surplus_return` from the books: the most recent adopted distribution
/// (`source: distribution`); without one, the last published report's declared figure
/// (`source: declared`).
pub fn surplus_returned(d: Option<&DistributionFacts>, report: Option<&ReportFacts>) -> Check {
    let Some(d) = d else {
        return Check {
            source: Some("declared"),
            ..surplus_return(report)
        };
    };
    let passed = d.distributable_fen <= 0
        || i128::from(d.by_transactions_fen) * 100
            >= i128::from(SURPLUS_RETURN_PERCENT) * i128::from(d.distributable_fen);
    let pct = if d.distributable_fen > 0 {
        d.by_transactions_fen as f64 * 100.0 / d.distributable_fen as f64
    } else {
        0.0
    };
    Check {
        check: "surplus_return",
        passed,
        reason: format!(
            "the adopted {} distribution returns {pct:.1}% of the distributable surplus by transactions; at least {SURPLUS_RETURN_PERCENT}% is required",
            d.year
        ),
        figures: json!({
            "year": d.year,
            "distributable_fen": d.distributable_fen,
            "by_transactions_fen": d.by_transactions_fen,
            "required_percent": SURPLUS_RETURN_PERCENT,
        }),
        source: Some("distribution"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_assembly_every_year() {
        let mut f = MeetingFacts {
            last_fiscal_year: 2025,
            ..Default::default()
        };
        assert!(!annual_assembly(&f).passed);
        f.assembly_in_last_fiscal_year = Some(day(2025, 3, 1));
        assert!(annual_assembly(&f).passed);
    }

    #[test]
    fn representatives_above_150_members() {
        let counts = |total| MemberCounts {
            total,
            farmers: total,
            capped_non_farmers: 0,
        };
        let none = MeetingFacts::default();
        assert!(representation(&counts(150), &none).passed);
        assert!(!representation(&counts(151), &none).passed);
        let some = MeetingFacts {
            last_representative_assembly: Some(day(2024, 5, 1)),
            ..none
        };
        assert!(representation(&counts(151), &some).passed);
    }

    #[test]
    fn surplus_return_from_the_distribution_else_declared() {
        let declared = surplus_returned(None, None);
        assert_eq!(declared.source, Some("declared"));
        assert!(!declared.passed);
        let d = DistributionFacts {
            year: 2025,
            distributable_fen: 1001,
            by_transactions_fen: 601,
        };
        let c = surplus_returned(Some(&d), None);
        assert_eq!((c.source, c.passed), (Some("distribution"), true));
        let low = DistributionFacts {
            by_transactions_fen: 600,
            ..d
        };
        // 600 × 100 = 60000 < 60 × 1001 = 60060.
        assert!(!surplus_returned(Some(&low), None).passed);
    }
}
