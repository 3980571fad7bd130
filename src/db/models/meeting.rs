//! Meetings of a cooperative's bodies and their resolutions (recorded once, never changed).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{meetings, resolutions};
use crate::db::DbConn;
use crate::domain::meeting::{MeetingKind, ResolutionSubject};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: i64,
    pub cooperative_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub members_total: i64,
    pub attending: i64,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = meetings)]
pub struct NewMeeting {
    pub cooperative_id: i64,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub members_total: i64,
    pub attending: i64,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = resolutions)]
pub struct Resolution {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub meeting_id: i64,
    pub cooperative_id: i64,
    pub seq: i32,
    pub subject: ResolutionSubject,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub additional_votes_for: i64,
    pub passed: bool,
}

pub fn insert(
    conn: &mut DbConn,
    new: &NewMeeting,
    resolutions_of: impl Fn(i64) -> Vec<Resolution>,
) -> QueryResult<Meeting> {
    let id: i64 = diesel::insert_into(meetings::table)
        .values(new)
        .returning(meetings::id)
        .get_result(conn)?;
    for r in resolutions_of(id) {
        diesel::insert_into(resolutions::table)
            .values(&r)
            .execute(conn)?;
    }
    find(conn, new.cooperative_id, id)
}

/// A meeting of cooperative `coop_id` (NotFound otherwise).
pub fn find(conn: &mut DbConn, coop_id: i64, id: i64) -> QueryResult<Meeting> {
    meetings::table
        .filter(meetings::id.eq(id))
        .filter(meetings::cooperative_id.eq(coop_id))
        .select(Meeting::as_select())
        .first(conn)
}

/// The resolutions of these meetings, by meeting and seq.
pub fn resolutions_of(conn: &mut DbConn, meeting_ids: &[i64]) -> QueryResult<Vec<Resolution>> {
    resolutions::table
        .filter(resolutions::meeting_id.eq_any(meeting_ids))
        .order((resolutions::meeting_id, resolutions::seq))
        .select(Resolution::as_select())
        .load(conn)
}

/// One page of a cooperative's meetings, most recent first (`after`: the last id seen, as
/// ids grow in recording order the page walks by id descending).
pub fn list(
    conn: &mut DbConn,
    coop_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Meeting>> {
    let mut q = meetings::table
        .filter(meetings::cooperative_id.eq(coop_id))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(meetings::id.lt(b));
    }
    q.order(meetings::id.desc())
        .limit(limit)
        .select(Meeting::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, coop_id: i64) -> QueryResult<i64> {
    meetings::table
        .filter(meetings::cooperative_id.eq(coop_id))
        .count()
        .get_result(conn)
}

/// For each of these cooperatives that held an assembly (member or representative) in
/// `from..=to`: (cooperative, the last one's date).
pub fn assemblies_held(
    conn: &mut DbConn,
    coop_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(i64, Option<NaiveDate>)>> {
    meetings::table
        .filter(meetings::cooperative_id.eq_any(coop_ids))
        .filter(meetings::kind.eq_any([
            MeetingKind::MemberAssembly,
            MeetingKind::RepresentativeAssembly,
        ]))
        .filter(meetings::held_on.ge(from))
        .filter(meetings::held_on.le(to))
        .group_by(meetings::cooperative_id)
        .select((
            meetings::cooperative_id,
            diesel::dsl::max(meetings::held_on),
        ))
        .load(conn)
}

/// For each of these cooperatives that held a meeting of `kind`: (cooperative, the last one's
/// date).
pub fn last_of_kind_of(
    conn: &mut DbConn,
    coop_ids: &[i64],
    kind: MeetingKind,
) -> QueryResult<Vec<(i64, Option<NaiveDate>)>> {
    meetings::table
        .filter(meetings::cooperative_id.eq_any(coop_ids))
        .filter(meetings::kind.eq(kind))
        .group_by(meetings::cooperative_id)
        .select((
            meetings::cooperative_id,
            diesel::dsl::max(meetings::held_on),
        ))
        .load(conn)
}

/// A passed resolution on `subject` of an assembly of the cooperative, the latest one.
pub fn passed_assembly_resolution(
    conn: &mut DbConn,
    coop_id: i64,
    subject: ResolutionSubject,
) -> QueryResult<Option<(Meeting, Resolution)>> {
    resolutions::table
        .inner_join(meetings::table)
        .filter(resolutions::cooperative_id.eq(coop_id))
        .filter(resolutions::subject.eq(subject))
        .filter(resolutions::passed.eq(true))
        .filter(meetings::kind.eq_any([
            MeetingKind::MemberAssembly,
            MeetingKind::RepresentativeAssembly,
        ]))
        .order((meetings::held_on.desc(), meetings::id.desc()))
        .select((Meeting::as_select(), Resolution::as_select()))
        .first(conn)
        .optional()
}

/// One resolution of a meeting of the cooperative, with its meeting.
pub fn resolution(
    conn: &mut DbConn,
    coop_id: i64,
    meeting_id: i64,
    seq: i32,
) -> QueryResult<Option<(Meeting, Resolution)>> {
    resolutions::table
        .inner_join(meetings::table)
        .filter(resolutions::cooperative_id.eq(coop_id))
        .filter(resolutions::meeting_id.eq(meeting_id))
        .filter(resolutions::seq.eq(seq))
        .select((Meeting::as_select(), Resolution::as_select()))
        .first(conn)
        .optional()
}
