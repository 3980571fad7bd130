//! The Farmers' Specialized Cooperatives Law (2017 revision) as checks (RULES.md).
//! Computed from the data every time; never stored.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::annual_report::{deadline, ReportStatus};
use super::cooperative::text_enum;
use super::member::MemberType;

mod books;

pub use books::{
    annual_assembly, representation, surplus_returned, DistributionFacts, MeetingFacts,
};

text_enum! {
    /// Who keeps the books.
    Bookkeeping {
        /// The cooperative's own accountant (`self`; `self_kept` is read as the same).
        #[serde(rename = "self", alias = "self_kept")]
        SelfKept => "self",
        /// An accounting agent (代理记账).
        Agent => "agent",
        /// The cooperative service center.
        ServiceCenter => "service_center",
    }
}

text_enum! {
    /// How the cooperative discloses its affairs to members (社务公开).
    DisclosureChannel {
        BulletinBoard => "bulletin_board",
        WechatGroup => "wechat_group",
        Meeting => "meeting",
        Website => "website",
        Other => "other",
    }
}

pub const MIN_MEMBERS: i64 = 5;
/// Farmers must be at least this percentage of members.
pub const FARMER_SHARE_PERCENT: i64 = 80;
/// Up to this many members, at most [`SMALL_COOP_NON_FARMER_MAX`] capped non-farmers.
pub const SMALL_COOP_MAX_MEMBERS: i64 = 20;
pub const SMALL_COOP_NON_FARMER_MAX: i64 = 1;
/// Above twenty members, capped non-farmers at most this percentage.
pub const LARGE_COOP_NON_FARMER_PERCENT: i64 = 5;
/// Surplus returned by transaction volume: at least this percentage of distributable surplus.
pub const SURPLUS_RETURN_PERCENT: i64 = 60;

/// Active members, counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberCounts {
    pub total: i64,
    pub farmers: i64,
    /// Enterprises, institutions and social groups.
    pub capped_non_farmers: i64,
}

impl MemberCounts {
    /// Counts active members by type (`None`: a type the law's checks do not know, counted
    /// only in the total).
    pub fn of(types: impl IntoIterator<Item = Option<MemberType>>) -> MemberCounts {
        let mut counts = MemberCounts::default();
        for t in types {
            counts.total += 1;
            match t {
                Some(MemberType::Farmer) => counts.farmers += 1,
                Some(t) if t.is_capped_non_farmer() => counts.capped_non_farmers += 1,
                _ => {}
            }
        }
        counts
    }
}

#[derive(Debug, Clone, Default)]
pub struct GovernanceFacts {
    pub charter_adopted_on: Option<NaiveDate>,
    pub member_assembly: bool,
    pub board_chair: Option<String>,
    pub board_members: Vec<String>,
    pub supervisors: Vec<String>,
    pub bookkeeper: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReportFacts {
    pub year: i32,
    pub status: ReportStatus,
    pub published_on: Option<NaiveDate>,
    pub surplus_fen: i64,
    pub surplus_returned_by_transactions_fen: i64,
}

#[derive(Debug, Clone)]
pub struct Facts {
    pub members: MemberCounts,
    pub governance: Option<GovernanceFacts>,
    /// The most recent published report.
    pub last_published: Option<ReportFacts>,
    /// The report for last year (today's year − 1), whatever its status.
    pub last_year: Option<ReportFacts>,
    /// What the meeting records say (`annual_assembly`, `representation`).
    pub meetings: MeetingFacts,
    /// The most recent adopted surplus distribution (`surplus_return`, `source: distribution`).
    pub distribution: Option<DistributionFacts>,
    pub today: NaiveDate,
}

/// The result of one check.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"check": "farmer_share", "passed": true, "reason": "9 of 10 members (90.0%) are farmers; at least 80% are required", "figures": {"members": 10, "farmers": 9}}))]
pub struct Check {
    /// `min_members`, `farmer_share`, `non_farmer_cap`, `governance`, `charter`, `surplus_return`, `annual_report`, `annual_assembly` or `representation`.
    pub check: &'static str,
    pub passed: bool,
    /// Why, in words.
    pub reason: String,
    /// The figures the check used.
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    /// Where the figures come from, for checks with more than one source (`surplus_return`:
    /// `distribution` when an adopted surplus distribution exists, else `declared`, the annual
    /// report's figure).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<&'static str>,
}

fn pct(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64) * 100.0 / (whole as f64)
    }
}

