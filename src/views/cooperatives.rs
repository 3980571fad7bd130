//! The cooperative registry's request and response shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::db::models::cooperative::{CoopFilter, Cooperative};
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};

fn validate_codes(codes: &[String]) -> Result<(), ValidationError> {
    if codes.iter().any(|c| c.trim().is_empty()) {
        return Err(
            ValidationError::new("blank").with_message("industry codes must not be blank".into())
        );
    }
    Ok(())
}

/// A new cooperative for the registry.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "南川区金山镇古树茶专业合作社",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "industry_codes": ["ancient_tree_tea"],
    "legal_representative": "张三",
    "phone": "13812345678",
    "established_on": "2015-03-18",
    "registered_capital_fen": 50000000,
    "address": "金山镇金山村3组",
    "business_scope": "组织收购、销售成员种植的茶叶"
}))]
pub struct CooperativeCreate {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Unified Social Credit Code: 18 characters, starting `93` and the region code.
    #[schema(example = "93500119MA5U7K3L78")]
    pub uscc: String,
    /// A town code of `GET /api/v1/towns`.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub town_code: String,
    /// At least one industry code of `GET /api/v1/industries`.
    #[validate(length(min = 1, max = 12), custom(function = "validate_codes"))]
    #[schema(min_items = 1, max_items = 12)]
    pub industry_codes: Vec<String>,
    /// The legal representative (理事长), by name.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub legal_representative: String,
    /// A mobile number: 11 digits starting with 1, optionally `+86`.
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: String,
    /// Date of registration; not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub established_on: NaiveDate,
    /// Registered capital in fen (分).
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub registered_capital_fen: i64,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub business_scope: Option<String>,
}

/// Changes to a cooperative; absent fields stay as they are. A cooperative's own account may
/// change only its contact fields (`phone`, `address`).
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "+86 139 0000 1111", "address": "金山镇金山村5组"}))]
pub struct CooperativePatch {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub uscc: Option<String>,
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub town_code: Option<String>,
    #[validate(length(min = 1, max = 12), custom(function = "validate_codes"))]
    #[schema(min_items = 1, max_items = 12)]
    pub industry_codes: Option<Vec<String>>,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub legal_representative: Option<String>,
    #[validate(custom(function = "crate::views::validators::phone"))]
    #[schema(pattern = r"^[ -]*(\+[ -]*8[ -]*6[ -]*)?1([ -]*[0-9]){10}[ -]*$")]
    pub phone: Option<String>,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub established_on: Option<NaiveDate>,
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub registered_capital_fen: Option<i64>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub business_scope: Option<String>,
}

impl CooperativePatch {
    /// The fields set in this patch that are not contact fields.
    pub fn non_contact_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |set: bool, name| {
            if set {
                v.push(name)
            }
        };
        add(self.name.is_some(), "name");
        add(self.uscc.is_some(), "uscc");
        add(self.town_code.is_some(), "town_code");
        add(self.industry_codes.is_some(), "industry_codes");
        add(self.legal_representative.is_some(), "legal_representative");
        add(self.established_on.is_some(), "established_on");
        add(
            self.registered_capital_fen.is_some(),
            "registered_capital_fen",
        );
        add(self.business_scope.is_some(), "business_scope");
        v
    }
}

/// A cooperative in the registry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1,
    "name": "南川区金山镇古树茶专业合作社",
    "uscc": "93500119MA5U7K3L78",
    "town_code": "500119110",
    "industry_codes": ["ancient_tree_tea"],
    "legal_representative": "张三",
    "phone": "13812345678",
    "established_on": "2015-03-18",
    "registered_capital_fen": 50000000,
    "address": "金山镇金山村3组",
    "business_scope": "组织收购、销售成员种植的茶叶",
    "status": "active",
    "tier": null,
    "demonstration_level": null,
    "version": 1,
    "created_at": "2026-11-27T08:00:00Z",
    "updated_at": "2026-11-27T08:00:00Z",
    "merged_into_id": null,
    "members": {"active": 12, "by_type": {"farmer": 11, "enterprise": 1}, "total_contribution_fen": 1200000}
}))]
pub struct CooperativeOut {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub town_code: String,
    pub industry_codes: Vec<String>,
    pub legal_representative: String,
    pub phone: String,
    pub established_on: NaiveDate,
    pub registered_capital_fen: i64,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub status: CoopStatus,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    /// Increases with every change; sent as the `ETag`.
    pub version: i32,
    #[serde(serialize_with = "crate::views::instant::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::views::instant::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// The cooperative this one was merged into (when `status` is `merged`).
    pub merged_into_id: Option<i64>,
    /// The current members, counted by type, and their total contributions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<MemberSummary>,
}

/// Current members by type and their capital contributions.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({"active": 12, "by_type": {"farmer": 11, "enterprise": 1}, "total_contribution_fen": 1200000}))]
pub struct MemberSummary {
    /// Members who have not exited.
    pub active: i64,
    /// Current members per member type.
    pub by_type: std::collections::BTreeMap<String, i64>,
    /// Their contributions, in fen.
    pub total_contribution_fen: i64,
}

impl CooperativeOut {
    pub fn new(c: Cooperative, industry_codes: Vec<String>) -> Self {
        CooperativeOut {
            id: c.id,
            name: c.name,
            uscc: c.uscc,
            town_code: c.town_code,
            industry_codes,
            legal_representative: c.legal_representative,
            phone: c.phone,
            established_on: c.established_on,
            registered_capital_fen: c.registered_capital_fen,
            address: c.address,
            business_scope: c.business_scope,
            status: c.status,
            tier: c.tier,
            demonstration_level: c.demonstration_level,
            version: c.version,
            created_at: c.created_at.and_utc(),
            updated_at: c.updated_at.and_utc(),
            merged_into_id: c.merged_into_id,
            members: None,
        }
    }
}

/// Filters of the cooperative list (and its exports).
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CooperativeFilterParams {
    /// Only this town.
    pub town_code: Option<String>,
    /// Only cooperatives working in this industry code.
    pub industry: Option<String>,
    pub status: Option<CoopStatus>,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    /// Part of the name or of the USCC.
    #[validate(length(max = 100))]
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// A worklist: only cooperatives failing **any** of these compliance checks today
    /// (comma-separated: `min_members`, `farmer_share`, `non_farmer_cap`, `governance`,
    /// `charter`, `surplus_return`, `annual_report`, `annual_assembly`, `representation`).
    /// The checks are computed, not stored: a page examines at most 2,000 cooperatives and may
    /// hold fewer than `limit` items with a `next_cursor` to follow; `count` is not answered.
    #[validate(length(max = 300))]
    #[param(max_length = 300, example = "farmer_share,annual_report")]
    pub compliance_failing: Option<String>,
}

impl CooperativeFilterParams {
    pub fn to_filter(&self) -> CoopFilter {
        CoopFilter {
            town_code: self.town_code.clone(),
            industry: self.industry.clone(),
            status: self.status,
            tier: self.tier,
            demonstration_level: self.demonstration_level,
            q: self.q.clone(),
        }
    }
}
