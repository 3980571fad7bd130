//! The member ledger (成员台账).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::members;
use crate::db::{Backend, DbConn};
use crate::domain::member::{ContributionForm, MemberType};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = members)]
pub struct Member {
    pub id: i64,
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The ID number sealed (AES-256-GCM, base64): never logged, never returned.
    pub id_number_sealed: Option<String>,
    /// The id of the data key that sealed it.
    pub id_number_key: Option<String>,
    /// The keyed blind index (HMAC-SHA256, hex) duplicate checks compare.
    pub id_number_index: Option<String>,
    /// The mask (`domain::id_number::mask`), written with the value: lists never open it.
    pub id_number_masked: Option<String>,
    /// The day written notice of exit was given (an exit by notice).
    pub exit_requested_on: Option<NaiveDate>,
    /// `notice`, `recorded` (an exit that already happened, from paper) or `expulsion`.
    pub exit_kind: Option<String>,
    /// The farmer's household (户), counted by the dashboard.
    pub household_code: Option<String>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = members)]
pub struct NewMember {
    pub cooperative_id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub id_number_sealed: Option<String>,
    pub id_number_key: Option<String>,
    pub id_number_index: Option<String>,
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub joined_on: NaiveDate,
    pub contribution_fen: i64,
    pub contribution_form: ContributionForm,
    pub household_code: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Debug, Default, Clone)]
#[diesel(table_name = members)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub member_type: Option<MemberType>,
    pub id_number_sealed: Option<String>,
    pub id_number_key: Option<String>,
    pub id_number_index: Option<String>,
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub contribution_fen: Option<i64>,
    pub contribution_form: Option<ContributionForm>,
    pub exited_on: Option<NaiveDate>,
    pub exit_reason: Option<String>,
    pub exit_requested_on: Option<NaiveDate>,
    pub exit_kind: Option<String>,
    pub household_code: Option<String>,
    pub version: i32,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Default, Clone)]
pub struct MemberFilter {
    pub member_type: Option<MemberType>,
    /// `Some(true)`: active only; `Some(false)`: exited only.
    pub active: Option<bool>,
}

/// A member today: no exit recorded, or an exit by notice that takes effect later (the
/// member belongs until that day).
fn still_member() -> diesel::dsl::Or<
    diesel::dsl::IsNull<members::exited_on>,
    diesel::dsl::Gt<members::exited_on, NaiveDate>,
> {
    members::exited_on
        .is_null()
        .or(members::exited_on.gt(super::today()))
}

fn filtered(cooperative_id: i64, f: &MemberFilter) -> members::BoxedQuery<'static, Backend> {
    let mut q = members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .into_boxed::<Backend>();
    if let Some(t) = &f.member_type {
        q = q.filter(members::member_type.eq(*t));
    }
    match f.active {
        Some(true) => q = q.filter(still_member()),
        Some(false) => q = q.filter(members::exited_on.le(super::today())),
        None => {}
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    cooperative_id: i64,
    f: &MemberFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut q = filtered(cooperative_id, f);
    if let Some(a) = after {
        q = q.filter(members::id.gt(a));
    }
    q.order(members::id.asc())
        .limit(limit)
        .select(Member::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, cooperative_id: i64, f: &MemberFilter) -> QueryResult<i64> {
    filtered(cooperative_id, f).count().get_result(conn)
}

pub fn find(conn: &mut DbConn, cooperative_id: i64, id: i64) -> QueryResult<Member> {
    members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::id.eq(id))
        .select(Member::as_select())
        .first(conn)
}

/// Whether an active member of the cooperative has an ID number with one of these blind
/// indexes (one per data key held; other than `except`).
pub fn active_id_number_taken(
    conn: &mut DbConn,
    cooperative_id: i64,
    indices: &[String],
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(members::id_number_index.eq_any(indices.to_vec()))
        .filter(still_member())
        .into_boxed::<Backend>();
    if let Some(id) = except {
        q = q.filter(members::id.ne(id));
    }
    q.count().get_result::<i64>(conn).map(|n| n > 0)
}

