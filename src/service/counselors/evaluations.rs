//! Yearly evaluations (考核) of counselors.

use chrono::{Datelike, Utc};

use super::{require_manage, visible};
use crate::auth::Caller;
use crate::db::models::audit;
use crate::db::models::counselor::{self as cm, CounselorScope, NewEvaluation};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::counselor as rules;
use crate::error::{ApiError, ApiResult};
use crate::service::check_version;
use crate::views::counselors::{EvaluationOut, EvaluationPut};
use crate::views::pagination::ListResponse;

/// 422 unless `year` may be evaluated now (it has begun).
pub fn check_year(year: i32) -> ApiResult<()> {
    let this_year = Utc::now().year();
    if !rules::evaluation_year_allowed(year, this_year) {
        return Err(ApiError::field(
            "year",
            "range",
            format!(
                "must be between {} and {this_year}",
                rules::FIRST_EVALUATION_YEAR
            ),
        ));
    }
    Ok(())
}

/// What [`put_evaluation`] did.
#[derive(Debug, Clone)]
pub struct EvaluationSaved {
    /// `true` when the evaluation is new (201), `false` when it replaced one (200).
    pub created: bool,
    pub evaluation: EvaluationOut,
}

/// Records or replaces the evaluation of counselor `id` for `year`; a replacement honours
/// the `demanded` version (412), and a demanded version of a missing evaluation is 412 too.
/// District only.
pub fn put_evaluation(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
    demanded: Option<i32>,
    body: EvaluationPut,
) -> ApiResult<EvaluationSaved> {
    require_manage(caller)?;
    check_year(year)?;
    cm::find(conn, &CounselorScope::All, id)?;
    let at = now();
    let new = NewEvaluation {
        counselor_id: id,
        year,
        score: body.score,
        rating: body.rating,
        reward: body.reward,
        reward_fen: body.reward_fen,
        comment: body.comment,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    let (created, before, saved) = match cm::find_evaluation(conn, id, year)? {
        Some(cur) => {
            check_version(demanded, cur.version)?;
            let saved = cm::replace_evaluation(conn, &cur, &new)?;
            (false, Some(EvaluationOut::from(cur)), saved)
        }
        None => {
            if demanded.is_some() {
                return Err(ApiError::PreconditionFailed);
            }
            (true, None, cm::insert_evaluation(conn, &new)?)
        }
    };
    let out = EvaluationOut::from(saved);
    audit::record(
        conn,
        &caller.actor(),
        if created { "create" } else { "update" },
        "counselor_evaluation",
        &format!("{id}/{year}"),
        before.as_ref(),
        Some(&out),
    )?;
    Ok(EvaluationSaved {
        created,
        evaluation: out,
    })
}

/// Every evaluation of a counselor the caller may see, newest year first.
pub fn list_evaluations(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> ApiResult<ListResponse<EvaluationOut>> {
    visible(conn, caller, id)?;
    let items: Vec<EvaluationOut> = cm::evaluations_of(conn, id)?
        .into_iter()
        .map(EvaluationOut::from)
        .collect();
    Ok(ListResponse {
        items,
        next_cursor: None,
        total: None,
    })
}
