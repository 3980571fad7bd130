//! SQL that Diesel's DSL cannot say on both backends, as expression types.
//!
//! `diesel::dsl::sql` marks its statement as not cacheable, so SQLite parses and plans such a
//! statement again on every execution. These types write the same SQL and keep a static query
//! id, so the statements built from them stay in the connection's prepared-statement cache.
//! They are written for any backend, so hot queries can also run on a backend's own
//! connection (see [`crate::db::on_inner`]).

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Nullable, Text};
use diesel::QueryResult;

use super::schema::cooperatives;

/// Writes `before`, the wrapped expression, then `after`.
fn wrapped<'b, DB: Backend, E: QueryFragment<DB>>(
    mut out: AstPass<'_, 'b, DB>,
    before: &'static str,
    e: &'b E,
    after: &'static str,
) -> QueryResult<()> {
    out.push_sql(before);
    e.walk_ast(out.reborrow())?;
    out.push_sql(after);
    Ok(())
}

/// Implements the expression traits of a one-field wrapper `$ty<E>` whose SQL is
/// `$before E $after`, of SQL type `$st`; it is valid in a `GROUP BY` where `E` is valid in `$gb`.
macro_rules! wrapper {
    ($ty:ident, $st:ty, $before:literal, $after:literal, grouped = $gb:ty, aggregate = $agg:ty) => {
        impl<E: Expression<SqlType = BigInt>> Expression for $ty<E> {
            type SqlType = $st;
        }

        impl<E: Expression<SqlType = BigInt> + AppearsOnTable<QS>, QS> AppearsOnTable<QS>
            for $ty<E>
        {
        }

        impl<E: Expression<SqlType = BigInt> + SelectableExpression<QS>, QS>
            SelectableExpression<QS> for $ty<E>
        {
        }

        impl<E: ValidGrouping<$gb>, GB> ValidGrouping<GB> for $ty<E> {
            type IsAggregate = $agg;
        }

        impl<E: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for $ty<E> {
            fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                wrapped(out, $before, &self.0, $after)
            }
        }
    };
}

/// `CAST(SUM(e) AS BIGINT)`: a sum of BIGINTs as a BIGINT on both backends (PostgreSQL's
/// `SUM(bigint)` is `numeric`). Callers keep it far from overflow, e.g. with [`High32`] and
/// [`Low32`].
#[derive(Debug, Clone, Copy, QueryId)]
pub struct SumBigInt<E>(pub E);
// An aggregate: its argument is valid with no GROUP BY at all, as for Diesel's own `sum`.
wrapper!(
    SumBigInt,
    Nullable<BigInt>,
    "CAST(SUM(",
    ") AS BIGINT)",
    grouped = (),
    aggregate = is_aggregate::Yes
);

/// `(e / 4294967296)`: the high 32 bits of a BIGINT (division truncates toward zero on both
/// backends, so `High32(x) · 2³² + Low32(x) = x`).
#[derive(Debug, Clone, Copy, QueryId)]
pub struct High32<E>(pub E);
wrapper!(
    High32,
    BigInt,
    "(",
    " / 4294967296)",
    grouped = GB,
    aggregate = E::IsAggregate
);

/// `(e % 4294967296)`: the rest of [`High32`].
#[derive(Debug, Clone, Copy, QueryId)]
pub struct Low32<E>(pub E);
wrapper!(
    Low32,
    BigInt,
    "(",
    " % 4294967296)",
    grouped = GB,
    aggregate = E::IsAggregate
);

/// Whether a cooperative has this industry: a correlated `EXISTS`, probed by the primary key
/// `(cooperative_id, industry_code)` for each row the other filters and the id order chose.
/// (An `IN (sub-query)` made both engines collect every cooperative of a common industry,
/// 440 k rows at national order, before reading the first page.)
#[derive(Debug, Clone, QueryId)]
pub struct HasIndustry(pub String);

impl Expression for HasIndustry {
    type SqlType = Bool;
}

impl AppearsOnTable<cooperatives::table> for HasIndustry {}

impl SelectableExpression<cooperatives::table> for HasIndustry {}

impl<GB> ValidGrouping<GB> for HasIndustry {
    type IsAggregate = is_aggregate::No;
}

impl<DB> QueryFragment<DB> for HasIndustry
where
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "EXISTS (SELECT 1 FROM cooperative_industries ci \
             WHERE ci.cooperative_id = cooperatives.id AND ci.industry_code = ",
        );
        out.push_bind_param::<Text, _>(&self.0)?;
        out.push_sql(")");
        Ok(())
    }
}

