//! The fund's per-bank agreements, compensation claims and recoveries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{compensation_claims, loan_recoveries, risk_fund_agreements};
use crate::db::{Backend, DbConn};
use crate::domain::compensation::ClaimStatus;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = risk_fund_agreements)]
pub struct Agreement {
    pub id: i64,
    pub bank_code: String,
    pub leverage: i32,
    pub compensation_share_bp: i32,
    pub effective_from: NaiveDate,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn agreement(conn: &mut DbConn, bank: &str) -> QueryResult<Option<Agreement>> {
    risk_fund_agreements::table
        .filter(risk_fund_agreements::bank_code.eq(bank))
        .select(Agreement::as_select())
        .first(conn)
        .optional()
}

pub fn agreements(conn: &mut DbConn, bank: Option<&str>) -> QueryResult<Vec<Agreement>> {
    let mut q = risk_fund_agreements::table.into_boxed::<Backend>();
    if let Some(b) = bank {
        q = q.filter(risk_fund_agreements::bank_code.eq(b.to_string()));
    }
    q.order(risk_fund_agreements::bank_code.asc())
        .select(Agreement::as_select())
        .load(conn)
}

/// Writes a bank's agreement (insert, or replace bumping its version).
pub fn put_agreement(
    conn: &mut DbConn,
    bank: &str,
    leverage: i32,
    share_bp: i32,
    effective_from: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<Agreement> {
    use risk_fund_agreements as a;
    let n = diesel::update(a::table.filter(a::bank_code.eq(bank)))
        .set((
            a::leverage.eq(leverage),
            a::compensation_share_bp.eq(share_bp),
            a::effective_from.eq(effective_from),
            a::version.eq(a::version + 1),
            a::updated_at.eq(at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(a::table)
            .values((
                a::bank_code.eq(bank),
                a::leverage.eq(leverage),
                a::compensation_share_bp.eq(share_bp),
                a::effective_from.eq(effective_from),
                a::version.eq(1),
                a::created_at.eq(at),
                a::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    agreement(conn, bank)?.ok_or(diesel::result::Error::NotFound)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = compensation_claims)]
pub struct Claim {
    pub id: i64,
    pub loan_id: i64,
    pub bank_code: String,
    pub status: ClaimStatus,
    /// A JSON array of strings.
    pub evidence: String,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub amount_fen: Option<i64>,
    pub fund_entry_id: Option<i64>,
    pub submitted_sub: String,
    pub submitted_by: String,
    pub approved_sub: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
    pub paid_by: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = compensation_claims)]
pub struct NewClaim {
    pub loan_id: i64,
    pub bank_code: String,
    pub status: ClaimStatus,
    pub evidence: String,
    pub note: Option<String>,
    pub submitted_sub: String,
    pub submitted_by: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns a move of a claim sets.
#[derive(AsChangeset, Default)]
#[diesel(table_name = compensation_claims)]
pub struct ClaimChanges {
    pub status: Option<ClaimStatus>,
    pub reason: Option<String>,
    pub amount_fen: Option<i64>,
    pub fund_entry_id: Option<i64>,
    pub approved_sub: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
    pub paid_by: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<NaiveDateTime>,
    pub version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_claim(conn: &mut DbConn, c: &NewClaim) -> QueryResult<Claim> {
    diesel::insert_into(compensation_claims::table)
        .values(c)
        .get_result(conn)
}

/// A claim, of `bank` when given (else `NotFound`).
pub fn claim(conn: &mut DbConn, id: i64, bank: Option<&str>) -> QueryResult<Claim> {
    let mut q = compensation_claims::table
        .filter(compensation_claims::id.eq(id))
        .into_boxed::<Backend>();
    if let Some(b) = bank {
        q = q.filter(compensation_claims::bank_code.eq(b.to_string()));
    }
    q.select(Claim::as_select()).first(conn)
}

fn claims_filtered(
    own_bank: Option<&str>,
    status: Option<ClaimStatus>,
    bank: Option<&str>,
) -> compensation_claims::BoxedQuery<'static, Backend> {
    let mut q = compensation_claims::table.into_boxed::<Backend>();
    for b in [own_bank, bank].into_iter().flatten() {
        q = q.filter(compensation_claims::bank_code.eq(b.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(compensation_claims::status.eq(s));
    }
    q
}

/// Claims by id, after `after`, at most `limit`; only `own_bank`'s when given.
pub fn claims(
    conn: &mut DbConn,
    own_bank: Option<&str>,
    status: Option<ClaimStatus>,
    bank: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Claim>> {
    let mut q = claims_filtered(own_bank, status, bank);
    if let Some(a) = after {
        q = q.filter(compensation_claims::id.gt(a));
    }
    q.order(compensation_claims::id.asc())
        .limit(limit)
        .select(Claim::as_select())
        .load(conn)
}

pub fn count_claims(
    conn: &mut DbConn,
    own_bank: Option<&str>,
    status: Option<ClaimStatus>,
    bank: Option<&str>,
) -> QueryResult<i64> {
    claims_filtered(own_bank, status, bank)
        .count()
        .get_result(conn)
}

/// The claim of a loan that is not rejected, if any.
pub fn live_claim(conn: &mut DbConn, loan_id: i64) -> QueryResult<Option<Claim>> {
    compensation_claims::table
        .filter(compensation_claims::loan_id.eq(loan_id))
        .filter(compensation_claims::status.ne(ClaimStatus::Rejected))
        .select(Claim::as_select())
        .first(conn)
        .optional()
}

/// Applies `changes` only if the claim is still at `expected` (else `None`).
pub fn update_claim(
    conn: &mut DbConn,
    id: i64,
    expected: i32,
    mut changes: ClaimChanges,
    at: NaiveDateTime,
) -> QueryResult<Option<Claim>> {
    changes.version = Some(expected + 1);
    changes.updated_at = Some(at);
    let n = diesel::update(
        compensation_claims::table
            .filter(compensation_claims::id.eq(id))
            .filter(compensation_claims::version.eq(expected)),
    )
    .set(&changes)
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    claim(conn, id, None).map(Some)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = loan_recoveries)]
pub struct Recovery {
    pub id: i64,
    pub loan_id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    pub share_bp: i32,
    pub fund_share_fen: i64,
    pub recovered_on: NaiveDate,
    pub bank_reference: String,
    pub fund_entry_id: Option<i64>,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = loan_recoveries)]
pub struct NewRecovery {
    pub loan_id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    pub share_bp: i32,
    pub fund_share_fen: i64,
    pub recovered_on: NaiveDate,
    pub bank_reference: String,
    pub fund_entry_id: Option<i64>,
    pub actor_name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_recovery(conn: &mut DbConn, r: &NewRecovery) -> QueryResult<Recovery> {
    diesel::insert_into(loan_recoveries::table)
        .values(r)
        .get_result(conn)
}

pub fn recovery_by_reference(
    conn: &mut DbConn,
    bank: &str,
    reference: &str,
) -> QueryResult<Option<Recovery>> {
    loan_recoveries::table
        .filter(loan_recoveries::bank_code.eq(bank))
        .filter(loan_recoveries::bank_reference.eq(reference))
        .select(Recovery::as_select())
        .first(conn)
        .optional()
}