pub fn insert(conn: &mut DbConn, new: &NewMember) -> QueryResult<Member> {
    let id: i64 = diesel::insert_into(members::table)
        .values(new)
        .returning(members::id)
        .get_result(conn)?;
    members::table
        .filter(members::id.eq(id))
        .select(Member::as_select())
        .first(conn)
}

/// Inserts many members at once (demo data, merges).
pub fn insert_many(conn: &mut DbConn, rows: &[NewMember]) -> QueryResult<usize> {
    crate::on_inner!(conn, |c| diesel::insert_into(members::table)
        .values(rows)
        .execute(c))
}

pub fn update(
    conn: &mut DbConn,
    id: i64,
    expected_version: i32,
    changes: &MemberChanges,
) -> QueryResult<Option<Member>> {
    let n = diesel::update(
        members::table
            .filter(members::id.eq(id))
            .filter(members::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    members::table
        .filter(members::id.eq(id))
        .select(Member::as_select())
        .first(conn)
        .map(Some)
}

/// An active member, as the registry's summaries and checks count it.
#[derive(Queryable, Selectable, Debug, Clone, Copy, PartialEq, Eq)]
#[diesel(table_name = members)]
pub struct ActiveMember {
    pub cooperative_id: i64,
    pub member_type: MemberType,
    pub contribution_fen: i64,
}

/// Active members of the given cooperatives.
pub fn active(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<Vec<ActiveMember>> {
    members::table
        .filter(members::cooperative_id.eq_any(cooperative_ids))
        .filter(still_member())
        .select(ActiveMember::as_select())
        .load(conn)
}

/// Active members of the given cooperatives: (cooperative_id, member_type, contribution_fen).
/// Kept for the callers outside the registry until they take [`active`]; the type is read
/// typed (an unknown stored type is an error) and handed on as its text.
pub fn active_rows(
    conn: &mut DbConn,
    cooperative_ids: &[i64],
) -> QueryResult<Vec<(i64, String, i64)>> {
    Ok(active(conn, cooperative_ids)?
        .into_iter()
        .map(|m| {
            (
                m.cooperative_id,
                m.member_type.as_str().to_string(),
                m.contribution_fen,
            )
        })
        .collect())
}

/// Active members of one cooperative: how many of each type, and their contributions.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub by_type: HashMap<String, i64>,
    pub total_contribution_fen: i64,
}

/// Per cooperative: member count by type and total contributions of active members, counted
/// and summed in SQL (a list page of 50 cooperatives reads some 50 × 3 grouped rows, not
/// every member). The sum is exact on both backends: the high and low 32 bits of each
/// contribution are summed apart as BIGINTs and recombined in `i128`.
pub fn summaries(conn: &mut DbConn, cooperative_ids: &[i64]) -> QueryResult<HashMap<i64, Counts>> {
    use crate::db::fragments::{AnyOf, High32, Low32, SumBigInt};
    type Row = (i64, String, i64, Option<i64>, Option<i64>);
    let mut out: HashMap<i64, Counts> = HashMap::new();
    for chunk in cooperative_ids.chunks(1000) {
        // Static statements, cached: one id (a single GET) is an `=`, a page of ids `AnyOf`.
        macro_rules! grouped {
            ($by_id:expr) => {
                crate::on_inner!(conn, |c| members::table
                    .filter($by_id)
                    .filter(still_member())
                    .group_by((members::cooperative_id, members::member_type))
                    .select((
                        members::cooperative_id,
                        members::member_type,
                        diesel::dsl::count_star(),
                        SumBigInt(High32(members::contribution_fen)),
                        SumBigInt(Low32(members::contribution_fen)),
                    ))
                    .load(c))?
            };
        }
        let rows: Vec<Row> = match chunk {
            [id] => grouped!(members::cooperative_id.eq(*id)),
            _ => grouped!(AnyOf::new(members::cooperative_id, chunk)),
        };
        for (coop, member_type, n, hi, lo) in rows {
            out.entry(coop)
                .or_default()
                .add(&member_type, n, hi.unwrap_or(0), lo.unwrap_or(0))?;
        }
    }
    Ok(out)
}

impl Counts {
    /// Adds `n` active members of `member_type` whose contributions' halves sum to `hi` and `lo`.
    fn add(&mut self, member_type: &str, n: i64, hi: i64, lo: i64) -> QueryResult<()> {
        // Read typed, so an unknown stored type is an error, as everywhere else.
        let t = MemberType::parse(member_type).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("unknown member type {member_type:?}").into(),
            )
        })?;
        *self.by_type.entry(t.as_str().to_string()).or_default() += n;
        let sum = i128::from(hi) * (1_i128 << 32) + i128::from(lo);
        let sum = i64::try_from(sum).unwrap_or(i64::MAX);
        self.total_contribution_fen = self.total_contribution_fen.saturating_add(sum);
        Ok(())
    }

    /// The counts of a [`crate::db::fragments::MemberList`] column.
    pub fn of_list(list: Option<&str>) -> QueryResult<Counts> {
        let mut out = Counts::default();
        for group in list
            .unwrap_or_default()
            .split(',')
            .filter(|g| !g.is_empty())
        {
            let bad = || {
                diesel::result::Error::DeserializationError(
                    format!("a member list group is malformed: {group:?}").into(),
                )
            };
            let mut parts = group.split(':');
            let (Some(t), Some(n), Some(hi), Some(lo), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(bad());
            };
            let number = |s: &str| s.parse::<i64>().map_err(|_| bad());
            out.add(t, number(n)?, number(hi)?, number(lo)?)?;
        }
        // A type whose groups sum to no member is not shown (as when SQL grouped them).
        out.by_type.retain(|_, n| *n != 0);
        Ok(out)
    }
}

