//! The checks derived from the cooperative's own books: the yearly assembly and the
//! representative assembly of a large cooperative (RULES.md "The cooperative law's votes and
//! exits").

use chrono::NaiveDate;
use serde_json::json;

use super::{Check, MemberCounts};
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
}
