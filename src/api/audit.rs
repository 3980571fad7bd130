//! The audit trail, for the district and observers.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::api::support::extract::ValidQuery;
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, AuditEvent, AuditFilter};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

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
    /// Changes at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Changes before this instant (RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

/// List audit events.
#[utoipa::path(
    tag = "audit",
    operation_id = "listAuditEvents",
    summary = "List recorded changes, newest first",
    description = "Every recorded change (who, what, when, the record before and after, the request id), newest first. For the district and observers.",
    params(AuditFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of events, newest first", body = ListResponse<AuditEventOut>),
        (status = 400, description = "A query parameter has the wrong type"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district and observers read the audit trail"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<AuditFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::AuditEvents, Access::Read)?;
    let page = page.page()?;
    let f = filters.0;
    let filter = AuditFilter {
        entity: f.entity,
        entity_id: f.entity_id,
        actor: f.actor,
        action: f.action,
        since: f.since.map(|t| t.naive_utc()),
        until: f.until.map(|t| t.naive_utc()),
    };
    let list = state
        .db(move |conn| {
            let rows = audit::list(conn, &filter, page.after, page.limit + 1)?;
            let total = if page.count {
                Some(audit::count(conn, &filter)?)
            } else {
                None
            };
            Ok(ListResponse::from_rows(rows, page, total, |e| e.id).map(AuditEventOut::from))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
