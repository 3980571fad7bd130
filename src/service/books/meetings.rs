//! Meetings of a cooperative's bodies and their resolutions, each decided by the law.

use std::collections::{HashMap, HashSet};

use crate::auth::{Access, Caller, Resource};
use crate::db::models::audit;
use crate::db::models::meeting::{self as db, NewMeeting, Resolution};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::meeting::{self as rules, Votes};
use crate::error::{ApiResult, FieldError};
use crate::service::cooperatives::ensure_operating;
use crate::service::{coop_page, Problems};
use crate::views::meetings::{MeetingIn, MeetingOut};
use crate::views::pagination::{ListResponse, PageParams};

/// Records a meeting with its resolutions, each decided by the law's thresholds. A count that
/// cannot be (more votes than attended, additional votes over 20% of the basic votes, a seq
/// twice) is a 422 naming the resolution's field, and nothing is written.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    body: MeetingIn,
) -> ApiResult<MeetingOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let mut problems = Problems::of(&body);
    if let Err(e) = rules::check_attendance(body.members_total, body.attending) {
        problems.push(FieldError::new(e.field(), e.code(), e.to_string()));
    }
    let mut seen = HashSet::new();
    let mut decided = Vec::with_capacity(body.resolutions.len());
    for (i, r) in body.resolutions.iter().enumerate() {
        if !seen.insert(r.seq) {
            problems.push(FieldError::new(
                format!("resolutions.{i}.seq"),
                "duplicate",
                format!("resolution {} appears twice", r.seq),
            ));
        }
        let votes = Votes {
            subject: r.subject,
            votes_for: r.votes_for,
            votes_against: r.votes_against,
            abstentions: r.abstentions,
            additional_votes_for: r.additional_votes_for.unwrap_or(0),
        };
        match rules::decide(body.members_total, body.attending, &votes) {
            Ok(passed) => decided.push((r.clone(), votes, passed)),
            Err(e) => problems.push(FieldError::new(
                format!("resolutions.{i}.{}", e.field()),
                e.code(),
                e.to_string(),
            )),
        }
    }
    problems.finish()?;
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)?;
    let meeting = db::insert(
        conn,
        &NewMeeting {
            cooperative_id: coop_id,
            kind: body.kind,
            held_on: body.held_on,
            members_total: body.members_total,
            attending: body.attending,
            recorded_by: caller.actor().name,
            created_at: now(),
        },
        |meeting_id| {
            decided
                .iter()
                .map(|(r, v, passed)| Resolution {
                    id: 0,
                    meeting_id,
                    cooperative_id: coop_id,
                    seq: r.seq,
                    subject: r.subject,
                    votes_for: v.votes_for,
                    votes_against: v.votes_against,
                    abstentions: v.abstentions,
                    additional_votes_for: v.additional_votes_for,
                    passed: *passed,
                })
                .collect()
        },
    )?;
    let resolutions = db::resolutions_of(conn, &[meeting.id])?;
    let out = MeetingOut::new(meeting, resolutions);
    audit::record(
        conn,
        &caller.actor(),
        "create",
        "meeting",
        &out.id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of a cooperative's meetings, the most recently recorded first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    page: &PageParams,
) -> ApiResult<ListResponse<MeetingOut>> {
    let list = coop_page(
        conn,
        caller,
        coop_id,
        page,
        |conn, after, n| db::list(conn, coop_id, after, n),
        |conn| db::count(conn, coop_id),
        |m| m.id,
    )?;
    let ids: Vec<i64> = list.items.iter().map(|m| m.id).collect();
    let mut by_meeting: HashMap<i64, Vec<Resolution>> = HashMap::new();
    for r in db::resolutions_of(conn, &ids)? {
        by_meeting.entry(r.meeting_id).or_default().push(r);
    }
    Ok(list.map(|m| {
        let mine = by_meeting.remove(&m.id).unwrap_or_default();
        MeetingOut::new(m, mine)
    }))
}

/// One meeting of a cooperative in scope.
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    meeting_id: i64,
) -> ApiResult<MeetingOut> {
    caller.require(Resource::MemberLedger, Access::Read)?;
    caller.cooperative(conn, coop_id)?;
    let m = db::find(conn, coop_id, meeting_id)?;
    let resolutions = db::resolutions_of(conn, &[m.id])?;
    Ok(MeetingOut::new(m, resolutions))
}
