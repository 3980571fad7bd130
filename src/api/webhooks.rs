//! Webhook subscriptions of partner banks and their delivery log.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::loans::{canonical, idem_abort, idem_open, idem_store, IdemCtx, IdemStart};
use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit::{self, Actor};
use crate::db::models::now;
use crate::db::models::webhooks::{self as m, Delivery, NewWebhook, Webhook};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::webhooks::{check_url, EVENT_TYPES};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_deliveries);
}

fn validate_events(events: &[String]) -> Result<(), ValidationError> {
    match events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        Some(e) => Err(ValidationError::new("unknown_event")
            .with_message(format!("{e} is not an event type ({})", EVENT_TYPES.join(", ")).into())),
        None => Ok(()),
    }
}

/// A subscription to loan events of the caller's bank.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://loans.psbc.example/coophub/events", "events": ["loan.submitted", "loan.repayment_recorded"], "secret": "whsec_5f2b9c0e8a7d4316"}))]
pub struct WebhookCreate {
    /// Where events are POSTed. Loopback and private addresses are refused.
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// Event types: `loan.submitted`, `loan.approved`, `loan.rejected`, `loan.disbursed`,
    /// `loan.repayment_recorded`, `loan.settled`, `loan.overdue`, `loan.defaulted`,
    /// `loan.compensated`.
    #[validate(length(min = 1, max = 9), custom(function = "validate_events"))]
    pub events: Vec<String>,
    /// The key deliveries are signed with (HMAC-SHA256); never shown back.
    #[validate(length(min = 16, max = 200))]
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "url": "https://loans.psbc.example/coophub/events", "events": ["loan.submitted"], "created_at": "2026-11-27T08:00:00Z"}))]
pub struct WebhookOut {
    pub id: i64,
    pub bank_code: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookOut {
    fn from(w: Webhook) -> Self {
        WebhookOut {
            id: w.id,
            events: w.event_list(),
            bank_code: w.bank_code,
            url: w.url,
            created_at: w.created_at.and_utc(),
        }
    }
}

fn bank_of(user: &Caller, access: Access) -> ApiResult<String> {
    user.require(Resource::Webhooks, access)?;
    user.claims
        .bank_code
        .clone()
        .ok_or_else(ApiError::forbidden)
}

/// Subscribe to loan events.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "createWebhook",
    summary = "Subscribe to loan events",
    description = "A partner bank subscribes a URL to loan events of its own bank. Events are written to an outbox in the same transaction as the change and delivered by a background worker, signed with `X-Coophub-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`, retried with exponential backoff until a 2xx. URLs resolving to loopback or private addresses are refused (422) unless `COOPHUB_WEBHOOK_ALLOW_LOOPBACK=1`.",
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body answers the first response again")),
    request_body = WebhookCreate,
    responses(
        (status = 201, description = "Subscribed", body = WebhookOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only bank partners subscribe"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A refused URL, an unknown event type, or a short secret")
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    body: ValidJson<WebhookCreate>,
) -> ApiResult<HttpResponse> {
    let bank = bank_of(&user, Access::Write)?;
    let b = body.0;
    let ctx = match idem_open(&state, &user, &req, canonical(req.path(), &b), false).await? {
        IdemStart::Replay(r) => return Ok(r),
        IdemStart::Go(ctx) => std::sync::Arc::new(ctx),
    };
    let result = subscribe(&state, &user, bank, b, ctx.clone()).await;
    if result.is_err() {
        idem_abort(&state, std::sync::Arc::try_unwrap(ctx).ok().flatten()).await;
    }
    result
}

async fn subscribe(
    state: &AppState,
    user: &Caller,
    bank: String,
    b: WebhookCreate,
    ctx: std::sync::Arc<Option<IdemCtx>>,
) -> ApiResult<HttpResponse> {
    let allow = state.settings.webhook_allow_loopback;
    let raw = b.url.clone();
    // Name resolution blocks: off the async executor.
    let url = web::block(move || check_url(&raw, allow))
        .await?
        .map_err(|msg| ApiError::Validation(vec![FieldError::new("url", "refused", msg)]))?;
    let actor = Actor::from(user);
    let mut events = b.events;
    events.sort();
    events.dedup();
    let out = state
        .db_write(move |conn| {
            let w: WebhookOut = m::insert(
                conn,
                &NewWebhook {
                    bank_code: bank,
                    url: url.to_string(),
                    events: events.join(","),
                    secret: b.secret,
                    active: true,
                    created_at: now(),
                },
            )?
            .into();
            audit::record(
                conn,
                &actor,
                "create",
                "webhook",
                &w.id.to_string(),
                None::<&()>,
                Some(&w),
            )?;
            idem_store(conn, &ctx, 201, &w)?;
            Ok(w)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// List your subscriptions.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhooks",
    summary = "List your webhook subscriptions",
    description = "The caller's bank's active subscriptions (secrets are never shown).",
    params(PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<WebhookOut>),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    user: Caller,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let bank = bank_of(&user, Access::Read)?;
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            let rows = m::list(conn, &bank, page.after, page.limit + 1)?;
            Ok(ListResponse::from_rows(rows, page, None, |w| w.id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list.map(WebhookOut::from)))
}

/// Get a subscription.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "getWebhook",
    summary = "Get a webhook subscription",
    description = "One of the caller's bank's subscriptions; another bank's is 404.",
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's")
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let bank = bank_of(&user, Access::Read)?;
    let id = path.into_inner();
    let w = state.db(move |conn| Ok(m::find(conn, &bank, id)?)).await?;
    Ok(HttpResponse::Ok().json(WebhookOut::from(w)))
}

/// End a subscription.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "deleteWebhook",
    summary = "End a webhook subscription",
    description = "Stops deliveries; pending ones are cancelled. The delivery log stays.",
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's")
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let bank = bank_of(&user, Access::Write)?;
    let id = path.into_inner();
    let actor = Actor::from(&user);
    state
        .db_write(move |conn| {
            let before = WebhookOut::from(m::find(conn, &bank, id)?);
            m::deactivate(conn, id)?;
            audit::record(
                conn,
                &actor,
                "delete",
                "webhook",
                &id.to_string(),
                Some(&before),
                None::<&()>,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "event_id": "5d1c7e0a-3f61-4f7e-9d0b-1c2a3b4c5d6e", "event_type": "loan.approved", "status": "delivered", "attempts": 2, "last_status_code": 200, "last_error": null, "next_attempt_at": "2026-11-27T08:00:10Z", "delivered_at": "2026-11-27T08:00:10Z", "created_at": "2026-11-27T08:00:00Z"}))]
pub struct DeliveryOut {
    pub id: i64,
    /// The event's id: the same on every retry.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` (gave up) or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryOut {
    fn from(d: Delivery) -> Self {
        DeliveryOut {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at.and_utc(),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
            created_at: d.created_at.and_utc(),
        }
    }
}

/// The delivery log of a subscription.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    summary = "A subscription's delivery log",
    description = "Every event queued for this subscription, oldest first, with attempts, the last answer and the next retry.",
    params(("id" = i64, Path, description = "Webhook id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<DeliveryOut>),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let bank = bank_of(&user, Access::Read)?;
    let id = path.into_inner();
    let page = page.page()?;
    let list = state
        .db(move |conn| {
            m::find(conn, &bank, id)?;
            let rows = m::deliveries(conn, id, page.after, page.limit + 1)?;
            Ok(ListResponse::from_rows(rows, page, None, |d| d.id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list.map(DeliveryOut::from)))
}
