//! Webhook subscriptions of partner banks and their delivery log.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::api::support::idempotency::{canonical, IdempotencyKey, Keyed};
use crate::auth::{Access, Caller};
use crate::error::{ApiError, ApiResult};
use crate::service::webhooks;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::webhooks::{DeliveryOut, WebhookCreate, WebhookOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(ping)
        .service(retry_delivery);
}

/// Subscribe to loan events.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "createWebhook",
    summary = "Subscribe to loan events",
    description = "A partner bank subscribes a URL to loan events of its own bank. Events are written to an outbox in the same transaction as the change and delivered by a background worker, signed with `X-Coophub-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`, retried with exponential backoff until a 2xx. Every address of the URL's host must be public: loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), 0.0.0.0/8, 100.64/10, 198.18/15, 224/4, 240/4, ::/96, 64:ff9b::/96, 64:ff9b:1::/48, 2001::/32, 2002::/16, fc00::/7, fec0::/10 and ff00::/8 (IPv4-mapped IPv6 by its IPv4 address) are refused with 422 on `url`; `COOPHUB_WEBHOOK_ALLOW_LOOPBACK=1` (development only) admits loopback and nothing else. The worker resolves the host again on every attempt and connects only to the addresses it checked. A bank holds at most 10 active subscriptions: the 11th is 409.",
    params(IdempotencyKey),
    request_body = WebhookCreate,
    responses(
        (status = 201, description = "Subscribed", body = WebhookOut),
        (status = 403, description = "Only bank partners subscribe"),
        (status = 409, description = "The bank already has 10 active subscriptions (end one first)"),
        (status = 422, description = "A refused URL (not public, does not resolve, not http(s), credentials in it), an unknown event type, or a short secret")
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: ValidJson<WebhookCreate>,
) -> ApiResult<HttpResponse> {
    webhooks::bank_of(&caller, Access::Write)?;
    let b = body.0;
    let keyed = Keyed::of(&caller, &req, canonical(req.path(), &b), false)?;
    let allow = state.settings.webhook_allow_loopback;
    let raw = b.url.clone();
    // Name resolution blocks: off the async executor, and outside the write transaction.
    // Its verdict counts only when the key is new: a replay answers the first response.
    let checked = web::block(move || webhooks::check_url(&raw, allow))
        .await
        .map_err(ApiError::from)
        .and_then(|r| r);
    Ok(keyed
        .run(&state, 201, move |conn| {
            webhooks::create(conn, &caller, checked?, b)
        })
        .await?
        .respond(|out| HttpResponse::Created().json(out)))
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
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let list = state
        .db(move |conn| webhooks::list(conn, &caller, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
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
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's")
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db(move |conn| webhooks::get(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// End a subscription.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "deleteWebhook",
    summary = "End a webhook subscription",
    description = "Stops deliveries; pending ones are cancelled, including one being sent at that moment, which is not retried. The delivery log stays.",
    params(("id" = i64, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's")
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .db_write(move |conn| webhooks::delete(conn, &caller, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of a subscription.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "listWebhookDeliveries",
    summary = "A subscription's delivery log",
    description = "Every event queued for this subscription, oldest first, with attempts, the last answer and the next retry. A failed attempt's `last_error` is one word: `refused` (the host's address is not public, nothing was sent), `unreachable` (no connection or TLS session), `timeout` (no answer within 10 s) or `non-2xx` (the code is in `last_status_code`). Deliveries are sent concurrently, at most 2 at once per subscription, so a slow endpoint delays only its own deliveries.",
    params(("id" = i64, Path, description = "Webhook id"), PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<DeliveryOut>),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| webhooks::deliveries(conn, &caller, id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Send a ping.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "pingWebhook",
    summary = "Send a signed ping event now",
    description = "Queues a `ping` event (`{\"id\",\"type\":\"ping\",\"created_at\",\"data\":{\"webhook_id\",\"bank_code\"}}`, signed like every delivery) for this subscription, whatever events it asked for; the worker sends it at once. Answers the delivery, whose log shows the outcome.",
    params(("id" = i64, Path, description = "Webhook id"), IdempotencyKey),
    responses(
        (status = 202, description = "Queued", body = DeliveryOut),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription, or another bank's")
    )
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    webhooks::bank_of(&caller, Access::Write)?;
    let id = path.into_inner();
    let request = canonical(req.path(), &serde_json::json!({}));
    let keyed = Keyed::of(&caller, &req, request, false)?;
    Ok(keyed
        .run(&state, 202, move |conn| webhooks::ping(conn, &caller, id))
        .await?
        .respond(|out| HttpResponse::Accepted().json(out)))
}

/// Retry a failed delivery.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "retryWebhookDelivery",
    summary = "Re-queue a failed delivery",
    description = "A delivery the worker gave up on (`failed`, after 15 attempts) goes back to `pending`, due now, with its attempts counted afresh and the same event id and body. Any other status → 409.",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id"), IdempotencyKey),
    responses(
        (status = 202, description = "Re-queued", body = DeliveryOut),
        (status = 403, description = "Only bank partners have webhooks"),
        (status = 404, description = "No such subscription or delivery, or another bank's"),
        (status = 409, description = "The delivery is not failed")
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    webhooks::bank_of(&caller, Access::Write)?;
    let (id, did) = path.into_inner();
    let request = canonical(req.path(), &serde_json::json!({}));
    let keyed = Keyed::of(&caller, &req, request, false)?;
    Ok(keyed
        .run(&state, 202, move |conn| {
            webhooks::retry(conn, &caller, id, did)
        })
        .await?
        .respond(|out| HttpResponse::Accepted().json(out)))
}