/// All active members of a cooperative (for merges and exports).
pub fn active_of(conn: &mut DbConn, cooperative_id: i64) -> QueryResult<Vec<Member>> {
    members::table
        .filter(members::cooperative_id.eq(cooperative_id))
        .filter(still_member())
        .order(members::id.asc())
        .select(Member::as_select())
        .load(conn)
}

/// Moves members to another cooperative.
pub fn reassign(
    conn: &mut DbConn,
    ids: &[i64],
    into: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(members::table.filter(members::id.eq_any(ids)))
        .set((
            members::cooperative_id.eq(into),
            members::updated_at.eq(at),
            members::version.eq(members::version + 1),
        ))
        .execute(conn)
}

// ------------------------------------------------------------------ sealing and rotation

/// A value written before ID numbers were sealed: still plain in `id_number`.
#[derive(Queryable, Debug, Clone)]
pub struct PlainIdNumber {
    pub id: i64,
    pub id_number: String,
}

/// Up to `limit` members whose ID number is still plain, in id order.
pub fn plain_id_numbers(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<PlainIdNumber>> {
    members::table
        .filter(members::id_number.is_not_null())
        .order(members::id.asc())
        .limit(limit)
        .select((members::id, members::id_number.assume_not_null()))
        .load(conn)
}

/// A sealed value with the key it is under.
#[derive(Queryable, Debug, Clone)]
pub struct SealedIdNumber {
    pub id: i64,
    pub sealed: String,
    pub key_id: String,
}

/// Up to `limit` members whose ID number is sealed under a key other than `key_id`.
pub fn sealed_not_under(
    conn: &mut DbConn,
    key_id: &str,
    limit: i64,
) -> QueryResult<Vec<SealedIdNumber>> {
    members::table
        .filter(members::id_number_sealed.is_not_null())
        .filter(
            members::id_number_key
                .ne(key_id.to_string())
                .or(members::id_number_key.is_null()),
        )
        .order(members::id.asc())
        .limit(limit)
        .select((
            members::id,
            members::id_number_sealed.assume_not_null(),
            members::id_number_key.assume_not_null(),
        ))
        .load(conn)
}

/// How many sealed ID numbers each key holds.
pub fn count_by_key(conn: &mut DbConn) -> QueryResult<Vec<(Option<String>, i64)>> {
    members::table
        .filter(members::id_number_sealed.is_not_null())
        .group_by(members::id_number_key)
        .select((members::id_number_key, diesel::dsl::count_star()))
        .load(conn)
}

/// Stores a member's sealed value (and empties the plain column); the row's version and
/// `updated_at` stay: the member did not change.
pub fn store_sealed(
    conn: &mut DbConn,
    id: i64,
    sealed: &str,
    key_id: &str,
    index: &str,
    masked: &str,
) -> QueryResult<usize> {
    diesel::update(members::table.filter(members::id.eq(id)))
        .set((
            members::id_number.eq(None::<String>),
            members::id_number_sealed.eq(sealed),
            members::id_number_key.eq(key_id),
            members::id_number_index.eq(index),
            members::id_number_masked.eq(masked),
        ))
        .execute(conn)
}

/// Rewrites the members' storage so that values replaced by sealing are gone from the files,
/// not only unreachable: SQLite is vacuumed and its WAL truncated; PostgreSQL's table is
/// rewritten (`VACUUM FULL`). Outside any transaction; takes the table's lock while it runs.
pub fn compact(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);"),
        DbConn::Pg(c) => c.batch_execute("VACUUM FULL members"),
    }
}

