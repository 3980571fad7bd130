//! Counselors' coverage of towns and federations' industry and status over time, for the
//! dashboard's as-of figures (`?on=`).
//!
//! Both are kept as periods `[valid_from, valid_to)`, open (`valid_to` empty) while they
//! hold: a counselor covers a town while the town is among its `counselor_towns` and it is
//! active; a federation has the industry and status of its `federations` row. Each writer
//! calls [`sync_counselor`] or [`sync_federation`] with the state after its change, in the
//! same transaction: what changed is closed on that day and what began is opened. A period
//! that would hold no whole day (opened and closed the same day) leaves no row.
//!
//! On a day `on`, the periods in force are those with `valid_from ≤ on` and no `valid_to`
//! or `valid_to > on`; today that is exactly the open ones, so one query serves today and
//! every past day (a district has tens of counselors and federations, not thousands).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{counselor_town_periods, federation_states, federations};
use crate::db::DbConn;
use crate::domain::federation::{FederationKind, FederationStatus};

/// Closes a period on `on`: it ends there, or, begun that day or later, leaves no row.
fn close_period(conn: &mut DbConn, id: i64, from: NaiveDate, on: NaiveDate) -> QueryResult<()> {
    if from >= on {
        diesel::delete(counselor_town_periods::table.filter(counselor_town_periods::id.eq(id)))
            .execute(conn)?;
    } else {
        diesel::update(counselor_town_periods::table.filter(counselor_town_periods::id.eq(id)))
            .set(counselor_town_periods::valid_to.eq(Some(on)))
            .execute(conn)?;
    }
    Ok(())
}

/// Brings counselor `id`'s open periods in line with its state after a change made on `on`:
/// one open period per town it covers while `active`, none while inactive.
pub fn sync_counselor(
    conn: &mut DbConn,
    id: i64,
    active: bool,
    towns: &[String],
    on: NaiveDate,
) -> QueryResult<()> {
    let open: Vec<(i64, String, NaiveDate)> = counselor_town_periods::table
        .filter(counselor_town_periods::counselor_id.eq(id))
        .filter(counselor_town_periods::valid_to.is_null())
        .select((
            counselor_town_periods::id,
            counselor_town_periods::town_code,
            counselor_town_periods::valid_from,
        ))
        .load(conn)?;
    let wanted: BTreeSet<&str> = if active {
        towns.iter().map(String::as_str).collect()
    } else {
        BTreeSet::new()
    };
    let mut held = BTreeSet::new();
    for (period, town, from) in &open {
        if wanted.contains(town.as_str()) && held.insert(town.as_str()) {
            continue;
        }
        close_period(conn, *period, *from, on)?;
    }
    for town in wanted.difference(&held) {
        diesel::insert_into(counselor_town_periods::table)
            .values((
                counselor_town_periods::counselor_id.eq(id),
                counselor_town_periods::town_code.eq(town.to_string()),
                counselor_town_periods::valid_from.eq(on),
                counselor_town_periods::valid_to.eq(None::<NaiveDate>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every (counselor, town) covering on `on`.
pub fn covering_on(conn: &mut DbConn, on: NaiveDate) -> QueryResult<Vec<(i64, String)>> {
    counselor_town_periods::table
        .filter(counselor_town_periods::valid_from.le(on))
        .filter(
            counselor_town_periods::valid_to
                .is_null()
                .or(counselor_town_periods::valid_to.gt(on)),
        )
        .order((
            counselor_town_periods::town_code,
            counselor_town_periods::counselor_id,
        ))
        .select((
            counselor_town_periods::counselor_id,
            counselor_town_periods::town_code,
        ))
        .load(conn)
}

/// Brings federation `id`'s open state in line with its industry and status after a change
/// made on `on`: unchanged, nothing is written; else the open state ends on `on` (or, begun
/// that day, is dropped) and the new one opens.
pub fn sync_federation(
    conn: &mut DbConn,
    id: i64,
    industry_code: &str,
    status: FederationStatus,
    on: NaiveDate,
) -> QueryResult<()> {
    let open: Vec<(i64, NaiveDate, String, FederationStatus)> = federation_states::table
        .filter(federation_states::federation_id.eq(id))
        .filter(federation_states::valid_to.is_null())
        .select((
            federation_states::id,
            federation_states::valid_from,
            federation_states::industry_code,
            federation_states::status,
        ))
        .load(conn)?;
    if let [(_, _, industry, st)] = open.as_slice() {
        if industry == industry_code && *st == status {
            return Ok(());
        }
    }
    for (state, from, _, _) in &open {
        let row = federation_states::table.filter(federation_states::id.eq(*state));
        if *from >= on {
            diesel::delete(row).execute(conn)?;
        } else {
            diesel::update(row)
                .set(federation_states::valid_to.eq(Some(on)))
                .execute(conn)?;
        }
    }
    diesel::insert_into(federation_states::table)
        .values((
            federation_states::federation_id.eq(id),
            federation_states::valid_from.eq(on),
            federation_states::valid_to.eq(None::<NaiveDate>),
            federation_states::industry_code.eq(industry_code.to_string()),
            federation_states::status.eq(status),
        ))
        .execute(conn)?;
    Ok(())
}

/// A federation as it stood on a day: its kind, the industry and status it had.
pub type FederationOn = (FederationKind, String, FederationStatus);

/// Every federation registered by `on`, with the industry and status it had that day.
pub fn federations_on(conn: &mut DbConn, on: NaiveDate) -> QueryResult<Vec<FederationOn>> {
    federation_states::table
        .inner_join(federations::table)
        .filter(federation_states::valid_from.le(on))
        .filter(
            federation_states::valid_to
                .is_null()
                .or(federation_states::valid_to.gt(on)),
        )
        .order(federations::id)
        .select((
            federations::kind,
            federation_states::industry_code,
            federation_states::status,
        ))
        .load(conn)
}
