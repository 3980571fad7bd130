//! Webhook subscriptions of partner banks (their own bank's loan events) and their delivery
//! log. Delivery itself is the worker's (`crate::webhooks`).

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::now;
use crate::db::models::webhooks::{self as m, NewWebhook};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::webhooks::{DeliveryOut, WebhookCreate, WebhookOut};
use crate::webhooks::MAX_WEBHOOKS_PER_BANK;

/// The caller's bank, whose subscriptions it manages (403 for roles without webhooks or
/// without a bank).
pub fn bank_of(caller: &Caller, access: Access) -> ApiResult<String> {
    caller.require(Resource::Webhooks, access)?;
    caller
        .claims
        .bank_code
        .clone()
        .ok_or_else(ApiError::forbidden)
}

/// The URL deliveries go to, unless it is refused (any address of the host outside the
/// public internet, loopback excepted with `allow_loopback`): 422 on `url`. Resolves the
/// name, so it blocks.
pub fn check_url(raw: &str, allow_loopback: bool) -> ApiResult<url::Url> {
    crate::webhooks::check_url(raw, allow_loopback)
        .map_err(|msg| ApiError::Validation(vec![FieldError::new("url", "refused", msg)]))
}

/// Subscribes the caller's bank to `b.events` at `url` (already checked). A bank holds at
/// most `MAX_WEBHOOKS_PER_BANK` active subscriptions: 409 beyond.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    url: url::Url,
    b: WebhookCreate,
) -> ApiResult<WebhookOut> {
    let bank = bank_of(caller, Access::Write)?;
    // Count and insert under one lock, so two concurrent subscriptions cannot both pass the cap.
    m::lock_subscriptions(conn)?;
    if m::count_active(conn, &bank)? >= MAX_WEBHOOKS_PER_BANK {
        return Err(ApiError::Conflict(format!(
            "the bank already has {MAX_WEBHOOKS_PER_BANK} webhook subscriptions, the most it may \
             have; end one first"
        )));
    }
    let mut events = b.events;
    events.sort();
    events.dedup();
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
        &caller.actor(),
        "create",
        "webhook",
        &w.id.to_string(),
        None::<&()>,
        Some(&w),
    )?;
    Ok(w)
}

/// One page of the bank's active subscriptions.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    page: &PageParams,
) -> ApiResult<ListResponse<WebhookOut>> {
    let bank = bank_of(caller, Access::Read)?;
    let page = page.page()?;
    let rows = m::list(conn, &bank, page.after, page.limit + 1)?;
    Ok(ListResponse::from_rows(rows, page, None, |w| w.id).map(WebhookOut::from))
}

/// One of the bank's subscriptions (another bank's is 404).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<WebhookOut> {
    let bank = bank_of(caller, Access::Read)?;
    Ok(m::find(conn, &bank, id)?.into())
}

/// Ends a subscription; its pending deliveries are cancelled, the log stays.
pub fn delete(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<()> {
    let bank = bank_of(caller, Access::Write)?;
    let before = WebhookOut::from(m::find(conn, &bank, id)?);
    m::deactivate(conn, id)?;
    audit::record(
        conn,
        &caller.actor(),
        "delete",
        "webhook",
        &id.to_string(),
        Some(&before),
        None::<&()>,
    )?;
    Ok(())
}

/// One page of a subscription's delivery log, oldest first.
pub fn deliveries(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<DeliveryOut>> {
    let bank = bank_of(caller, Access::Read)?;
    let page = page.page()?;
    m::find(conn, &bank, id)?;
    let rows = m::deliveries(conn, id, page.after, page.limit + 1)?;
    Ok(ListResponse::from_rows(rows, page, None, |d| d.id).map(DeliveryOut::from))
}

/// Sends a signed `ping` event to one of the bank's subscriptions now (queued for the worker
/// like any event, whatever events the subscription asked for).
pub fn ping(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<DeliveryOut> {
    let bank = bank_of(caller, Access::Write)?;
    let hook = m::find(conn, &bank, id)?;
    let at = now();
    let event_id = uuid::Uuid::new_v4().to_string();
    let data = serde_json::json!({"webhook_id": hook.id, "bank_code": bank});
    let body = serde_json::to_string(&crate::webhooks::Envelope {
        id: &event_id,
        type_: "ping",
        created_at: at.and_utc(),
        data: &data,
    })
    .map_err(ApiError::internal)?;
    Ok(m::enqueue_for(conn, hook.id, "ping", &event_id, &body, at)?.into())
}

/// Re-queues a delivery that was given up (`failed`): due now, attempts counted afresh, the
/// same event id and body. Any other status → 409.
pub fn retry(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    delivery_id: i64,
) -> ApiResult<DeliveryOut> {
    let bank = bank_of(caller, Access::Write)?;
    m::find(conn, &bank, id)?;
    let d = m::delivery(conn, id, delivery_id)?;
    if !m::requeue(conn, delivery_id, now())? {
        return Err(ApiError::Conflict(format!(
            "the delivery is {}; only a failed delivery is retried",
            d.status
        )));
    }
    audit::record(
        conn,
        &caller.actor(),
        "retry",
        "webhook_delivery",
        &delivery_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"webhook_id": id, "event_id": d.event_id})),
    )?;
    Ok(m::delivery(conn, id, delivery_id)?.into())
}