#[cfg(test)]
mod tests {
    use super::Counts;

    #[test]
    fn a_member_list_column_is_read_exactly() {
        // 5,000,000,100 fen = 1 × 2³² + 705,032,804: the halves recombine exactly.
        let c = Counts::of_list(Some("enterprise:1:0:7,farmer:2:1:705032804")).unwrap();
        assert_eq!(c.by_type["farmer"], 2);
        assert_eq!(c.by_type["enterprise"], 1);
        assert_eq!(c.total_contribution_fen, 4_294_967_296 + 705_032_804 + 7);
        let none = Counts::of_list(None).unwrap();
        assert!(none.by_type.is_empty() && none.total_contribution_fen == 0);
        assert!(Counts::of_list(Some("farmer:1:0")).is_err());
        assert!(Counts::of_list(Some("farmer:x:0:1")).is_err());
        assert!(Counts::of_list(Some("alien:1:0:1")).is_err());
    }

    #[test]
    fn a_member_list_sums_a_type_over_its_groups() {
        // The column as `MemberList` writes it: the tallies' groups, a comma, then one group
        // per member exiting after today (here one farmer of 3,400,000 fen). Either part may
        // be empty: ",", "x," and ",x" all parse.
        let c = Counts::of_list(Some(
            "farmer:20:0:46600000,enterprise:2:0:4900000,farmer:1:0:3400000",
        ))
        .unwrap();
        assert_eq!(c.by_type["farmer"], 21);
        assert_eq!(c.by_type["enterprise"], 2);
        // 46,600,000 + 4,900,000 + 3,400,000 = 54,900,000 fen.
        assert_eq!(c.total_contribution_fen, 54_900_000);
        let none = Counts::of_list(Some(",")).unwrap();
        assert!(none.by_type.is_empty() && none.total_contribution_fen == 0);
        let only_exiting = Counts::of_list(Some(",institution:1:0:100")).unwrap();
        assert_eq!(only_exiting.by_type["institution"], 1);
        // A type whose groups sum to no member is not listed.
        let zero = Counts::of_list(Some("farmer:0:0:0,")).unwrap();
        assert!(zero.by_type.is_empty());
    }
}