pub fn min_members(m: &MemberCounts) -> Check {
    Check {
        check: "min_members",
        passed: m.total >= MIN_MEMBERS,
        reason: format!(
            "{} active members; at least {MIN_MEMBERS} are required",
            m.total
        ),
        figures: json!({"members": m.total, "required": MIN_MEMBERS}),
        source: None,
    }
}

pub fn farmer_share(m: &MemberCounts) -> Check {
    Check {
        check: "farmer_share",
        passed: m.total > 0 && m.farmers * 100 >= FARMER_SHARE_PERCENT * m.total,
        reason: format!(
            "{} of {} members ({:.1}%) are farmers; at least {FARMER_SHARE_PERCENT}% are required",
            m.farmers,
            m.total,
            pct(m.farmers, m.total)
        ),
        figures: json!({"members": m.total, "farmers": m.farmers, "required_percent": FARMER_SHARE_PERCENT}),
        source: None,
    }
}

pub fn non_farmer_cap(m: &MemberCounts) -> Check {
    let (passed, rule) = if m.total <= SMALL_COOP_MAX_MEMBERS {
        (
            m.capped_non_farmers <= SMALL_COOP_NON_FARMER_MAX,
            format!("with {SMALL_COOP_MAX_MEMBERS} members or fewer, at most {SMALL_COOP_NON_FARMER_MAX} may be an enterprise, institution or social group"),
        )
    } else {
        (
            m.capped_non_farmers * 100 <= LARGE_COOP_NON_FARMER_PERCENT * m.total,
            format!("with more than {SMALL_COOP_MAX_MEMBERS} members, enterprises, institutions and social groups may be at most {LARGE_COOP_NON_FARMER_PERCENT}%"),
        )
    };
    Check {
        check: "non_farmer_cap",
        passed,
        reason: format!(
            "{} of {} members are enterprises, institutions or social groups; {rule}",
            m.capped_non_farmers, m.total
        ),
        figures: json!({"members": m.total, "enterprise_institution_social_group": m.capped_non_farmers}),
        source: None,
    }
}

/// Names that appear both as supervisor and as chair, director or bookkeeper.
pub fn supervisor_conflicts(
    chair: Option<&str>,
    board: &[String],
    bookkeeper: Option<&str>,
    supervisors: &[String],
) -> Vec<String> {
    let norm = |s: &str| s.trim().to_string();
    let mut others: Vec<String> = board.iter().map(|b| norm(b)).collect();
    others.extend(chair.map(norm));
    others.extend(bookkeeper.map(norm));
    let mut found: Vec<String> = supervisors
        .iter()
        .map(|s| norm(s))
        .filter(|s| !s.is_empty() && others.contains(s))
        .collect();
    found.sort();
    found.dedup();
    found
}

pub fn governance(g: Option<&GovernanceFacts>) -> Check {
    let Some(g) = g else {
        return Check {
            check: "governance",
            passed: false,
            reason: "no governance bodies recorded".into(),
            figures: json!({}),
            source: None,
        };
    };
    let chair = g
        .board_chair
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let conflicts = supervisor_conflicts(
        chair,
        &g.board_members,
        g.bookkeeper.as_deref(),
        &g.supervisors,
    );
    let mut problems = Vec::new();
    if chair.is_none() {
        problems.push("no board chair (理事长)".to_string());
    }
    if !g.member_assembly {
        problems.push("no member assembly constituted".to_string());
    }
    if g.supervisors.is_empty() {
        problems.push("no supervisor (监事)".to_string());
    }
    if !conflicts.is_empty() {
        problems.push(format!(
            "also chair, director or bookkeeper as well as supervisor: {}",
            conflicts.join(", ")
        ));
    }
    Check {
        check: "governance",
        passed: problems.is_empty(),
        reason: if problems.is_empty() {
            "chair, member assembly and supervisors in place, with no supervisor holding another office".into()
        } else {
            problems.join("; ")
        },
        figures: json!({
            "board_chair": chair,
            "member_assembly": g.member_assembly,
            "board_members": g.board_members.len(),
            "supervisors": g.supervisors.len(),
            "conflicts": conflicts,
        }),
        source: None,
    }
}

