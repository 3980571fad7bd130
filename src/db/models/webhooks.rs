//! Webhook subscriptions and the outbox of deliveries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::{Backend, DbConn};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: i64,
    pub bank_code: String,
    pub url: String,
    /// Event types, comma-separated.
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

impl Webhook {
    pub fn event_list(&self) -> Vec<String> {
        self.events
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Insertable)]
#[diesel(table_name = webhooks)]
pub struct NewWebhook {
    pub bank_code: String,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, w: &NewWebhook) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values(w)
        .get_result(conn)
}

/// A subscription of this bank (another bank's is `NotFound`).
pub fn find(conn: &mut DbConn, bank: &str, id: i64) -> QueryResult<Webhook> {
    webhooks::table
        .filter(webhooks::id.eq(id))
        .filter(webhooks::bank_code.eq(bank.to_string()))
        .filter(webhooks::active.eq(true))
        .select(Webhook::as_select())
        .first(conn)
}

pub fn list(
    conn: &mut DbConn,
    bank: &str,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Webhook>> {
    let mut q = webhooks::table
        .filter(webhooks::bank_code.eq(bank.to_string()))
        .filter(webhooks::active.eq(true))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(webhooks::id.gt(a));
    }
    q.order(webhooks::id.asc())
        .limit(limit)
        .select(Webhook::as_select())
        .load(conn)
}

/// Ends a subscription; its pending deliveries are cancelled.
pub fn deactivate(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(id)))
        .set(webhooks::active.eq(false))
        .execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set(webhook_deliveries::status.eq("cancelled"))
    .execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    pub webhook_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Writes an event into the outbox: one pending delivery, due at `at`, for each of `bank`'s
/// active subscriptions to `event_type`, in one statement; how many.
pub fn enqueue_subscribed(
    conn: &mut DbConn,
    bank: &str,
    event_type: &str,
    event_id: &str,
    payload: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let pattern = crate::db::fragments::like_pattern(&format!(",{event_type},"));
    let insert = crate::db::hot_sql::EnqueueEvent {
        bank,
        pattern: &pattern,
        event_id,
        event_type,
        payload,
        pending: "pending",
        at,
    };
    crate::on_inner!(conn, |c| insert.execute(c))
}

/// Deliveries due now of active subscriptions, oldest first, leaving out the subscriptions
/// in `skip` (those with as many deliveries in flight as they may have).
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    skip: &[i64],
    limit: i64,
) -> QueryResult<Vec<(Delivery, Webhook)>> {
    let mut q = webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhooks::active.eq(true))
        .into_boxed::<Backend>();
    if !skip.is_empty() {
        q = q.filter(webhook_deliveries::webhook_id.ne_all(skip.to_vec()));
    }
    q.order((
        webhook_deliveries::next_attempt_at.asc(),
        webhook_deliveries::id.asc(),
    ))
    .limit(limit)
    .select((Delivery::as_select(), Webhook::as_select()))
    .load(conn)
}

/// Takes a due delivery for one attempt: moves its next attempt to `lease_until`, only if no
/// other worker did so first. A worker that dies mid-attempt leaves it due again at the end
/// of the lease.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    seen_next: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.eq(seen_next)),
    )
    .set(webhook_deliveries::next_attempt_at.eq(lease_until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records the outcome of one attempt. A delivery cancelled while it was in flight (its
/// subscription was ended) keeps `cancelled`: the attempt is logged, nothing is re-queued.
#[allow(clippy::too_many_arguments)]
pub fn record_attempt(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    code: Option<i32>,
    error: Option<String>,
    delivered_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let pending = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::attempts.eq(attempts),
        webhook_deliveries::next_attempt_at.eq(next_attempt_at),
        webhook_deliveries::last_status_code.eq(code),
        webhook_deliveries::last_error.eq(error.clone()),
        webhook_deliveries::delivered_at.eq(delivered_at),
    ))
    .execute(conn)?;
    if pending == 0 {
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq(id)))
            .set((
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::last_status_code.eq(code),
                webhook_deliveries::last_error.eq(error),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many active subscriptions the bank has.
pub fn count_active(conn: &mut DbConn, bank: &str) -> QueryResult<i64> {
    webhooks::table
        .filter(webhooks::bank_code.eq(bank.to_string()))
        .filter(webhooks::active.eq(true))
        .count()
        .get_result(conn)
}

pub fn deliveries(
    conn: &mut DbConn,
    webhook_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(webhook_deliveries::id.gt(a));
    }
    q.order(webhook_deliveries::id.asc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

/// The outbox by delivery status (`pending`, `delivered`, `failed`, `cancelled`), for metrics.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    webhook_deliveries::table
        .group_by(webhook_deliveries::status)
        .select((webhook_deliveries::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Queues one event for one subscription (a `ping`), whatever events it asked for.
pub fn enqueue_for(
    conn: &mut DbConn,
    webhook_id: i64,
    event_type: &str,
    event_id: &str,
    payload: &str,
    at: NaiveDateTime,
) -> QueryResult<Delivery> {
    diesel::insert_into(webhook_deliveries::table)
        .values(NewDelivery {
            webhook_id,
            event_id: event_id.to_string(),
            event_type: event_type.to_string(),
            payload: payload.to_string(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
        })
        .get_result(conn)
}

/// One delivery of a subscription.
pub fn delivery(conn: &mut DbConn, webhook_id: i64, id: i64) -> QueryResult<Delivery> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .filter(webhook_deliveries::id.eq(id))
        .select(Delivery::as_select())
        .first(conn)
}

/// Puts a `failed` delivery back in the queue, due now, with a fresh count of attempts
/// (`false` when it was not failed).
pub fn requeue(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("failed")),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Serialises the check of a bank's subscription cap with the insert that relies on it.
/// PostgreSQL: a transaction-scoped advisory lock; SQLite's `BEGIN IMMEDIATE` already
/// serialises writers.
pub fn lock_subscriptions(conn: &mut DbConn) -> QueryResult<()> {
    /// The lock's key: "WEBHOOKS" in ASCII.
    const WEBHOOK_LOCK: i64 = 0x5745_4248_4f4f_4b53;
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({WEBHOOK_LOCK})")).execute(c)?;
    }
    Ok(())
}
