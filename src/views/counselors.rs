//! The counselor corps' request and response shapes: counselors, coverage, trainings,
//! visits, evaluations, rankings and logins.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::auth::Role;
use crate::db::models::counselor::{Counselor, CounselorFilter, Evaluation, Training, Visit};
use crate::domain::counselor::{CounselorLevel, CounselorSource, Rating};

fn validate_texts(items: &[String]) -> Result<(), ValidationError> {
    if items
        .iter()
        .any(|t| t.trim().is_empty() || t.chars().count() > 200)
    {
        return Err(ValidationError::new("blank")
            .with_message("entries must be non-blank and at most 200 characters".into()));
    }
    Ok(())
}

/// A new counselor.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "王辅导",
    "phone": "13900000000",
    "source": "agri_tech_instructor",
    "level": "town",
    "town_codes": ["500119110"]
}))]
pub struct CounselorCreate {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// A mobile number: 11 digits starting with 1, optionally `+86`.
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    /// The towns covered (`GET /api/v1/towns`): at least one. A counselor's login reads these
    /// towns' cooperatives.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_items = 1, max_items = 40)]
    pub town_codes: Vec<String>,
    /// A district counselor's area (片区), by name; only for `level: district`.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub area: Option<String>,
}

/// Changes to a counselor; absent fields stay as they are (`area: null` clears the area).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"town_codes": ["500119110", "500119111"], "active": true}))]
pub struct CounselorPatch {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: Option<String>,
    pub source: Option<CounselorSource>,
    pub level: Option<CounselorLevel>,
    #[validate(length(min = 1, max = 40))]
    #[schema(min_items = 1, max_items = 40)]
    pub town_codes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::views::validators::double_option")]
    #[schema(value_type = Option<String>)]
    pub area: Option<Option<String>>,
    /// An inactive counselor covers no town, records no visits, and its login reads no
    /// cooperative.
    pub active: Option<bool>,
}

/// A counselor.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "name": "王辅导", "phone": "13900000000", "source": "agri_tech_instructor",
    "level": "town", "area": null, "town_codes": ["500119110"], "active": true, "version": 1,
    "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"
}))]
pub struct CounselorOut {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    pub area: Option<String>,
    pub town_codes: Vec<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CounselorOut {
    pub fn new(c: Counselor, town_codes: Vec<String>) -> Self {
        CounselorOut {
            id: c.id,
            name: c.name,
            phone: c.phone,
            source: c.source,
            level: c.level,
            area: c.area,
            town_codes,
            active: c.active,
            version: c.version,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
        }
    }
}

/// Filters of the counselor list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CounselorFilterParams {
    /// Only counselors covering this town.
    #[validate(length(max = 20))]
    #[param(max_length = 20)]
    pub town_code: Option<String>,
    pub level: Option<CounselorLevel>,
    pub source: Option<CounselorSource>,
    pub active: Option<bool>,
}

impl CounselorFilterParams {
    pub fn to_filter(&self) -> CounselorFilter {
        CounselorFilter {
            town_code: self.town_code.clone(),
            level: self.level,
            source: self.source,
            active: self.active,
        }
    }
}

/// A counselor, briefly.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounselorBrief {
    pub id: i64,
    pub name: String,
    pub level: CounselorLevel,
}

impl From<&Counselor> for CounselorBrief {
    fn from(c: &Counselor) -> Self {
        CounselorBrief {
            id: c.id,
            name: c.name.clone(),
            level: c.level,
        }
    }
}

/// One town's coverage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TownCoverage {
    pub town_code: String,
    pub name: String,
    /// Active counselors covering the town (town and district level).
    pub counselor_count: i64,
    /// Those counselors (only the ones the caller may see by name).
    pub counselors: Vec<CounselorBrief>,
}

/// A town nobody covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TownRef {
    pub town_code: String,
    pub name: String,
}

/// A district counselor's area (片区).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaCoverage {
    pub area: String,
    pub counselors: Vec<CounselorBrief>,
    /// The towns the area's counselors cover.
    pub town_codes: Vec<String>,
}

/// Coverage of the district's towns by active counselors (the plan: at least one per town).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "towns_total": 34, "towns_covered": 1,
    "towns": [{"town_code": "500119110", "name": "金山镇", "counselor_count": 1,
        "counselors": [{"id": 1, "name": "王辅导", "level": "town"}]}],
    "towns_without_counselor": [{"town_code": "500119001", "name": "东城街道"}],
    "areas": []
}))]
pub struct Coverage {
    pub towns_total: i64,
    pub towns_covered: i64,
    /// Every town, in reference order.
    pub towns: Vec<TownCoverage>,
    pub towns_without_counselor: Vec<TownRef>,
    /// District counselors grouped by area.
    pub areas: Vec<AreaCoverage>,
}