pub fn charter(g: Option<&GovernanceFacts>) -> Check {
    let adopted = g.and_then(|g| g.charter_adopted_on);
    Check {
        check: "charter",
        passed: adopted.is_some(),
        reason: match adopted {
            Some(d) => format!("charter adopted on {d}"),
            None => "no charter adopted".into(),
        },
        figures: json!({"charter_adopted_on": adopted}),
        source: None,
    }
}

pub fn surplus_return(report: Option<&ReportFacts>) -> Check {
    let Some(r) = report else {
        return Check {
            check: "surplus_return",
            passed: false,
            reason: "no published annual report to take the surplus from".into(),
            figures: json!({}),
            source: None,
        };
    };
    let figures = json!({
        "year": r.year,
        "surplus_fen": r.surplus_fen,
        "surplus_returned_by_transactions_fen": r.surplus_returned_by_transactions_fen,
        "required_percent": SURPLUS_RETURN_PERCENT,
    });
    if r.surplus_fen <= 0 {
        return Check {
            check: "surplus_return",
            passed: true,
            reason: format!("no distributable surplus in {}", r.year),
            figures,
            source: None,
        };
    }
    Check {
        check: "surplus_return",
        passed: r.surplus_returned_by_transactions_fen * 100 >= SURPLUS_RETURN_PERCENT * r.surplus_fen,
        reason: format!(
            "{:.1}% of the {} surplus was returned by transaction volume; at least {SURPLUS_RETURN_PERCENT}% is required",
            pct(r.surplus_returned_by_transactions_fen, r.surplus_fen),
            r.year
        ),
        figures,
        source: None,
    }
}

pub fn annual_report(last_year: Option<&ReportFacts>, today: NaiveDate) -> Check {
    let year = today.year() - 1;
    let due = deadline(year);
    let published_on = last_year
        .filter(|r| r.status == ReportStatus::Published)
        .and_then(|r| r.published_on);
    let (passed, reason) = match published_on {
        Some(d) if d <= due => (
            true,
            format!("the {year} report was published on {d}, by the deadline {due}"),
        ),
        Some(d) => (
            false,
            format!("the {year} report was published on {d}, after the deadline {due}"),
        ),
        None if today <= due => (true, format!("the {year} report is not due until {due}")),
        None => (
            false,
            format!("the {year} report was not published by the deadline {due}"),
        ),
    };
    Check {
        check: "annual_report",
        passed,
        reason,
        figures: json!({"year": year, "deadline": due, "published_on": published_on}),
        source: None,
    }
}

