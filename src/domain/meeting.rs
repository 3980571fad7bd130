//! Meetings and their resolutions, decided by the cooperative law's thresholds (RULES.md
//! "The cooperative law's votes and exits").
//!
//! - Each member of the meeting's body has one basic vote (`members_total` of them);
//!   additional votes (附加表决权) cast are at most 20% of the basic votes:
//!   `additional_votes_for × 5 ≤ members_total`, else the resolution is refused.
//! - A resolution passes with more than half of **all** votes (not of those present):
//!   `(votes_for + additional_votes_for) × 2 > members_total + additional_votes_for`.
//! - A charter amendment, merger, division, dissolution or joining a union cooperative needs two
//!   thirds of all votes: `(votes_for + additional_votes_for) × 3 ≥ (members_total +
//!   additional_votes_for) × 2`.
//!
//! The additional votes counted in "all votes" are those cast for the resolution: the minutes
//! record what was cast, not the register of additional votes held, so an additional vote can
//! only count on both sides of the test (never inflate the votes for without the whole).
//! The same thresholds apply to every kind of meeting (a board decides by the same majority of
//! all its members under the model charter).

use chrono::NaiveDate;

use super::cooperative::text_enum;

text_enum! {
    /// Which body met.
    MeetingKind {
        /// 成员大会
        MemberAssembly => "member_assembly",
        /// 成员代表大会 (more than 150 members)
        RepresentativeAssembly => "representative_assembly",
        /// 理事会
        Board => "board",
        /// 监事会
        SupervisoryBoard => "supervisory_board",
    }
}

text_enum! {
    /// What a resolution decides.
    ResolutionSubject {
        CharterAmendment => "charter_amendment",
        Merger => "merger",
        Division => "division",
        Dissolution => "dissolution",
        /// Joining a union cooperative (联合社).
        JoinFederation => "join_federation",
        SurplusDistribution => "surplus_distribution",
        Election => "election",
        Budget => "budget",
        /// Expelling a member (除名).
        Expulsion => "expulsion",
        Other => "other",
    }
}

impl MeetingKind {
    /// A member assembly, or the representative assembly acting for it.
    pub fn is_assembly(self) -> bool {
        matches!(
            self,
            MeetingKind::MemberAssembly | MeetingKind::RepresentativeAssembly
        )
    }
}

impl ResolutionSubject {
    /// Subjects that need two thirds of all votes.
    pub fn needs_two_thirds(self) -> bool {
        matches!(
            self,
            ResolutionSubject::CharterAmendment
                | ResolutionSubject::Merger
                | ResolutionSubject::Division
                | ResolutionSubject::Dissolution
                | ResolutionSubject::JoinFederation
        )
    }
}

/// Additional votes cast are at most this percentage of the basic votes.
pub const ADDITIONAL_VOTES_PERCENT: i64 = 20;
/// Above this many members, a representative assembly is required.
pub const REPRESENTATION_THRESHOLD: i64 = 150;

/// The count of one resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Votes {
    pub subject: ResolutionSubject,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub additional_votes_for: i64,
}

/// Why a count is refused (each names the field it concerns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoteBreach {
    /// More attended than the body has members (`attending`).
    AttendingOverTotal,
    /// More basic votes cast than members attended (`votes_for`).
    VotesOverAttending { cast: i64, attending: i64 },
    /// Additional votes over 20% of the basic votes (`additional_votes_for`).
    AdditionalOverCap { additional: i64, cap: i64 },
}

impl VoteBreach {
    pub fn field(&self) -> &'static str {
        match self {
            VoteBreach::AttendingOverTotal => "attending",
            VoteBreach::VotesOverAttending { .. } => "votes_for",
            VoteBreach::AdditionalOverCap { .. } => "additional_votes_for",
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            VoteBreach::AttendingOverTotal => "over_total",
            VoteBreach::VotesOverAttending { .. } => "over_attending",
            VoteBreach::AdditionalOverCap { .. } => "additional_votes_cap",
        }
    }
}

impl std::fmt::Display for VoteBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VoteBreach::AttendingOverTotal => {
                f.write_str("more members attended than the body has")
            }
            VoteBreach::VotesOverAttending { cast, attending } => write!(
                f,
                "{cast} votes for, against and abstaining, but only {attending} members attended"
            ),
            VoteBreach::AdditionalOverCap { additional, cap } => write!(
                f,
                "{additional} additional votes exceed {ADDITIONAL_VOTES_PERCENT}% of the basic votes ({cap} at most)"
            ),
        }
    }
}

/// The most additional votes a body of `members_total` may cast: 20%, rounded down.
pub fn additional_votes_cap(members_total: i64) -> i64 {
    members_total * ADDITIONAL_VOTES_PERCENT / 100
}

