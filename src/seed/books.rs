//! The demo's own books: a member assembly for most cooperatives last year (a few
//! resolutions failing the two-thirds rule), a year's transactions and an adopted surplus
//! distribution for one cooperative in ten, and a few exits by notice.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::db::models::books::{Allocation, Distribution, Transaction};
use crate::db::models::meeting::{NewMeeting, Resolution};
use crate::db::models::now;
use crate::db::schema::{
    meetings, member_transactions, members, surplus_allocations, surplus_distributions,
};
use crate::db::DbConn;
use crate::domain::distribution::{self as rules, DistributionStatus, Figures};
use crate::domain::meeting::{MeetingKind, ResolutionSubject};

/// One cooperative in this many keeps its transactions and an adopted distribution.
const DISTRIBUTION_EVERY: usize = 10;

fn meeting(conn: &mut DbConn, m: &NewMeeting) -> QueryResult<i64> {
    diesel::insert_into(meetings::table)
        .values(m)
        .returning(meetings::id)
        .get_result(conn)
}

fn resolution(
    meeting_id: i64,
    coop: i64,
    seq: i32,
    subject: ResolutionSubject,
    total: i64,
    for_: i64,
) -> Resolution {
    let v = crate::domain::meeting::Votes {
        subject,
        votes_for: for_,
        votes_against: total - for_,
        abstentions: 0,
        additional_votes_for: 0,
    };
    Resolution {
        id: 0,
        meeting_id,
        cooperative_id: coop,
        seq,
        subject,
        votes_for: for_,
        votes_against: total - for_,
        abstentions: 0,
        additional_votes_for: 0,
        passed: crate::domain::meeting::decide(total, total, &v).unwrap_or(false),
    }
}