/// Every check, in the order of RULES.md.
pub fn evaluate(f: &Facts) -> Vec<Check> {
    vec![
        min_members(&f.members),
        farmer_share(&f.members),
        non_farmer_cap(&f.members),
        governance(f.governance.as_ref()),
        charter(f.governance.as_ref()),
        surplus_returned(f.distribution.as_ref(), f.last_published.as_ref()),
        annual_report(f.last_year.as_ref(), f.today),
        annual_assembly(&f.meetings),
        representation(&f.members, &f.meetings),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(total: i64, farmers: i64, capped: i64) -> MemberCounts {
        MemberCounts {
            total,
            farmers,
            capped_non_farmers: capped,
        }
    }

    #[test]
    fn members_are_counted_by_type() {
        let c = MemberCounts::of([
            Some(MemberType::Farmer),
            Some(MemberType::Farmer),
            Some(MemberType::Enterprise),
            Some(MemberType::Institution),
            None,
        ]);
        assert_eq!((c.total, c.farmers, c.capped_non_farmers), (5, 2, 2));
        let none = MemberCounts::of([]);
        assert_eq!(none.total, 0);
    }

    #[test]
    fn min_members_boundary() {
        assert!(!min_members(&m(4, 4, 0)).passed);
        assert!(min_members(&m(5, 5, 0)).passed);
    }

    #[test]
    fn farmer_share_boundary() {
        // 79.9% fails, 80% passes.
        assert!(!farmer_share(&m(1000, 799, 0)).passed);
        assert!(farmer_share(&m(1000, 800, 0)).passed);
        assert!(farmer_share(&m(5, 4, 0)).passed);
        assert!(!farmer_share(&m(0, 0, 0)).passed);
    }

    #[test]
    fn non_farmer_cap_boundaries() {
        // 20 members: one is fine, two are not.
        assert!(non_farmer_cap(&m(20, 19, 1)).passed);
        assert!(!non_farmer_cap(&m(20, 18, 2)).passed);
        // Over 20: 5% at most.
        assert!(non_farmer_cap(&m(40, 38, 2)).passed);
        assert!(!non_farmer_cap(&m(40, 37, 3)).passed);
        assert!(!non_farmer_cap(&m(21, 19, 2)).passed);
    }

    fn report(surplus: i64, returned: i64) -> ReportFacts {
        ReportFacts {
            year: 2025,
            status: ReportStatus::Published,
            published_on: NaiveDate::from_ymd_opt(2026, 3, 1),
            surplus_fen: surplus,
            surplus_returned_by_transactions_fen: returned,
        }
    }

    #[test]
    fn surplus_return_boundary() {
        assert!(!surplus_return(Some(&report(1000, 599))).passed);
        assert!(surplus_return(Some(&report(1000, 600))).passed);
        assert!(surplus_return(Some(&report(0, 0))).passed);
        assert!(!surplus_return(None).passed);
    }

    #[test]
    fn governance_rules() {
        let mut g = GovernanceFacts {
            charter_adopted_on: NaiveDate::from_ymd_opt(2015, 3, 1),
            member_assembly: true,
            board_chair: Some("张三".into()),
            board_members: vec!["李四".into()],
            supervisors: vec!["王五".into()],
            bookkeeper: Some("赵六".into()),
        };
        assert!(governance(Some(&g)).passed);
        assert!(charter(Some(&g)).passed);
        g.supervisors.push(" 赵六 ".into());
        let c = governance(Some(&g));
        assert!(!c.passed);
        assert!(c.reason.contains("赵六"));
        g.supervisors = vec!["王五".into()];
        g.board_chair = None;
        assert!(!governance(Some(&g)).passed);
        assert!(!governance(None).passed);
        assert!(!charter(None).passed);
    }

    #[test]
    fn annual_report_deadline() {
        let day = |y, mo, d| NaiveDate::from_ymd_opt(y, mo, d).unwrap();
        let published = |on| ReportFacts {
            published_on: Some(on),
            ..report(0, 0)
        };
        // Before the deadline, an unpublished report is not yet a failure.
        assert!(annual_report(None, day(2026, 6, 30)).passed);
        assert!(!annual_report(None, day(2026, 7, 1)).passed);
        assert!(annual_report(Some(&published(day(2026, 6, 30))), day(2026, 11, 27)).passed);
        assert!(!annual_report(Some(&published(day(2026, 7, 1))), day(2026, 11, 27)).passed);
        let submitted = ReportFacts {
            status: ReportStatus::Submitted,
            published_on: None,
            ..report(0, 0)
        };
        assert!(!annual_report(Some(&submitted), day(2026, 11, 27)).passed);
    }

    #[test]
    fn evaluate_lists_every_check_in_order() {
        let f = Facts {
            members: m(5, 5, 0),
            governance: None,
            last_published: None,
            last_year: None,
            meetings: MeetingFacts::default(),
            distribution: None,
            today: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        };
        let names: Vec<_> = evaluate(&f).iter().map(|c| c.check).collect();
        assert_eq!(
            names,
            [
                "min_members",
                "farmer_share",
                "non_farmer_cap",
                "governance",
                "charter",
                "surplus_return",
                "annual_report",
                "annual_assembly",
                "representation"
            ]
        );
    }
}
