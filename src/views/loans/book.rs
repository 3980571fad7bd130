//! A loan's book (`domain::loan_book`) from its row and its recorded ledger.

use crate::db::models::loans::{Loan, Repayment};
use crate::domain::loan_book::asof::Entry;
use crate::domain::loan_book::{Book, Payment, Terms};

/// The terms of a disbursed loan (None before disbursement).
pub fn terms_of(l: &Loan) -> Option<Terms> {
    Some(Terms {
        method: l.repayment_method,
        principal_fen: l.approved_amount_fen.unwrap_or(l.amount_fen),
        annual_rate_bp: l.annual_rate_bp,
        term_months: l.term_months.max(1) as u32,
        disbursed_on: l.disbursed_on?,
        first_due_on: l.first_due_on,
        penalty_markup_bp: l.penalty_rate_markup_bp,
    })
}

/// The ledger as payments, in the order recorded.
pub fn payments_of(reps: &[Repayment]) -> Vec<Payment> {
    reps.iter()
        .map(|r| Payment {
            paid_on: r.paid_on,
            amount_fen: r.amount_fen,
            mode: r.prepayment,
        })
        .collect()
}

/// The book of a disbursed loan with its ledger read (None before disbursement).
pub fn book_of(l: &Loan, reps: &[Repayment]) -> Option<Book> {
    terms_of(l).map(|t| Book::read(t, &payments_of(reps)))
}

/// The whole ledger (reversed repayments included) as entries with their booking and
/// reversal instants, for the book as of a day.
pub fn entries_of(reps: &[Repayment]) -> Vec<Entry> {
    reps.iter()
        .map(|r| Entry {
            id: r.id,
            payment: Payment {
                paid_on: r.paid_on,
                amount_fen: r.amount_fen,
                mode: r.prepayment,
            },
            booked_at: r.created_at,
            reversed_at: r.reversed_at,
        })
        .collect()
}