/// Writes the books; `ids` are the cooperatives in creation order.
pub(super) fn books(
    conn: &mut DbConn,
    rng: &mut StdRng,
    ids: &[i64],
    today: NaiveDate,
) -> QueryResult<()> {
    let ly = today.year() - 1;
    let at = now();
    let rows: Vec<(i64, i64, i64)> = members::table
        .filter(members::exited_on.is_null())
        .select((
            members::id,
            members::cooperative_id,
            members::contribution_fen,
        ))
        .order(members::id)
        .load(conn)?;
    let mut by_coop: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (id, coop, contribution) in rows {
        by_coop.entry(coop).or_default().push((id, contribution));
    }
    let adopted_on = NaiveDate::from_ymd_opt(ly + 1, 1, 20)
        .unwrap_or(today)
        .min(today);
    let mut resolutions = Vec::new();
    for (i, coop) in ids.iter().enumerate() {
        let Some(list) = by_coop.get(coop) else {
            continue;
        };
        let total = list.len() as i64;
        if rng.gen_range(0..100) < 85 {
            let held_on = NaiveDate::from_ymd_opt(ly, rng.gen_range(3..=4), rng.gen_range(1..=28))
                .unwrap_or(today);
            let kind = if total > 150 {
                MeetingKind::RepresentativeAssembly
            } else {
                MeetingKind::MemberAssembly
            };
            let body = if total > 150 { 150 } else { total };
            let id = meeting(
                conn,
                &NewMeeting {
                    cooperative_id: *coop,
                    kind,
                    held_on,
                    members_total: body,
                    attending: body,
                    recorded_by: "seed".into(),
                    created_at: at,
                },
            )?;
            resolutions.push(resolution(
                id,
                *coop,
                1,
                ResolutionSubject::Budget,
                body,
                body * 3 / 4,
            ));
            if rng.gen_range(0..20) == 0 {
                // Carried by more than half, short of two thirds: the charter stays as it is.
                resolutions.push(resolution(
                    id,
                    *coop,
                    2,
                    ResolutionSubject::CharterAmendment,
                    body,
                    body / 2 + 1,
                ));
            }
        }
        if i % DISTRIBUTION_EVERY != 0 {
            continue;
        }
        let tx: Vec<Transaction> = list
            .iter()
            .map(|(m, _)| Transaction {
                id: 0,
                cooperative_id: *coop,
                member_id: *m,
                year: ly,
                amount_fen: rng.gen_range(100_000..=50_000_000),
                quantity: Some(rng.gen_range(10..=5_000)),
                unit: Some("kg".into()),
                version: 1,
                updated_at: at,
            })
            .collect();
        crate::on_inner!(conn, |c| diesel::insert_into(member_transactions::table)
            .values(&tx)
            .execute(c))?;
        let traded: i64 = tx.iter().map(|t| t.amount_fen).sum();
        let surplus = traded / 100 * rng.gen_range(5..=10);
        let reserve = surplus / 10;
        let bp = 6000 + 500 * rng.gen_range(0..=4);
        let Ok(split) = rules::split(&Figures {
            surplus_fen: surplus,
            loss_makeup_fen: 0,
            reserve_fen: reserve,
            distributable_fen: None,
            by_transactions_bp: bp,
        }) else {
            continue;
        };
        let weights: Vec<(i64, i64)> = tx.iter().map(|t| (t.member_id, t.amount_fen)).collect();
        let Ok(parts) = rules::allocate(&split, reserve, &weights, list) else {
            continue;
        };
        let vote_id = meeting(
            conn,
            &NewMeeting {
                cooperative_id: *coop,
                kind: MeetingKind::MemberAssembly,
                held_on: adopted_on,
                members_total: total,
                attending: total,
                recorded_by: "seed".into(),
                created_at: at,
            },
        )?;
        resolutions.push(resolution(
            vote_id,
            *coop,
            1,
            ResolutionSubject::SurplusDistribution,
            total,
            total,
        ));
        let d = Distribution {
            id: 0,
            cooperative_id: *coop,
            year: ly,
            status: DistributionStatus::Adopted,
            surplus_fen: surplus,
            loss_makeup_fen: 0,
            reserve_fen: reserve,
            distributable_fen: split.distributable_fen,
            by_transactions_bp: bp as i32,
            by_transactions_fen: split.by_transactions_fen,
            by_shares_fen: split.by_shares_fen,
            meeting_id: Some(vote_id),
            resolution_seq: Some(1),
            adopted_on: Some(adopted_on),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let did: i64 = diesel::insert_into(surplus_distributions::table)
            .values(&d)
            .returning(surplus_distributions::id)
            .get_result(conn)?;
        let allocations: Vec<Allocation> = parts
            .iter()
            .map(|p| Allocation {
                id: 0,
                distribution_id: did,
                cooperative_id: *coop,
                member_id: p.member_id,
                transactions_fen: p.transactions_fen,
                shares_fen: p.shares_fen,
                by_transactions_fen: p.by_transactions_fen,
                by_shares_fen: p.by_shares_fen,
                reserve_share_fen: p.reserve_share_fen,
            })
            .collect();
        crate::on_inner!(conn, |c| diesel::insert_into(surplus_allocations::table)
            .values(&allocations)
            .execute(c))?;
        // One member of the cooperative gave notice last November: out at the next year end.
        if let Some((m, _)) = list.last() {
            diesel::update(members::table.filter(members::id.eq(*m)))
                .set((
                    members::exit_requested_on.eq(NaiveDate::from_ymd_opt(ly, 11, 15)),
                    members::exited_on.eq(NaiveDate::from_ymd_opt(ly + 1, 12, 31)),
                    members::exit_kind.eq("notice"),
                ))
                .execute(conn)?;
        }
    }
    for chunk in resolutions.chunks(1000) {
        crate::on_inner!(conn, |c| diesel::insert_into(
            crate::db::schema::resolutions::table
        )
        .values(chunk)
        .execute(c))?;
    }
    Ok(())
}
