//! The audit trail: every change records who, what, when, and the record before and after.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::audit_events;
use crate::db::{Backend, DbConn};

/// Who made a change: a logged-in caller, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub role: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// A user acting for themselves without a token at hand (refresh, logout).
    pub fn of_user(u: &super::user::User, request_id: Option<String>) -> Self {
        Actor {
            user_id: Some(u.id),
            name: u.username.clone(),
            role: u.role.as_str().into(),
            request_id,
        }
    }

    pub fn cli() -> Self {
        Actor {
            user_id: None,
            name: "cli".into(),
            role: "system".into(),
            request_id: None,
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
}

// `None` binds NULL (the column's only default) rather than writing `DEFAULT`: one SQL text
// whatever is empty, so its prepared statement is cached (Diesel prepares an insert with
// `DEFAULT` again every time).
#[derive(Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct NewAuditEvent<'a> {
    occurred_at: NaiveDateTime,
    actor_user_id: Option<i64>,
    actor_username: &'a str,
    actor_role: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<&'a str>,
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Records the creation of many records of one kind in multi-row inserts (a bulk import):
/// one event per `(entity_id, after)`, with no `before`.
pub fn record_created<A: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    created: &[(String, A)],
) -> QueryResult<()> {
    let at = super::now();
    let rows: Vec<NewAuditEvent> = created
        .iter()
        .map(|(id, after)| NewAuditEvent {
            occurred_at: at,
            actor_user_id: actor.user_id,
            actor_username: &actor.name,
            actor_role: &actor.role,
            action,
            entity,
            entity_id: id,
            before_json: None,
            after_json: Some(to_json(after)),
            request_id: actor.request_id.as_deref(),
        })
        .collect();
    // 10 columns × 500 rows stays far below both backends' bind-parameter limits.
    for chunk in rows.chunks(500) {
        crate::on_inner!(conn, |c| diesel::insert_into(audit_events::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Records one change. `before`/`after` are the API representations (never raw ID numbers).
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    let row = NewAuditEvent {
        occurred_at: super::now(),
        actor_user_id: actor.user_id,
        actor_username: &actor.name,
        actor_role: &actor.role,
        action,
        entity,
        entity_id,
        before_json: before.map(to_json),
        after_json: after.map(to_json),
        request_id: actor.request_id.as_deref(),
    };
    crate::on_inner!(conn, |c| diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(c))?;
    Ok(())
}

/// Filters of the audit list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Kinds of record the caller may not read: never listed, whatever the other filters.
    pub hidden_entities: Vec<&'static str>,
}

fn filtered(f: &AuditFilter) -> audit_events::BoxedQuery<'static, Backend> {
    let mut q = audit_events::table.into_boxed::<Backend>();
    if let Some(v) = &f.entity {
        q = q.filter(audit_events::entity.eq(v.clone()));
    }
    if let Some(v) = &f.entity_id {
        q = q.filter(audit_events::entity_id.eq(v.clone()));
    }
    if let Some(v) = &f.actor {
        q = q.filter(audit_events::actor_username.eq(v.clone()));
    }
    if let Some(v) = &f.action {
        q = q.filter(audit_events::action.eq(v.clone()));
    }
    if let Some(v) = f.since {
        q = q.filter(audit_events::occurred_at.ge(v));
    }
    if let Some(v) = f.until {
        q = q.filter(audit_events::occurred_at.lt(v));
    }
    if !f.hidden_entities.is_empty() {
        q = q.filter(audit_events::entity.ne_all(f.hidden_entities.clone()));
    }
    q
}

/// Newest first; `before` is the cursor (ids strictly smaller).
pub fn list(
    conn: &mut DbConn,
    f: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(audit_events::id.lt(b));
    }
    q.order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}