/// A cooperative's industry codes in one text column, `code,code,…` (NULL for none): a
/// correlated sub-query, so that a single GET reads its row and lists in one statement (one
/// round trip to PostgreSQL instead of three). (`string_agg` is SQLite's too since 3.44.)
#[derive(Debug, Clone, Copy, QueryId)]
pub struct IndustryList;

/// Active members of a cooperative in one text column: `type:count:high:low` groups,
/// comma-separated, where `high` and `low` are the sums of the contributions' [`High32`] and
/// [`Low32`] halves; a type may come in more than one group (summed when parsed). Active on
/// `today`: not exited, or exiting after it. The open memberships are `member_tallies`' rows
/// (migration 2026-12-04-000200, one per type), not an aggregate of the members; then one
/// group per member whose exit is dated after today, from the partial index
/// `members_exiting`. Two plain index reads, concatenated: no grouping in SQL (it cost a
/// temporary B-tree per cooperative, a third of a list page's SQL). Parsed by
/// `models::member::Counts::of_list`.
#[derive(Debug, Clone, Copy, QueryId)]
pub struct MemberList {
    pub today: chrono::NaiveDate,
}

impl Expression for IndustryList {
    type SqlType = Nullable<Text>;
}

impl Expression for MemberList {
    type SqlType = Nullable<Text>;
}

impl AppearsOnTable<cooperatives::table> for IndustryList {}
impl SelectableExpression<cooperatives::table> for IndustryList {}
impl AppearsOnTable<cooperatives::table> for MemberList {}
impl SelectableExpression<cooperatives::table> for MemberList {}

impl<GB> ValidGrouping<GB> for IndustryList {
    type IsAggregate = is_aggregate::No;
}

impl<GB> ValidGrouping<GB> for MemberList {
    type IsAggregate = is_aggregate::No;
}

impl<DB: Backend> QueryFragment<DB> for IndustryList {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "(SELECT string_agg(ci.industry_code, ',') FROM cooperative_industries ci \
             WHERE ci.cooperative_id = cooperatives.id)",
        );
        Ok(())
    }
}

impl<DB> QueryFragment<DB> for MemberList
where
    DB: Backend + HasSqlType<diesel::sql_types::Date>,
    chrono::NaiveDate: ToSql<diesel::sql_types::Date, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "(COALESCE((SELECT string_agg(t.member_type || ':' || t.n || ':' || \
             t.contribution_hi || ':' || t.contribution_lo, ',') FROM member_tallies t \
             WHERE t.cooperative_id = cooperatives.id AND t.n <> 0), '') || ',' || \
             COALESCE((SELECT string_agg(m.member_type || ':1:' || \
             (m.contribution_fen / 4294967296) || ':' || (m.contribution_fen % 4294967296), ',') \
             FROM members m WHERE m.cooperative_id = cooperatives.id \
             AND m.exited_on IS NOT NULL AND m.exited_on > ",
        );
        out.push_bind_param::<diesel::sql_types::Date, _>(&self.today)?;
        out.push_sql("), ''))");
        Ok(())
    }
}

/// `col` is one of `ids`, as one statement whatever their number: on SQLite
/// `col IN (SELECT value FROM json_each(?))` with the ids as a JSON array, on PostgreSQL
/// `col = ANY(?)` with an array. Diesel's `eq_any` writes one `?` per id, and SQLite never
/// caches such a statement: a list page parsed and planned its industries and member sums on
/// every request. For the backends' own connections only (`on_inner!`).
#[derive(Debug, Clone, QueryId)]
pub struct AnyOf<C> {
    column: C,
    ids: Vec<i64>,
    json: String,
}

impl<C> AnyOf<C> {
    pub fn new(column: C, ids: &[i64]) -> Self {
        let json = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        AnyOf {
            column,
            ids: ids.to_vec(),
            json,
        }
    }
}

impl<C: Expression<SqlType = BigInt>> Expression for AnyOf<C> {
    type SqlType = Bool;
}

impl<C: Expression<SqlType = BigInt> + AppearsOnTable<QS>, QS> AppearsOnTable<QS> for AnyOf<C> {}

impl<C: Expression<SqlType = BigInt> + SelectableExpression<QS>, QS> SelectableExpression<QS>
    for AnyOf<C>
{
}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for AnyOf<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryFragment<diesel::sqlite::Sqlite>> QueryFragment<diesel::sqlite::Sqlite> for AnyOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::sqlite::Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<diesel::pg::Pg>> QueryFragment<diesel::pg::Pg> for AnyOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<diesel::sql_types::Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

/// `%term%` with `%`, `_` and `\` escaped, for a LIKE pattern with `ESCAPE '\'` (a search term,
/// or one item of a comma-separated list written `,item,`).
pub fn like_pattern(term: &str) -> String {
    let mut s = String::with_capacity(term.len() + 2);
    s.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(super::like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