/// A training a counselor took part in.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "合作社规范化建设培训", "held_on": "2026-03-15", "hours": 6.5, "topics": ["章程", "财务管理"], "attendees": 40}))]
pub struct TrainingCreate {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub held_on: NaiveDate,
    /// Length in hours, more than 0 and at most 200.
    #[validate(range(exclusive_min = 0.0, max = 200.0))]
    #[schema(exclusive_minimum = 0.0, maximum = 200.0)]
    pub hours: f64,
    #[validate(length(max = 20), custom(function = "validate_texts"))]
    #[schema(max_items = 20)]
    pub topics: Option<Vec<String>>,
    /// How many people attended.
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub attendees: Option<i32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingOut {
    pub id: i64,
    pub counselor_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: f64,
    pub topics: Vec<String>,
    pub attendees: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<Training> for TrainingOut {
    fn from(t: Training) -> Self {
        TrainingOut {
            id: t.id,
            counselor_id: t.counselor_id,
            title: t.title,
            held_on: t.held_on,
            hours: t.hours,
            topics: serde_json::from_str(&t.topics).unwrap_or_default(),
            attendees: t.attendees,
            created_at: t.created_at.and_utc(),
        }
    }
}

/// A guidance visit to a cooperative.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 12, "visited_on": "2026-11-20", "topics": ["年报"], "findings": "2025年报尚未公示", "follow_up": "12月底前复查"}))]
pub struct VisitCreate {
    /// A cooperative in a town the counselor covers.
    pub cooperative_id: i64,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub visited_on: NaiveDate,
    #[validate(length(min = 1, max = 20), custom(function = "validate_texts"))]
    #[schema(min_items = 1, max_items = 20)]
    pub topics: Vec<String>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub findings: String,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitOut {
    pub id: i64,
    pub counselor_id: i64,
    pub counselor_name: String,
    pub cooperative_id: i64,
    pub visited_on: NaiveDate,
    pub topics: Vec<String>,
    pub findings: String,
    pub follow_up: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl VisitOut {
    pub fn new(v: Visit, counselor_name: String) -> Self {
        VisitOut {
            id: v.id,
            counselor_id: v.counselor_id,
            counselor_name,
            cooperative_id: v.cooperative_id,
            visited_on: v.visited_on,
            topics: serde_json::from_str(&v.topics).unwrap_or_default(),
            findings: v.findings,
            follow_up: v.follow_up,
            created_at: v.created_at.and_utc(),
        }
    }
}

/// A yearly evaluation (考核).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 92, "rating": "excellent", "reward": "优秀辅导员", "reward_fen": 200000}))]
pub struct EvaluationPut {
    /// 0–100.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub score: i32,
    pub rating: Rating,
    /// The reward granted, in words (e.g. a title).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub reward: Option<String>,
    /// A money reward, in fen.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub reward_fen: Option<i64>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationOut {
    pub id: i64,
    pub counselor_id: i64,
    pub year: i32,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub comment: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Evaluation> for EvaluationOut {
    fn from(e: Evaluation) -> Self {
        EvaluationOut {
            id: e.id,
            counselor_id: e.counselor_id,
            year: e.year,
            score: e.score,
            rating: e.rating,
            reward: e.reward,
            reward_fen: e.reward_fen,
            comment: e.comment,
            version: e.version,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// The evaluation year.
    #[validate(range(min = 2000, max = 2100))]
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub year: i32,
}

/// One counselor's place in a year's ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingEntry {
    /// Equal scores share a rank; the next score skips the places taken ("1, 2, 2, 4").
    pub rank: i64,
    pub counselor_id: i64,
    pub name: String,
    pub level: CounselorLevel,
    pub town_codes: Vec<String>,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    /// Guidance visits made in that year.
    pub visits: i64,
    /// Trainings taken part in during that year.
    pub trainings: i64,
}

/// A year's ranking, best first.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"year": 2026, "items": [{"rank": 1, "counselor_id": 1, "name": "王辅导", "level": "town", "town_codes": ["500119110"], "score": 92, "rating": "excellent", "reward": "优秀辅导员", "reward_fen": 200000, "visits": 14, "trainings": 2}], "evaluated": 1}))]
pub struct Rankings {
    pub year: i32,
    pub items: Vec<RankingEntry>,
    /// How many counselors were evaluated that year (the ranks count all of them).
    pub evaluated: i64,
}

/// A login for a counselor.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.fudao", "password": "南川 tea hills 2026"}))]
pub struct LoginCreate {
    /// 3–50 characters: letters, digits, `.`, `_`, `-`.
    #[validate(
        length(min = 3, max = 50),
        custom(function = "crate::views::validators::username")
    )]
    #[schema(min_length = 3, max_length = 50)]
    pub username: String,
    /// At least 12 characters, not containing the username, not one of the 10,000 most common
    /// passwords.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

/// The login made for a counselor (the password is never shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoginOut {
    pub user_id: i64,
    pub username: String,
    /// Always `counselor`.
    pub role: Role,
    pub counselor_id: i64,
}
