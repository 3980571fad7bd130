//! Meetings and resolutions: request and response shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::models::meeting::{Meeting, Resolution};
use crate::domain::meeting::{MeetingKind, ResolutionSubject};

/// The most members (or votes) a meeting may count.
pub const MAX_VOTES: i64 = 1_000_000;

/// One resolution as counted.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionIn {
    /// Its number in the minutes (1, 2, …), unique within the meeting.
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub seq: i32,
    pub subject: ResolutionSubject,
    /// Basic votes (one per member) for.
    #[validate(range(min = 0, max = MAX_VOTES))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub votes_for: i64,
    #[validate(range(min = 0, max = MAX_VOTES))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub votes_against: i64,
    #[validate(range(min = 0, max = MAX_VOTES))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub abstentions: i64,
    /// Additional votes (附加表决权) cast for; at most 20% of the basic votes (`members_total`).
    #[validate(range(min = 0, max = MAX_VOTES))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub additional_votes_for: Option<i64>,
}

/// A meeting as its minutes record it.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "member_assembly", "held_on": "2026-03-15", "members_total": 9, "attending": 9,
    "resolutions": [
        {"seq": 1, "subject": "surplus_distribution", "votes_for": 5, "votes_against": 4, "abstentions": 0},
        {"seq": 2, "subject": "charter_amendment", "votes_for": 5, "votes_against": 4, "abstentions": 0, "additional_votes_for": 1}
    ]
}))]
pub struct MeetingIn {
    pub kind: MeetingKind,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub held_on: NaiveDate,
    /// Members of the body that met (for an assembly: all members, or all representatives).
    #[validate(range(min = 1, max = MAX_VOTES))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub members_total: i64,
    #[validate(range(min = 0, max = MAX_VOTES))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub attending: i64,
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub resolutions: Vec<ResolutionIn>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolutionOut {
    pub seq: i32,
    pub subject: ResolutionSubject,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub additional_votes_for: i64,
    /// Whether it passed by the law: more than half of all votes, two thirds for a charter
    /// amendment, merger, division, dissolution or joining a union cooperative.
    pub passed: bool,
    /// `half` or `two_thirds`.
    pub threshold: &'static str,
}

impl From<Resolution> for ResolutionOut {
    fn from(r: Resolution) -> Self {
        ResolutionOut {
            seq: r.seq,
            subject: r.subject,
            votes_for: r.votes_for,
            votes_against: r.votes_against,
            abstentions: r.abstentions,
            additional_votes_for: r.additional_votes_for,
            passed: r.passed,
            threshold: if r.subject.needs_two_thirds() {
                "two_thirds"
            } else {
                "half"
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cooperative_id": 1, "kind": "member_assembly", "held_on": "2026-03-15",
    "members_total": 9, "attending": 9,
    "resolutions": [
        {"seq": 1, "subject": "surplus_distribution", "votes_for": 5, "votes_against": 4, "abstentions": 0, "additional_votes_for": 0, "passed": true, "threshold": "half"},
        {"seq": 2, "subject": "charter_amendment", "votes_for": 5, "votes_against": 4, "abstentions": 0, "additional_votes_for": 1, "passed": true, "threshold": "two_thirds"}
    ],
    "created_at": "2026-03-16T08:00:00Z"
}))]
pub struct MeetingOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub members_total: i64,
    pub attending: i64,
    pub resolutions: Vec<ResolutionOut>,
    pub created_at: DateTime<Utc>,
}

impl MeetingOut {
    pub fn new(m: Meeting, resolutions: Vec<Resolution>) -> Self {
        MeetingOut {
            id: m.id,
            cooperative_id: m.cooperative_id,
            kind: m.kind,
            held_on: m.held_on,
            members_total: m.members_total,
            attending: m.attending,
            resolutions: resolutions.into_iter().map(ResolutionOut::from).collect(),
            created_at: m.created_at.and_utc(),
        }
    }
}
