//! The audit trail, read back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::audit::{AuditEvent, AuditFilter};

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12,
    "occurred_at": "2026-11-27T08:00:00.123456Z",
    "actor_user_id": 1,
    "actor_username": "admin",
    "actor_role": "district_admin",
    "action": "update",
    "entity": "cooperative",
    "entity_id": "1",
    "before": {"phone": "13812345678", "version": 1},
    "after": {"phone": "13900001111", "version": 2},
    "request_id": "5f0c7c1e-3f5e-4d3a-9d55-0b7f2f1c9a10"
}))]
pub struct AuditEventOut {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    /// `create`, `update`, `delete` or a named action such as `submit`.
    pub action: String,
    /// The kind of record (`cooperative`, `member`, …).
    pub entity: String,
    pub entity_id: String,
    /// The record before the change (`null` on create).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The record after the change (`null` on delete).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEventOut {
            id: e.id,
            occurred_at: e.occurred_at.and_utc(),
            actor_user_id: e.actor_user_id,
            actor_username: e.actor_username,
            actor_role: e.actor_role,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: parse(e.before_json),
            after: parse(e.after_json),
            request_id: e.request_id,
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilterParams {
    /// The kind of record, e.g. `cooperative`.
    pub entity: Option<String>,
    /// The record's id (with `entity`).
    pub entity_id: Option<String>,
    /// The username of whoever made the change.
    pub actor: Option<String>,
    /// The action, e.g. `update`.
    pub action: Option<String>,
    /// Changes at or after this instant (RFC 3339, years 0001 to 9999).
    #[validate(custom(function = "crate::views::validators::instant"))]
    pub since: Option<DateTime<Utc>>,
    /// Changes before this instant (RFC 3339, years 0001 to 9999).
    #[validate(custom(function = "crate::views::validators::instant"))]
    pub until: Option<DateTime<Utc>>,
}

impl AuditFilterParams {
    pub fn to_filter(&self) -> AuditFilter {
        AuditFilter {
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            since: self.since.map(|t| t.naive_utc()),
            until: self.until.map(|t| t.naive_utc()),
            hidden_entities: Vec::new(),
        }
    }
}
