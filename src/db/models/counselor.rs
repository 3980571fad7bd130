//! Counselors (辅导员), the towns they cover, their trainings, visits and evaluations.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    counselor_evaluations, counselor_towns, counselor_trainings, counselor_visits, counselors,
};
use crate::db::{Backend, DbConn};
use crate::domain::counselor::{CounselorLevel, CounselorSource, Rating};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = counselors)]
pub struct Counselor {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    pub active: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub area: Option<String>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = counselors)]
pub struct NewCounselor {
    pub name: String,
    pub phone: String,
    pub source: CounselorSource,
    pub level: CounselorLevel,
    pub active: bool,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub area: Option<String>,
}

#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = counselors)]
pub struct CounselorChanges {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub source: Option<CounselorSource>,
    pub level: Option<CounselorLevel>,
    pub active: Option<bool>,
    pub area: Option<Option<String>>,
}

impl CounselorChanges {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.phone.is_none()
            && self.source.is_none()
            && self.level.is_none()
            && self.active.is_none()
            && self.area.is_none()
    }
}

pub use crate::domain::scope::CounselorScope;

/// Applies a [`CounselorScope`] to one counselor.
pub trait CounselorScopeExt {
    fn allows(&self, conn: &mut DbConn, id: i64) -> QueryResult<bool>;
}

impl CounselorScopeExt for CounselorScope {
    fn allows(&self, conn: &mut DbConn, id: i64) -> QueryResult<bool> {
        Ok(match self {
            CounselorScope::All => true,
            CounselorScope::One(own) => *own == id,
            CounselorScope::CoveringTown(town) => {
                counselor_towns::table
                    .filter(counselor_towns::counselor_id.eq(id))
                    .filter(counselor_towns::town_code.eq(town.clone()))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0
            }
        })
    }
}

#[derive(Debug, Default, Clone)]
pub struct CounselorFilter {
    pub town_code: Option<String>,
    pub level: Option<CounselorLevel>,
    pub source: Option<CounselorSource>,
    pub active: Option<bool>,
}

type Boxed = counselors::BoxedQuery<'static, Backend>;

