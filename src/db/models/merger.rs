//! The queries a merger needs on the federation tables beyond `federation`'s own: the
//! memberships and federations as the merger plan reads them (typed), moving a membership to
//! the absorbing cooperative and handing it the lead.

use diesel::prelude::*;

use crate::db::schema::{federation_members, federations};
use crate::db::DbConn;
use crate::domain::federation::{FederationKind, FederationStatus, MemberRole};
use crate::domain::merger::{Federation, Membership};

/// A cooperative's federation memberships, in id order.
pub fn memberships_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<Membership>> {
    #[derive(Queryable, Selectable)]
    #[diesel(table_name = federation_members)]
    struct Row {
        id: i64,
        federation_id: i64,
        role: MemberRole,
    }
    Ok(federation_members::table
        .filter(federation_members::cooperative_id.eq(cooperative_id))
        .order(federation_members::id.asc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| Membership {
            id: r.id,
            federation_id: r.federation_id,
            role: r.role,
        })
        .collect())
}

/// The federations with these ids, with their member cooperatives counted.
pub fn federations(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Federation>> {
    #[derive(Queryable, Selectable)]
    #[diesel(table_name = federations)]
    struct Row {
        id: i64,
        kind: FederationKind,
        status: FederationStatus,
    }
    let rows: Vec<Row> = federations::table
        .filter(federations::id.eq_any(ids))
        .order(federations::id.asc())
        .select(Row::as_select())
        .load(conn)?;
    let stats = super::federation::member_stats(conn, ids)?;
    Ok(rows
        .into_iter()
        .map(|r| Federation {
            id: r.id,
            kind: r.kind,
            status: r.status,
            cooperatives: stats.get(&r.id).map(|s| s.cooperatives).unwrap_or(0),
        })
        .collect())
}

/// Hands a membership to cooperative `into` (named `name` in the federation's list).
pub fn move_membership(
    conn: &mut DbConn,
    membership_id: i64,
    into: i64,
    name: &str,
) -> QueryResult<usize> {
    diesel::update(federation_members::table.filter(federation_members::id.eq(membership_id)))
        .set((
            federation_members::cooperative_id.eq(Some(into)),
            federation_members::name.eq(name),
        ))
        .execute(conn)
}

/// Makes a membership the federation's lead.
pub fn make_lead(conn: &mut DbConn, membership_id: i64) -> QueryResult<usize> {
    diesel::update(federation_members::table.filter(federation_members::id.eq(membership_id)))
        .set(federation_members::role.eq(MemberRole::Lead))
        .execute(conn)
}
