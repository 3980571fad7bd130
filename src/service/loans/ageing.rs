//! The daily ageing job (`coophub loans age [--on DATE]`, and a task in `serve`): for every
//! loan being repaid, defaulted or compensated, days past due and the classification as of a
//! day (RULES.md; `domain::loan_ageing`), from the book as it stood at the end of that day; a disbursed loan with an instalment past due moves
//! to `overdue` (event `loan.overdue`), an overdue one with nothing past due back to
//! `disbursed`; a change of classification emits `loan.classification_changed`. In batches,
//! one write transaction each.

use chrono::NaiveDate;

use crate::db::models::audit::Actor;
use crate::db::models::loans::{self as m, LoanChanges};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_ageing::classify;
use crate::domain::loan_book::asof::book_on;
use crate::domain::loan_state::{LoanAction, LoanStatus};
use crate::error::ApiResult;
use crate::views::loans::book::{entries_of, terms_of};
use crate::webhooks::emit;

use super::{transit, view};

/// Loans per batch.
pub const AGE_BATCH: i64 = 500;

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgeReport {
    pub loans: usize,
    pub overdue: usize,
    pub cured: usize,
    pub reclassified: usize,
}

impl std::fmt::Display for AgeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} loans aged: {} now overdue, {} cured, {} reclassified",
            self.loans, self.overdue, self.cured, self.reclassified
        )
    }
}

/// Ages one batch of loans after `after`; returns the last id seen (None when done).
pub fn age_batch(
    conn: &mut DbConn,
    on: NaiveDate,
    after: Option<i64>,
    report: &mut AgeReport,
) -> ApiResult<Option<i64>> {
    let actor = Actor {
        name: "ageing".into(),
        ..Actor::cli()
    };
    let batch = m::ageing_batch(conn, after, AGE_BATCH)?;
    let last = batch.last().map(|l| l.id);
    let ids: Vec<i64> = batch.iter().map(|l| l.id).collect();
    let mut ledgers = m::ledgers_booked_by(conn, &ids, on)?;
    for loan in batch {
        report.loans += 1;
        let reps = ledgers.remove(&loan.id).unwrap_or_default();
        let Some(terms) = terms_of(&loan) else {
            continue;
        };
        // The book as it stood at the end of `on`: a past day is aged with what was
        // recorded by then (docs/loans.md "As of a day").
        let book = book_on(terms, &entries_of(&reps), on);
        let dpd = book.days_past_due(on);
        let class = classify(dpd);
        let mut current = loan.clone();
        if loan.status == LoanStatus::Disbursed && dpd > 0 {
            let note = format!("{dpd} days past due on {on}");
            current = transit(
                conn,
                &actor,
                &current,
                LoanAction::MarkOverdue,
                LoanChanges::default(),
                Some(&note),
                Some("loan.overdue"),
            )?;
            report.overdue += 1;
        } else if loan.status == LoanStatus::Overdue && dpd == 0 {
            let note = format!("nothing past due on {on}");
            current = transit(
                conn,
                &actor,
                &current,
                LoanAction::Cure,
                LoanChanges::default(),
                Some(&note),
                None,
            )?;
            report.cured += 1;
        }
        let dpd32 = i32::try_from(dpd).unwrap_or(i32::MAX);
        if dpd32 != loan.days_past_due || class != loan.classification {
            m::set_ageing(conn, loan.id, dpd32, class, now())?;
        }
        if class != loan.classification {
            report.reclassified += 1;
            let fresh = m::find_loan(conn, &m::LoanScope::All, current.id)?;
            let out = view(conn, fresh)?;
            emit(
                conn,
                &out.bank_code,
                "loan.classification_changed",
                &serde_json::json!({"loan": out, "from": loan.classification, "to": class, "days_past_due": dpd, "on": on}),
            )?;
        }
    }
    Ok(last)
}

/// Ages every loan as of `on`, a batch per write transaction.
pub fn age_all(conn: &mut DbConn, on: NaiveDate) -> ApiResult<AgeReport> {
    let mut report = AgeReport::default();
    let mut after = None;
    loop {
        let last = crate::db::write_tx(conn, |conn| age_batch(conn, on, after, &mut report))?;
        match last {
            Some(id) => after = Some(id),
            None => return Ok(report),
        }
    }
}

/// The daily task of `serve`: ages every loan as of today at start and then every 24 hours,
/// on its own thread (never on the request executor). A failed run is logged and retried
/// the next time.
pub fn spawn_daily(pool: crate::db::Pool) {
    std::thread::Builder::new()
        .name("loan-ageing".into())
        .spawn(move || loop {
            match pool.get() {
                Ok(mut conn) => match age_all(&mut conn, crate::db::models::today()) {
                    Ok(report) => tracing::info!(%report, "loan ageing"),
                    Err(e) => tracing::error!(error = %e, "loan ageing failed"),
                },
                Err(e) => tracing::error!(error = %e, "loan ageing: no connection"),
            }
            std::thread::sleep(std::time::Duration::from_secs(24 * 60 * 60));
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::error!(error = %e, "loan ageing: cannot start"));
}
