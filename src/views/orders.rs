//! The service center (服务中心): catalogue, orders, ratings.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::service::{OrderFilter, ServiceOrder, ServiceType};
use crate::domain::service_order::OrderStatus;

/// A service the center offers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "ecommerce", "name": "电商服务（邮乐网）", "free": false, "price_fen": 20000, "provider": "中国邮政", "active": true}))]
pub struct ServiceTypeOut {
    pub code: String,
    pub name: String,
    /// Public-welfare (free) service.
    pub free: bool,
    /// The list price in fen (0 when free).
    pub price_fen: i64,
    /// The partner that provides it (e.g. China Post), if not the center itself.
    pub provider: Option<String>,
    /// Whether new orders may be placed.
    pub active: bool,
}

impl From<ServiceType> for ServiceTypeOut {
    fn from(t: ServiceType) -> Self {
        ServiceTypeOut {
            code: t.code,
            name: t.name,
            free: t.free,
            price_fen: t.price_fen,
            provider: t.provider,
            active: t.active,
        }
    }
}

fn validate_code(code: &str) -> Result<(), validator::ValidationError> {
    if !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("lower-case letters, digits and underscores, at most 40".into()))
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "cold_chain", "name": "冷链仓储", "free": false, "price_fen": 50000, "provider": null}))]
pub struct ServiceTypeCreate {
    #[validate(custom(function = "validate_code"))]
    pub code: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub free: bool,
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub price_fen: i64,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub provider: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_fen": 25000}))]
pub struct ServiceTypePatch {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub free: Option<bool>,
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub price_fen: Option<i64>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub provider: Option<String>,
    pub active: Option<bool>,
}

/// A cooperative's rating of a completed order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingOut {
    pub score: i32,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// A service order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "cooperative_id": 1, "service_type": "bookkeeping", "description": "2026年度代理记账",
    "status": "completed", "placed_by": "jinshan", "assignee": "服务中心-王会计", "fee_fen": 120000,
    "result_note": "已完成全年账务", "cancel_reason": null, "rating": {"score": 5, "comment": "很专业", "rated_at": "2026-11-20T08:00:00Z"},
    "placed_at": "2026-01-05T08:00:00Z", "accepted_at": "2026-01-06T08:00:00Z", "started_at": "2026-01-07T08:00:00Z",
    "completed_at": "2026-11-18T08:00:00Z", "cancelled_at": null, "version": 5
}))]
pub struct OrderOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub service_type: String,
    pub description: String,
    pub status: OrderStatus,
    /// Who placed the order (username).
    pub placed_by: String,
    /// The staff member working on it.
    pub assignee: Option<String>,
    /// The fee actually charged, in fen (set on completion).
    pub fee_fen: Option<i64>,
    pub result_note: Option<String>,
    pub cancel_reason: Option<String>,
    pub rating: Option<RatingOut>,
    pub placed_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub version: i32,
}

fn utc(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.and_utc())
}

impl From<ServiceOrder> for OrderOut {
    fn from(o: ServiceOrder) -> Self {
        OrderOut {
            id: o.id,
            cooperative_id: o.cooperative_id,
            service_type: o.service_type,
            description: o.description,
            status: o.status,
            placed_by: o.placed_by,
            assignee: o.assignee,
            fee_fen: o.fee_fen,
            result_note: o.result_note,
            cancel_reason: o.cancel_reason,
            rating: match (o.rating_score, o.rated_at) {
                (Some(score), Some(at)) => Some(RatingOut {
                    score,
                    comment: o.rating_comment,
                    rated_at: at.and_utc(),
                }),
                _ => None,
            },
            placed_at: o.placed_at.and_utc(),
            accepted_at: utc(o.accepted_at),
            started_at: utc(o.started_at),
            completed_at: utc(o.completed_at),
            cancelled_at: utc(o.cancelled_at),
            version: o.version,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "service_type": "bookkeeping", "description": "2026年度代理记账"}))]
pub struct OrderCreate {
    pub cooperative_id: i64,
    /// A code of `GET /api/v1/service-types`.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub service_type: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilterParams {
    pub service_type: Option<String>,
    pub status: Option<OrderStatus>,
    pub cooperative_id: Option<i64>,
    pub town_code: Option<String>,
    pub assignee: Option<String>,
}

impl OrderFilterParams {
    /// The query's filter; `open_only` for the work queue.
    pub fn to_filter(&self, open_only: bool) -> OrderFilter {
        OrderFilter {
            service_type: self.service_type.clone(),
            status: self.status,
            cooperative_id: self.cooperative_id,
            town_code: self.town_code.clone(),
            assignee: self.assignee.clone(),
            open_only,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"assignee": "服务中心-王会计"}))]
pub struct AcceptIn {
    /// The staff member who takes the order.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"fee_fen": 120000, "result_note": "已完成全年账务"}))]
pub struct CompleteIn {
    /// The fee actually charged, in fen: required for paid services, 0 or absent for free ones.
    #[validate(range(min = 0, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 0, maximum = 10_000_000_000_000_i64)]
    pub fee_fen: Option<i64>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub result_note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "合作社已自行办理"}))]
pub struct CancelIn {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"score": 5, "comment": "很专业"}))]
pub struct RatingIn {
    /// 1 (poor) to 5 (excellent).
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub score: i32,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}
