//! Member accounts: transactions per member and year, surplus distributions and their
//! allocations per member.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{member_transactions, members, surplus_allocations, surplus_distributions};
use crate::db::DbConn;
use crate::domain::distribution::DistributionStatus;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = member_transactions, treat_none_as_null = true)]
pub struct Transaction {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub member_id: i64,
    pub year: i32,
    pub amount_fen: i64,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

pub fn transaction(
    conn: &mut DbConn,
    member_id: i64,
    year: i32,
) -> QueryResult<Option<Transaction>> {
    member_transactions::table
        .filter(member_transactions::member_id.eq(member_id))
        .filter(member_transactions::year.eq(year))
        .select(Transaction::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a member's transactions of a year (the caller checked the version).
pub fn save_transaction(conn: &mut DbConn, row: &Transaction, exists: bool) -> QueryResult<()> {
    if exists {
        diesel::update(
            member_transactions::table
                .filter(member_transactions::member_id.eq(row.member_id))
                .filter(member_transactions::year.eq(row.year)),
        )
        .set((
            member_transactions::amount_fen.eq(row.amount_fen),
            member_transactions::quantity.eq(row.quantity),
            member_transactions::unit.eq(&row.unit),
            member_transactions::version.eq(row.version),
            member_transactions::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    } else {
        diesel::insert_into(member_transactions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Every member's transaction amount of a cooperative's year: (member id, amount).
pub fn amounts_of_year(conn: &mut DbConn, coop_id: i64, year: i32) -> QueryResult<Vec<(i64, i64)>> {
    member_transactions::table
        .filter(member_transactions::cooperative_id.eq(coop_id))
        .filter(member_transactions::year.eq(year))
        .order(member_transactions::member_id)
        .select((
            member_transactions::member_id,
            member_transactions::amount_fen,
        ))
        .load(conn)
}

/// The members on the ledger on `on` (joined by then, not exited before): (id, contribution).
pub fn members_on(conn: &mut DbConn, coop_id: i64, on: NaiveDate) -> QueryResult<Vec<(i64, i64)>> {
    members::table
        .filter(members::cooperative_id.eq(coop_id))
        .filter(members::joined_on.le(on))
        .filter(members::exited_on.is_null().or(members::exited_on.ge(on)))
        .order(members::id)
        .select((members::id, members::contribution_fen))
        .load(conn)
}

/// Every member's reserve share from distributions adopted for years up to `year`:
/// (member id, reserve share).
pub fn reserve_shares(conn: &mut DbConn, coop_id: i64, year: i32) -> QueryResult<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = surplus_allocations::table
        .inner_join(surplus_distributions::table)
        .filter(surplus_allocations::cooperative_id.eq(coop_id))
        .filter(surplus_distributions::status.eq(DistributionStatus::Adopted))
        .filter(surplus_distributions::year.le(year))
        .select((
            surplus_allocations::member_id,
            surplus_allocations::reserve_share_fen,
        ))
        .load(conn)?;
    let mut sums: std::collections::BTreeMap<i64, i64> = Default::default();
    for (m, v) in rows {
        *sums.entry(m).or_default() += v;
    }
    Ok(sums.into_iter().collect())
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = surplus_distributions, treat_none_as_null = true)]
pub struct Distribution {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub cooperative_id: i64,
    pub year: i32,
    pub status: DistributionStatus,
    pub surplus_fen: i64,
    pub loss_makeup_fen: i64,
    pub reserve_fen: i64,
    pub distributable_fen: i64,
    pub by_transactions_bp: i32,
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
    pub meeting_id: Option<i64>,
    pub resolution_seq: Option<i32>,
    pub adopted_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = surplus_allocations)]
pub struct Allocation {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub distribution_id: i64,
    pub cooperative_id: i64,
    pub member_id: i64,
    pub transactions_fen: i64,
    pub shares_fen: i64,
    pub by_transactions_fen: i64,
    pub by_shares_fen: i64,
    pub reserve_share_fen: i64,
}

pub fn distribution(
    conn: &mut DbConn,
    coop_id: i64,
    year: i32,
) -> QueryResult<Option<Distribution>> {
    surplus_distributions::table
        .filter(surplus_distributions::cooperative_id.eq(coop_id))
        .filter(surplus_distributions::year.eq(year))
        .select(Distribution::as_select())
        .first(conn)
        .optional()
}

/// The adopted distributions of these cooperatives, every year.
pub fn adopted_of(conn: &mut DbConn, coop_ids: &[i64]) -> QueryResult<Vec<Distribution>> {
    surplus_distributions::table
        .filter(surplus_distributions::cooperative_id.eq_any(coop_ids))
        .filter(surplus_distributions::status.eq(DistributionStatus::Adopted))
        .select(Distribution::as_select())
        .load(conn)
}

/// Writes a distribution (a new row, or the draft replaced) with its allocations.
pub fn save_distribution(
    conn: &mut DbConn,
    row: &Distribution,
    allocations: &[Allocation],
) -> QueryResult<Distribution> {
    let id = match distribution(conn, row.cooperative_id, row.year)? {
        Some(existing) => {
            diesel::delete(
                surplus_allocations::table
                    .filter(surplus_allocations::distribution_id.eq(existing.id)),
            )
            .execute(conn)?;
            diesel::update(
                surplus_distributions::table.filter(surplus_distributions::id.eq(existing.id)),
            )
            .set((
                surplus_distributions::status.eq(row.status),
                surplus_distributions::surplus_fen.eq(row.surplus_fen),
                surplus_distributions::loss_makeup_fen.eq(row.loss_makeup_fen),
                surplus_distributions::reserve_fen.eq(row.reserve_fen),
                surplus_distributions::distributable_fen.eq(row.distributable_fen),
                surplus_distributions::by_transactions_bp.eq(row.by_transactions_bp),
                surplus_distributions::by_transactions_fen.eq(row.by_transactions_fen),
                surplus_distributions::by_shares_fen.eq(row.by_shares_fen),
                surplus_distributions::meeting_id.eq(row.meeting_id),
                surplus_distributions::resolution_seq.eq(row.resolution_seq),
                surplus_distributions::adopted_on.eq(row.adopted_on),
                surplus_distributions::version.eq(row.version),
                surplus_distributions::updated_at.eq(row.updated_at),
            ))
            .execute(conn)?;
            existing.id
        }
        None => diesel::insert_into(surplus_distributions::table)
            .values(row)
            .returning(surplus_distributions::id)
            .get_result(conn)?,
    };
    for a in allocations {
        let a = Allocation {
            distribution_id: id,
            ..a.clone()
        };
        diesel::insert_into(surplus_allocations::table)
            .values(&a)
            .execute(conn)?;
    }
    surplus_distributions::table
        .filter(surplus_distributions::id.eq(id))
        .select(Distribution::as_select())
        .first(conn)
}

pub fn allocations(conn: &mut DbConn, distribution_id: i64) -> QueryResult<Vec<Allocation>> {
    surplus_allocations::table
        .filter(surplus_allocations::distribution_id.eq(distribution_id))
        .order(surplus_allocations::member_id)
        .select(Allocation::as_select())
        .load(conn)
}

/// A member's allocation from the distribution of a year, if any.
pub fn allocation_of(
    conn: &mut DbConn,
    member_id: i64,
    distribution_id: i64,
) -> QueryResult<Option<Allocation>> {
    surplus_allocations::table
        .filter(surplus_allocations::distribution_id.eq(distribution_id))
        .filter(surplus_allocations::member_id.eq(member_id))
        .select(Allocation::as_select())
        .first(conn)
        .optional()
}

/// The names of these members: (id, name).
pub fn member_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    members::table
        .filter(members::id.eq_any(ids))
        .select((members::id, members::name))
        .load(conn)
}

/// How many of a cooperative's loans are exposed (approved, disbursed, overdue, defaulted).
pub fn exposed_loans(conn: &mut DbConn, coop_id: i64) -> QueryResult<i64> {
    use crate::db::schema::loans;
    loans::table
        .filter(loans::cooperative_id.eq(coop_id))
        .filter(loans::status.eq_any(crate::domain::loan_state::EXPOSED))
        .count()
        .get_result(conn)
}
