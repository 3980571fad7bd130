//! Exits (退社) by the law: by written notice at a fiscal year end, recorded from paper, or by
//! expulsion (除名) with a passed assembly resolution; each answers the refund due.

use chrono::Datelike;

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::books as books_db;
use crate::db::models::member::{self, MemberChanges};
use crate::db::models::{audit, meeting, now, today};
use crate::db::DbConn;
use crate::domain::meeting::ResolutionSubject;
use crate::domain::member::{self as rules, ExitBreach};
use crate::error::{ApiError, ApiResult};
use crate::service::cooperatives::ensure_operating;
use crate::views::members::{ExitOut, ExitParams, MemberOut, RefundDue};

fn exit_error(field: &'static str, e: ExitBreach) -> ApiError {
    match e {
        ExitBreach::Future => ApiError::field(field, "future", "must not be in the future"),
        ExitBreach::AlreadyExited => {
            ApiError::Conflict("the member has already exited or given notice".into())
        }
        ExitBreach::BeforeJoining => ApiError::field(
            field,
            "before_joining",
            "must not be before the member joined",
        ),
    }
}

/// How the exit comes about.
enum Way {
    /// Notice given on this day.
    Notice(chrono::NaiveDate),
    /// An exit that already happened on this day (district or town officer only).
    Recorded(chrono::NaiveDate),
    /// Expulsion by this meeting's resolution.
    Expulsion(i64, i32),
}

fn way(caller: &Caller, p: &ExitParams) -> ApiResult<Way> {
    let officer = matches!(caller.role(), Role::DistrictAdmin | Role::TownOfficer);
    match (p.exited_on, p.requested_on, p.meeting_id, p.resolution_seq) {
        (None, None, Some(m), Some(seq)) => Ok(Way::Expulsion(m, seq)),
        (None, None, Some(_), None) => Err(ApiError::field(
            "resolution_seq",
            "required",
            "an expulsion names the resolution by meeting_id and resolution_seq",
        )),
        (None, None, None, Some(_)) => Err(ApiError::field(
            "meeting_id",
            "required",
            "an expulsion names the resolution by meeting_id and resolution_seq",
        )),
        (Some(_), Some(_), _, _) | (Some(_), _, Some(_), _) | (_, Some(_), Some(_), _) => {
            Err(ApiError::field(
                "exited_on",
                "exclusive",
                "give one of exited_on, requested_on or meeting_id",
            ))
        }
        (Some(_), None, None, _) if !officer => Err(ApiError::Forbidden(
            "only the district or the town officer records an exit that already happened; a member gives notice (requested_on)".into(),
        )),
        (Some(d), None, None, _) => Ok(Way::Recorded(d)),
        (None, Some(d), None, _) => Ok(Way::Notice(d)),
        // Nothing given: officers record an exit today (as before), the cooperative takes
        // notice today.
        (None, None, None, None) if officer => Ok(Way::Recorded(today())),
        (None, None, None, None) => Ok(Way::Notice(today())),
    }
}

/// Records a member's exit and answers the refund due (contribution and reserve share).
pub fn exit(
    conn: &mut DbConn,
    caller: &Caller,
    coop_id: i64,
    member_id: i64,
    params: ExitParams,
) -> ApiResult<ExitOut> {
    caller.require(Resource::MemberLedger, Access::Write)?;
    let way = way(caller, &params)?;
    let t = today();
    match way {
        Way::Recorded(d) => rules::exit_date(d, t).map_err(|e| exit_error("exited_on", e))?,
        Way::Notice(d) => rules::exit_date(d, t).map_err(|e| exit_error("requested_on", e))?,
        Way::Expulsion(..) => {}
    }
    let coop = caller.cooperative(conn, coop_id)?;
    ensure_operating(&coop)?;
    let current = member::find(conn, coop_id, member_id)?;
    let (exited_on, requested_on, kind) = match way {
        Way::Recorded(d) => {
            rules::may_exit(current.joined_on, current.exited_on, d)
                .map_err(|e| exit_error("exited_on", e))?;
            (d, None, "recorded")
        }
        Way::Notice(d) => {
            rules::may_exit(current.joined_on, current.exited_on, d)
                .map_err(|e| exit_error("requested_on", e))?;
            (
                rules::exit_effective_on(current.member_type, d),
                Some(d),
                "notice",
            )
        }
        Way::Expulsion(meeting_id, seq) => {
            let Some((m, r)) = meeting::resolution(conn, coop_id, meeting_id, seq)? else {
                return Err(ApiError::field(
                    "resolution_seq",
                    "unknown",
                    format!("meeting {meeting_id} of this cooperative has no resolution {seq}"),
                ));
            };
            if r.subject != ResolutionSubject::Expulsion || !r.passed || !m.kind.is_assembly() {
                return Err(ApiError::field(
                    "resolution_seq",
                    "not_expelling",
                    "an expulsion needs a passed `expulsion` resolution of the member (or representative) assembly",
                ));
            }
            rules::may_exit(current.joined_on, current.exited_on, m.held_on)
                .map_err(|e| exit_error("meeting_id", e))?;
            (m.held_on, None, "expulsion")
        }
    };
    let before = MemberOut::from(current.clone());
    let changes = MemberChanges {
        exited_on: Some(exited_on),
        exit_reason: params.reason,
        exit_requested_on: requested_on,
        exit_kind: Some(kind.to_string()),
        version: current.version + 1,
        updated_at: Some(now()),
        ..Default::default()
    };
    let updated = member::update(conn, member_id, current.version, &changes)?
        .ok_or(ApiError::PreconditionFailed)?;
    let reserve_share_fen = books_db::reserve_shares(conn, coop_id, exited_on.year())?
        .into_iter()
        .find(|(id, _)| *id == member_id)
        .map(|(_, v)| v)
        .unwrap_or(0);
    let out = ExitOut {
        effective_on: exited_on,
        refund_due: RefundDue {
            contribution_fen: updated.contribution_fen,
            reserve_share_fen,
        },
        member: MemberOut::from(updated),
    };
    audit::record(
        conn,
        &caller.actor(),
        "exit",
        "member",
        &member_id.to_string(),
        Some(&before),
        Some(&out),
    )?;
    Ok(out)
}