fn filtered(scope: &CounselorScope, f: &CounselorFilter) -> Boxed {
    let mut q = counselors::table.into_boxed::<Backend>();
    match scope {
        CounselorScope::All => {}
        CounselorScope::One(id) => q = q.filter(counselors::id.eq(*id)),
        CounselorScope::CoveringTown(town) => {
            q = q.filter(
                counselors::id.eq_any(
                    counselor_towns::table
                        .filter(counselor_towns::town_code.eq(town.clone()))
                        .select(counselor_towns::counselor_id),
                ),
            )
        }
    }
    if let Some(v) = &f.town_code {
        q = q.filter(
            counselors::id.eq_any(
                counselor_towns::table
                    .filter(counselor_towns::town_code.eq(v.clone()))
                    .select(counselor_towns::counselor_id),
            ),
        );
    }
    if let Some(v) = &f.level {
        q = q.filter(counselors::level.eq(*v));
    }
    if let Some(v) = &f.source {
        q = q.filter(counselors::source.eq(*v));
    }
    if let Some(v) = f.active {
        q = q.filter(counselors::active.eq(v));
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    scope: &CounselorScope,
    f: &CounselorFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Counselor>> {
    let mut q = filtered(scope, f);
    if let Some(a) = after {
        q = q.filter(counselors::id.gt(a));
    }
    q.order(counselors::id.asc())
        .limit(limit)
        .select(Counselor::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, scope: &CounselorScope, f: &CounselorFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}

/// Every counselor, in id order.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Counselor>> {
    counselors::table
        .order(counselors::id.asc())
        .select(Counselor::as_select())
        .load(conn)
}

/// The counselors with these ids (in chunks far below both backends' bind-parameter limits).
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Counselor>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        out.extend(
            counselors::table
                .filter(counselors::id.eq_any(chunk))
                .select(Counselor::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// A counselor the caller may see, or `NotFound`.
pub fn find(conn: &mut DbConn, scope: &CounselorScope, id: i64) -> QueryResult<Counselor> {
    filtered(scope, &CounselorFilter::default())
        .filter(counselors::id.eq(id))
        .select(Counselor::as_select())
        .first(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewCounselor, towns: &[String]) -> QueryResult<Counselor> {
    let c: Counselor = diesel::insert_into(counselors::table)
        .values(new)
        .get_result(conn)?;
    set_towns(conn, c.id, towns)?;
    Ok(c)
}

pub fn set_towns(conn: &mut DbConn, id: i64, towns: &[String]) -> QueryResult<()> {
    diesel::delete(counselor_towns::table.filter(counselor_towns::counselor_id.eq(id)))
        .execute(conn)?;
    let mut unique: Vec<&String> = towns.iter().collect();
    unique.sort();
    unique.dedup();
    let rows: Vec<_> = unique
        .into_iter()
        .map(|t| {
            (
                counselor_towns::counselor_id.eq(id),
                counselor_towns::town_code.eq(t.clone()),
            )
        })
        .collect();
    crate::on_inner!(conn, |c| diesel::insert_into(counselor_towns::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    changes: &CounselorChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<Counselor>> {
    let target = counselors::table
        .filter(counselors::id.eq(id))
        .filter(counselors::version.eq(expected_version));
    let bump = (
        counselors::version.eq(expected_version + 1),
        counselors::updated_at.eq(at),
    );
    let n = if changes.is_empty() {
        diesel::update(target).set(bump).execute(conn)?
    } else {
        diesel::update(target).set((changes, bump)).execute(conn)?
    };
    if n == 0 {
        return Ok(None);
    }
    find(conn, &CounselorScope::All, id).map(Some)
}

/// Covered town codes per counselor.
pub fn towns_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = counselor_towns::table
        .filter(counselor_towns::counselor_id.eq_any(ids))
        .order((counselor_towns::counselor_id, counselor_towns::town_code))
        .select((counselor_towns::counselor_id, counselor_towns::town_code))
        .load(conn)?;
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, t) in rows {
        map.entry(id).or_default().push(t);
    }
    Ok(map)
}

/// Every (counselor, town) coverage pair.
pub fn all_coverage(conn: &mut DbConn) -> QueryResult<Vec<(i64, String)>> {
    counselor_towns::table
        .order((counselor_towns::town_code, counselor_towns::counselor_id))
        .select((counselor_towns::counselor_id, counselor_towns::town_code))
        .load(conn)
}

// ---- trainings ----

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = counselor_trainings)]
pub struct Training {
    pub id: i64,
    pub counselor_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: f64,
    pub topics: String,
    pub attendees: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = counselor_trainings)]
pub struct NewTraining {
    pub counselor_id: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: f64,
    pub topics: String,
    pub attendees: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn insert_training(conn: &mut DbConn, new: &NewTraining) -> QueryResult<Training> {
    diesel::insert_into(counselor_trainings::table)
        .values(new)
        .get_result(conn)
}

pub fn trainings(
    conn: &mut DbConn,
    counselor_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Training>> {
    let mut q = counselor_trainings::table
        .filter(counselor_trainings::counselor_id.eq(counselor_id))
        .into_boxed::<Backend>();
    if let Some(a) = after {
        q = q.filter(counselor_trainings::id.gt(a));
    }
    q.order(counselor_trainings::id.asc())
        .limit(limit)
        .select(Training::as_select())
        .load(conn)
}

/// Counselor ids of the trainings held in `[from, to)`, one entry per training.
pub fn training_counselors_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<i64>> {
    counselor_trainings::table
        .filter(counselor_trainings::held_on.ge(from))
        .filter(counselor_trainings::held_on.lt(to))
        .select(counselor_trainings::counselor_id)
        .load(conn)
}

// ---- visits ----

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = counselor_visits)]
pub struct Visit {
    pub id: i64,
    pub counselor_id: i64,
    pub cooperative_id: i64,
    pub visited_on: NaiveDate,
    pub topics: String,
    pub findings: String,
    pub follow_up: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = counselor_visits)]
pub struct NewVisit {
    pub counselor_id: i64,
    pub cooperative_id: i64,
    pub visited_on: NaiveDate,
    pub topics: String,
    pub findings: String,
    pub follow_up: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_visit(conn: &mut DbConn, new: &NewVisit) -> QueryResult<Visit> {
    diesel::insert_into(counselor_visits::table)
        .values(new)
        .get_result(conn)
}

/// Visits of a counselor, or received by a cooperative, in id order after the cursor.
pub fn visits(
    conn: &mut DbConn,
    counselor_id: Option<i64>,
    cooperative_id: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Visit>> {
    let mut q = counselor_visits::table.into_boxed::<Backend>();
    if let Some(id) = counselor_id {
        q = q.filter(counselor_visits::counselor_id.eq(id));
    }
    if let Some(id) = cooperative_id {
        q = q.filter(counselor_visits::cooperative_id.eq(id));
    }
    if let Some(a) = after {
        q = q.filter(counselor_visits::id.gt(a));
    }
    q.order(counselor_visits::id.asc())
        .limit(limit)
        .select(Visit::as_select())
        .load(conn)
}

/// Counselor ids of the visits made in `[from, to)`, one entry per visit.
pub fn visit_counselors_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<i64>> {
    counselor_visits::table
        .filter(counselor_visits::visited_on.ge(from))
        .filter(counselor_visits::visited_on.lt(to))
        .select(counselor_visits::counselor_id)
        .load(conn)
}

// ---- evaluations ----

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = counselor_evaluations)]
pub struct Evaluation {
    pub id: i64,
    pub counselor_id: i64,
    pub year: i32,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub comment: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = counselor_evaluations)]
pub struct NewEvaluation {
    pub counselor_id: i64,
    pub year: i32,
    pub score: i32,
    pub rating: Rating,
    pub reward: Option<String>,
    pub reward_fen: Option<i64>,
    pub comment: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_evaluation(
    conn: &mut DbConn,
    counselor_id: i64,
    year: i32,
) -> QueryResult<Option<Evaluation>> {
    counselor_evaluations::table
        .filter(counselor_evaluations::counselor_id.eq(counselor_id))
        .filter(counselor_evaluations::year.eq(year))
        .select(Evaluation::as_select())
        .first(conn)
        .optional()
}

pub fn insert_evaluation(conn: &mut DbConn, new: &NewEvaluation) -> QueryResult<Evaluation> {
    diesel::insert_into(counselor_evaluations::table)
        .values(new)
        .get_result(conn)
}

/// Replaces an evaluation's content and bumps its version.
pub fn replace_evaluation(
    conn: &mut DbConn,
    current: &Evaluation,
    new: &NewEvaluation,
) -> QueryResult<Evaluation> {
    diesel::update(counselor_evaluations::table.filter(counselor_evaluations::id.eq(current.id)))
        .set((
            counselor_evaluations::score.eq(new.score),
            counselor_evaluations::rating.eq(new.rating),
            counselor_evaluations::reward.eq(new.reward.clone()),
            counselor_evaluations::reward_fen.eq(new.reward_fen),
            counselor_evaluations::comment.eq(new.comment.clone()),
            counselor_evaluations::version.eq(current.version + 1),
            counselor_evaluations::updated_at.eq(new.updated_at),
        ))
        .execute(conn)?;
    counselor_evaluations::table
        .filter(counselor_evaluations::id.eq(current.id))
        .select(Evaluation::as_select())
        .first(conn)
}

pub fn evaluations_of(conn: &mut DbConn, counselor_id: i64) -> QueryResult<Vec<Evaluation>> {
    counselor_evaluations::table
        .filter(counselor_evaluations::counselor_id.eq(counselor_id))
        .order(counselor_evaluations::year.desc())
        .select(Evaluation::as_select())
        .load(conn)
}

pub fn evaluations_in(conn: &mut DbConn, year: i32) -> QueryResult<Vec<Evaluation>> {
    counselor_evaluations::table
        .filter(counselor_evaluations::year.eq(year))
        .select(Evaluation::as_select())
        .load(conn)
}

/// Whether a record with this id exists (whatever anyone's scope).
pub fn exists(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        counselors::table.filter(counselors::id.eq(id)),
    ))
    .get_result(conn)
}
