//! Demonstration cooperatives (示范社): applications, titles, directory, monitoring.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::demonstration::Application;
use crate::domain::cooperative::DemonstrationLevel;
use crate::domain::demonstration::{ApplicationStatus, Gate, MonitoringResult, ScorePart};

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "level": "district", "year": 2026, "document_ids": [12, 14]}))]
pub struct ApplicationIn {
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    /// The rating year: 2021 (the first) to the current year, never in the future.
    #[validate(range(min = crate::domain::demonstration::FIRST_RATING_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[schema(minimum = 2021, maximum = 2100)]
    pub year: i32,
    /// Documents of the applicant's archive the application cites (its charter, its last
    /// financial statements, …): at most 20 ids, none twice; each must be a document of
    /// `cooperative_id` (otherwise 422 naming `document_ids.<i>`).
    #[validate(length(max = 20), custom(function = "document_id_items"))]
    #[schema(max_items = 20)]
    pub document_ids: Option<Vec<i64>>,
}

fn document_id_items(ids: &[i64]) -> Result<(), validator::ValidationError> {
    let mut seen = std::collections::HashSet::new();
    if ids.iter().all(|id| *id >= 1 && seen.insert(*id)) {
        Ok(())
    } else {
        Err(
            validator::ValidationError::new("document_ids").with_message(
                "each document id is a positive integer, at most 20 of them, none twice".into(),
            ),
        )
    }
}

/// An application for a demonstration title.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cooperative_id": 1, "level": "district", "year": 2026, "status": "pending", "eligible": true,
    "gates": [{"gate": "operating_two_years", "passed": true, "reason": "established on 2015-03-18; at least 2 years of operation are required"}],
    "score": 74, "score_breakdown": [{"factor": "members", "value": 52.0, "weight": 20, "points": 6.93}],
    "decided_by": null, "decided_at": null, "decision_note": null, "document_ids": [12, 14], "created_at": "2026-11-27T08:00:00Z"
}))]
pub struct ApplicationOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub level: DemonstrationLevel,
    pub year: i32,
    pub status: ApplicationStatus,
    /// Every gate passed.
    pub eligible: bool,
    /// Each gate of RULES.md with its result and reason.
    pub gates: Vec<Gate>,
    /// 0–100, computed when eligible.
    pub score: Option<i32>,
    pub score_breakdown: Option<Vec<ScorePart>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// The documents of the applicant's archive the application cites.
    pub document_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct StoredPart {
    factor: String,
    value: f64,
    weight: u32,
    points: f64,
}

#[derive(Deserialize)]
struct StoredGate {
    gate: String,
    passed: bool,
    reason: String,
}

impl From<Application> for ApplicationOut {
    fn from(a: Application) -> Self {
        let gates: Vec<StoredGate> = serde_json::from_str(&a.gates).unwrap_or_default();
        let parts: Option<Vec<StoredPart>> = a
            .score_breakdown
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        ApplicationOut {
            id: a.id,
            cooperative_id: a.cooperative_id,
            level: a.level,
            year: a.year,
            status: a.status,
            eligible: a.eligible,
            gates: gates
                .into_iter()
                .map(|g| Gate {
                    gate: g.gate,
                    passed: g.passed,
                    reason: g.reason,
                })
                .collect(),
            score: a.score,
            score_breakdown: parts.map(|p| {
                p.into_iter()
                    .map(|p| ScorePart {
                        factor: p.factor,
                        value: p.value,
                        weight: p.weight,
                        points: p.points,
                    })
                    .collect()
            }),
            decided_by: a.decided_by,
            decided_at: a.decided_at.map(|t| t.and_utc()),
            document_ids: serde_json::from_str(&a.document_ids).unwrap_or_default(),
            decision_note: a.decision_note,
            created_at: a.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilterParams {
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    pub level: Option<DemonstrationLevel>,
    pub status: Option<ApplicationStatus>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "经区评审委员会审定"}))]
pub struct DecisionIn {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    pub level: Option<DemonstrationLevel>,
    /// Only titles approved in this year (and show the year's quota).
    #[validate(range(min = crate::views::validators::MIN_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    pub town_code: Option<String>,
}

/// A titled cooperative.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub cooperative_id: i64,
    pub name: String,
    pub town_code: String,
    pub level: DemonstrationLevel,
    /// The year of the latest approval recorded here (`null` for titles held before the system).
    pub approved_year: Option<i32>,
}

/// The yearly quota against approvals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quota {
    pub year: i32,
    /// New demonstration cooperatives the plan asks for each year.
    pub target: i64,
    pub approved: i64,
}

/// The directory (名录).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryOut {
    pub items: Vec<DirectoryEntry>,
    /// With `year`: that year's quota and approvals.
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"year": 2026, "result": "fail", "notes": "成员台账缺失，未按交易量返还盈余"}))]
pub struct MonitoringIn {
    /// The monitoring year: 2021 (the first rating year) to the current year, never in the
    /// future.
    #[validate(range(min = crate::domain::demonstration::FIRST_RATING_YEAR, max = crate::views::validators::MAX_YEAR))]
    #[schema(minimum = 2021, maximum = 2100)]
    pub year: i32,
    pub result: MonitoringResult,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A monitoring record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitoringOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub result: MonitoringResult,
    pub notes: Option<String>,
    /// The title held before the monitoring.
    pub level_before: Option<DemonstrationLevel>,
    /// Whether the title was revoked (a `fail`).
    pub revoked: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A titled cooperative due for monitoring.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueEntry {
    pub cooperative_id: i64,
    pub name: String,
    pub level: DemonstrationLevel,
    /// The last monitoring year, if any.
    pub last_monitored: Option<i32>,
    /// The last approval year recorded here, if any.
    pub approved_year: Option<i32>,
}

impl From<crate::db::models::demonstration::Monitoring> for MonitoringOut {
    fn from(m: crate::db::models::demonstration::Monitoring) -> Self {
        MonitoringOut {
            id: m.id,
            cooperative_id: m.cooperative_id,
            year: m.year,
            result: m.result,
            notes: m.notes,
            level_before: m.level_before,
            revoked: m.revoked,
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at.and_utc(),
        }
    }
}