/// Checks that attendance fits the body.
pub fn check_attendance(members_total: i64, attending: i64) -> Result<(), VoteBreach> {
    if attending > members_total {
        Err(VoteBreach::AttendingOverTotal)
    } else {
        Ok(())
    }
}

/// Whether a resolution passes by the law; a count that cannot be is refused.
/// Inputs are bounded by the caller (each ≤ 10^6), so the products cannot overflow.
pub fn decide(members_total: i64, attending: i64, v: &Votes) -> Result<bool, VoteBreach> {
    let cast = v.votes_for + v.votes_against + v.abstentions;
    if cast > attending {
        return Err(VoteBreach::VotesOverAttending { cast, attending });
    }
    let cap = additional_votes_cap(members_total);
    if v.additional_votes_for > cap {
        return Err(VoteBreach::AdditionalOverCap {
            additional: v.additional_votes_for,
            cap,
        });
    }
    let for_ = v.votes_for + v.additional_votes_for;
    let all = members_total + v.additional_votes_for;
    Ok(if v.subject.needs_two_thirds() {
        for_ * 3 >= all * 2
    } else {
        for_ * 2 > all
    })
}

/// The fiscal year is the calendar year: the last fiscal year ended on 31 December of the
/// year before `today`.
pub fn last_fiscal_year(today: NaiveDate) -> i32 {
    use chrono::Datelike;
    today.year() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(subject: ResolutionSubject, f: i64, a: i64, extra: i64) -> Votes {
        Votes {
            subject,
            votes_for: f,
            votes_against: a,
            abstentions: 0,
            additional_votes_for: extra,
        }
    }

    #[test]
    fn half_of_all_members_not_of_those_present() {
        // 10 members, 6 attend, 5 for: 5 × 2 = 10 is not more than 10 → fails.
        let v = votes(ResolutionSubject::Budget, 5, 1, 0);
        assert_eq!(decide(10, 6, &v), Ok(false));
        // 6 for: 12 > 10 → passes.
        let v = votes(ResolutionSubject::Budget, 6, 0, 0);
        assert_eq!(decide(10, 6, &v), Ok(true));
    }

    #[test]
    fn two_thirds_for_the_big_decisions() {
        // 9 members, 5 for: 10 > 9 passes by half; 15 < 18 fails two thirds.
        let ordinary = votes(ResolutionSubject::SurplusDistribution, 5, 4, 0);
        assert_eq!(decide(9, 9, &ordinary), Ok(true));
        for s in [
            ResolutionSubject::CharterAmendment,
            ResolutionSubject::Merger,
            ResolutionSubject::Division,
            ResolutionSubject::Dissolution,
            ResolutionSubject::JoinFederation,
        ] {
            assert_eq!(decide(9, 9, &votes(s, 5, 4, 0)), Ok(false), "{s}");
            // 6 for: 18 ≥ 18 → exactly two thirds passes.
            assert_eq!(decide(9, 9, &votes(s, 6, 3, 0)), Ok(true), "{s}");
        }
    }

    #[test]
    fn additional_votes_are_capped_at_a_fifth() {
        // 10 members: at most 2 additional votes.
        assert_eq!(additional_votes_cap(10), 2);
        assert_eq!(additional_votes_cap(9), 1);
        let over = votes(ResolutionSubject::Budget, 5, 0, 3);
        assert_eq!(
            decide(10, 10, &over),
            Err(VoteBreach::AdditionalOverCap {
                additional: 3,
                cap: 2
            })
        );
        // 5 for + 2 additional = 7 of 12: 14 > 12 passes; without them 10 > 10 fails.
        assert_eq!(
            decide(10, 10, &votes(ResolutionSubject::Budget, 5, 0, 2)),
            Ok(true)
        );
        assert_eq!(
            decide(10, 10, &votes(ResolutionSubject::Budget, 5, 0, 0)),
            Ok(false)
        );
    }

    #[test]
    fn counts_must_fit_the_attendance() {
        assert_eq!(
            check_attendance(10, 11),
            Err(VoteBreach::AttendingOverTotal)
        );
        assert!(check_attendance(10, 10).is_ok());
        let v = Votes {
            abstentions: 2,
            ..votes(ResolutionSubject::Other, 4, 1, 0)
        };
        assert_eq!(
            decide(10, 6, &v),
            Err(VoteBreach::VotesOverAttending {
                cast: 7,
                attending: 6
            })
        );
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse(k.as_str()), Some(*k));
        }
        for s in ResolutionSubject::ALL {
            assert_eq!(ResolutionSubject::parse(s.as_str()), Some(*s));
        }
        assert!(MeetingKind::RepresentativeAssembly.is_assembly());
        assert!(!MeetingKind::Board.is_assembly());
    }
}
