//! The cooperative registry (合作社名录).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::dates::{Day, Stamp};
use crate::db::fragments::{AnyOf, HasIndustry, IndustryList, MemberList};
use crate::db::models::member::Counts;
use crate::db::schema::{cooperative_industries, cooperatives};
use crate::db::{Backend, DbConn};
use crate::domain::cooperative::{CoopStatus, DemonstrationLevel, Tier};
use crate::domain::scope::CoopScope;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = cooperatives)]
pub struct Cooperative {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub town_code: String,
    pub legal_representative: String,
    pub phone: String,
    #[diesel(deserialize_as = Day)]
    pub established_on: NaiveDate,
    pub registered_capital_fen: i64,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub status: CoopStatus,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    pub version: i32,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// The cooperative this one was merged into (status `merged`).
    pub merged_into_id: Option<i64>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = cooperatives)]
pub struct NewCooperative {
    pub name: String,
    pub uscc: String,
    pub town_code: String,
    pub legal_representative: String,
    pub phone: String,
    pub established_on: NaiveDate,
    pub registered_capital_fen: i64,
    pub address: Option<String>,
    pub business_scope: Option<String>,
    pub status: CoopStatus,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update; `None` leaves a column as it is.
#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = cooperatives)]
pub struct CooperativeChanges {
    pub name: Option<String>,
    pub uscc: Option<String>,
    pub town_code: Option<String>,
    pub legal_representative: Option<String>,
    pub phone: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub registered_capital_fen: Option<i64>,
    pub address: Option<String>,
    pub business_scope: Option<String>,
}

/// List filters (already validated).
#[derive(Debug, Default, Clone)]
pub struct CoopFilter {
    pub town_code: Option<String>,
    pub industry: Option<String>,
    pub status: Option<CoopStatus>,
    pub tier: Option<Tier>,
    pub demonstration_level: Option<DemonstrationLevel>,
    pub q: Option<String>,
}

type Boxed = cooperatives::BoxedQuery<'static, Backend>;

/// Narrows a query to what the caller may see.
pub fn scoped(scope: &CoopScope) -> Boxed {
    // The scope rule has one definition: the one every other table's filter uses too.
    super::pilot::coops_in_view!(
        cooperatives::table.into_boxed::<Backend>(),
        super::pilot::InView { scope, town: None }
    )
}

fn filtered(scope: &CoopScope, f: &CoopFilter) -> Boxed {
    let mut q = scoped(scope);
    if let Some(v) = &f.town_code {
        q = q.filter(cooperatives::town_code.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(cooperatives::status.eq(*v));
    }
    if let Some(v) = &f.tier {
        q = q.filter(cooperatives::tier.eq(*v));
    }
    if let Some(v) = &f.demonstration_level {
        q = q.filter(cooperatives::demonstration_level.eq(*v));
    }
    if let Some(v) = &f.industry {
        q = q.filter(HasIndustry(v.clone()));
    }
    if let Some(term) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let name = crate::db::fragments::like_pattern(term);
        let uscc = crate::db::fragments::like_pattern(&term.to_ascii_uppercase());
        q = q.filter(
            cooperatives::name
                .like(name)
                .escape('\\')
                .or(cooperatives::uscc.like(uscc).escape('\\')),
        );
    }
    q
}

/// The query of one page in id order: `limit` rows after the cursor, to be selected.
fn page(scope: &CoopScope, f: &CoopFilter, after: Option<i64>, limit: i64) -> Boxed {
    let mut q = filtered(scope, f);
    if let Some(a) = after {
        q = q.filter(cooperatives::id.gt(a));
    }
    q.order(cooperatives::id.asc()).limit(limit)
}

/// One page in id order, `limit` rows after the cursor.
pub fn list(
    conn: &mut DbConn,
    scope: &CoopScope,
    f: &CoopFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Cooperative>> {
    page(scope, f, after, limit)
        .select(Cooperative::as_select())
        .load(conn)
}

/// The columns of a [`Viewed`]: the row, its [`IndustryList`] and its [`MemberList`].
macro_rules! viewed_columns {
    () => {
        (
            Cooperative::as_select(),
            IndustryList,
            MemberList {
                today: super::today(),
            },
        )
    };
}

/// [`list`], each cooperative with its industries and member counts, in one statement.
pub fn list_viewed(
    conn: &mut DbConn,
    scope: &CoopScope,
    f: &CoopFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Viewed>> {
    page(scope, f, after, limit)
        .select(viewed_columns!())
        .load::<ViewedRow>(conn)?
        .into_iter()
        .map(Viewed::of_row)
        .collect()
}

pub fn count(conn: &mut DbConn, scope: &CoopScope, f: &CoopFilter) -> QueryResult<i64> {
    filtered(scope, f).count().get_result(conn)
}

/// The `$columns` of the cooperative `$id`, further filtered by `$scope`, on a backend's own
/// connection `$c`.
macro_rules! by_id {
    ($c:ident, $id:expr, $columns:expr $(, $scope:expr)?) => {
        cooperatives::table
            .filter(cooperatives::id.eq($id))
            $(.filter($scope))?
            .select($columns)
            .get_result($c)
    };
}

/// The `$columns` of the cooperative `$id` in the usual scopes (all, one cooperative, one
/// town) as static queries on the backend's own connection, whose prepared statements are
/// found by type with no SQL written per call (`on_inner!`); `None` for the other scopes,
/// which take the one scope rule, `scoped`.
macro_rules! in_usual_scope {
    ($conn:expr, $scope:expr, $id:expr, $columns:expr) => {
        match $scope {
            CoopScope::All => Some(crate::on_inner!($conn, |c| by_id!(c, $id, $columns))),
            CoopScope::One(own) => Some(crate::on_inner!($conn, |c| by_id!(
                c,
                $id,
                $columns,
                cooperatives::id.eq(*own)
            ))),
            CoopScope::Towns(towns) if towns.len() == 1 => {
                let town = towns[0].as_str();
                Some(crate::on_inner!($conn, |c| by_id!(
                    c,
                    $id,
                    $columns,
                    cooperatives::town_code.eq(town)
                )))
            }
            _ => None,
        }
    };
}

/// A cooperative the caller may see, or `NotFound` (also when it exists outside the scope).
pub fn find(conn: &mut DbConn, scope: &CoopScope, id: i64) -> QueryResult<Cooperative> {
    match in_usual_scope!(conn, scope, id, Cooperative::as_select()) {
        Some(found) => found,
        None => scoped(scope)
            .filter(cooperatives::id.eq(id))
            .select(Cooperative::as_select())
            .first(conn),
    }
}

/// A cooperative with what its view shows besides its row.
#[derive(Debug, Clone)]
pub struct Viewed {
    pub coop: Cooperative,
    /// Its industry codes, in code order.
    pub industries: Vec<String>,
    /// Its active members.
    pub members: Counts,
}

/// [`find`], with the cooperative's industries and member counts, in one statement (the
/// lists as correlated sub-queries, [`IndustryList`] and [`MemberList`]): on PostgreSQL one
/// round trip instead of three.
pub fn find_viewed(conn: &mut DbConn, scope: &CoopScope, id: i64) -> QueryResult<Viewed> {
    let row: ViewedRow = match in_usual_scope!(conn, scope, id, viewed_columns!()) {
        Some(found) => found?,
        None => scoped(scope)
            .filter(cooperatives::id.eq(id))
            .select(viewed_columns!())
            .first(conn)?,
    };
    Viewed::of_row(row)
}

/// A row with its [`IndustryList`] and [`MemberList`] columns.
type ViewedRow = (Cooperative, Option<String>, Option<String>);

impl Viewed {
    fn of_row((coop, industries, members): ViewedRow) -> QueryResult<Viewed> {
        let mut industries: Vec<String> = industries
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        industries.sort_unstable();
        Ok(Viewed {
            coop,
            industries,
            members: Counts::of_list(members.as_deref())?,
        })
    }
}

pub fn uscc_taken(conn: &mut DbConn, uscc: &str, except_id: Option<i64>) -> QueryResult<bool> {
    let mut q = cooperatives::table
        .filter(cooperatives::uscc.eq(uscc.to_string()))
        .into_boxed::<Backend>();
    if let Some(id) = except_id {
        q = q.filter(cooperatives::id.ne(id));
    }
    q.count().get_result::<i64>(conn).map(|n| n > 0)
}

pub fn insert(
    conn: &mut DbConn,
    new: &NewCooperative,
    industry_codes: &[String],
) -> QueryResult<Cooperative> {
    let coop: Cooperative = diesel::insert_into(cooperatives::table)
        .values(new)
        .get_result(conn)?;
    set_industries(conn, coop.id, industry_codes)?;
    Ok(coop)
}

pub fn set_industries(conn: &mut DbConn, id: i64, codes: &[String]) -> QueryResult<()> {
    diesel::delete(
        cooperative_industries::table.filter(cooperative_industries::cooperative_id.eq(id)),
    )
    .execute(conn)?;
    let mut unique: Vec<&String> = codes.iter().collect();
    unique.sort();
    unique.dedup();
    let rows: Vec<_> = unique
        .into_iter()
        .map(|c| {
            (
                cooperative_industries::cooperative_id.eq(id),
                cooperative_industries::industry_code.eq(c.clone()),
            )
        })
        .collect();
    crate::on_inner!(conn, |c| diesel::insert_into(cooperative_industries::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

/// Applies changes and bumps the version, only if the version is still `expected_version`.
/// Returns `None` when another writer got there first.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    changes: &CooperativeChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<Cooperative>> {
    let target = cooperatives::table
        .filter(cooperatives::id.eq(id))
        .filter(cooperatives::version.eq(expected_version));
    let has_changes = changes.name.is_some()
        || changes.uscc.is_some()
        || changes.town_code.is_some()
        || changes.legal_representative.is_some()
        || changes.phone.is_some()
        || changes.established_on.is_some()
        || changes.registered_capital_fen.is_some()
        || changes.address.is_some()
        || changes.business_scope.is_some();
    let n = if has_changes {
        diesel::update(target)
            .set((
                changes,
                cooperatives::version.eq(expected_version + 1),
                cooperatives::updated_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                cooperatives::version.eq(expected_version + 1),
                cooperatives::updated_at.eq(at),
            ))
            .execute(conn)?
    };
    if n == 0 {
        return Ok(None);
    }
    cooperatives::table
        .filter(cooperatives::id.eq(id))
        .select(Cooperative::as_select())
        .first(conn)
        .map(Some)
}

/// Industry codes per cooperative, for a page of cooperatives.
pub fn industries_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Vec<String>>> {
    // Static statements, cached: one id (a single GET) is an `=`, a page of ids `AnyOf`.
    macro_rules! of {
        ($by_id:expr) => {
            crate::on_inner!(conn, |c| cooperative_industries::table
                .filter($by_id)
                .order((
                    cooperative_industries::cooperative_id,
                    cooperative_industries::industry_code,
                ))
                .select((
                    cooperative_industries::cooperative_id,
                    cooperative_industries::industry_code,
                ))
                .load(c))?
        };
    }
    let rows: Vec<(i64, String)> = match ids {
        [id] => of!(cooperative_industries::cooperative_id.eq(*id)),
        _ => of!(AnyOf::new(cooperative_industries::cooperative_id, ids)),
    };
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, code) in rows {
        map.entry(id).or_default().push(code);
    }
    // In byte order, as `find_viewed` gives them, whatever the database's collation.
    map.values_mut().for_each(|codes| codes.sort_unstable());
    Ok(map)
}

/// Whether a record with this id exists (whatever anyone's scope).
pub fn exists(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cooperatives::table.filter(cooperatives::id.eq(id)),
    ))
    .get_result(conn)
}
