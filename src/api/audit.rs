//! The audit trail, for the district and observers.

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::ValidQuery;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::audit;
use crate::state::AppState;
use crate::views::audit::{AuditEventOut, AuditFilterParams};
use crate::views::pagination::{ListResponse, PageParams};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
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
        (status = 403, description = "Only the district and observers read the audit trail"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<AuditFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let list = state
        .db(move |conn| audit::list(conn, &caller, &filters, page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
