//! The book as it stood at the end of a day (docs/loans.md "As of a day"): an entry of the
//! ledger counts from the day it was booked (recorded), or from its value date `paid_on` when
//! that is later, until the day it was reversed. The day's movements are the entries that
//! began or stopped counting that day, each with the change it made to the allocation, so a
//! day's closing book and the next day's movements give the next day's closing book.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Book, Payment, Split, Terms};

/// One entry of a loan's ledger with its booking and reversal instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub payment: Payment,
    /// When the repayment was recorded.
    pub booked_at: NaiveDateTime,
    /// When it was reversed, if it was.
    pub reversed_at: Option<NaiveDateTime>,
}

impl Entry {
    /// The instant it begins to count: its booking, or the start of its value date when
    /// that is later.
    fn enters_at(&self) -> NaiveDateTime {
        let value = self.payment.paid_on.and_time(chrono::NaiveTime::MIN);
        self.booked_at.max(value)
    }

    /// Whether it counts in the book at the end of `on`.
    pub fn counts_on(&self, on: NaiveDate) -> bool {
        self.enters_at().date() <= on && self.reversed_at.is_none_or(|r| r.date() > on)
    }
}

/// What a movement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    Repayment,
    Reversal,
}

/// One movement of a day: an entry beginning to count (a repayment, with its allocation) or
/// ceasing to (a reversal, with minus what the allocation lost by it, re-allocation of later
/// repayments included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub entry_id: i64,
    pub kind: MovementKind,
    /// The amount recorded (negative for a reversal).
    pub amount_fen: i64,
    /// The change to what has been allocated (negative for a reversal).
    pub split: Split,
}

/// The end-of-day book of a loan and that day's movements, oldest first.
#[derive(Debug, Clone)]
pub struct DayBook {
    pub book: Book,
    pub movements: Vec<Movement>,
}

fn add(a: Split, b: Split) -> Split {
    Split {
        penalty_interest_fen: a.penalty_interest_fen + b.penalty_interest_fen,
        interest_fen: a.interest_fen + b.interest_fen,
        principal_fen: a.principal_fen + b.principal_fen,
        prepaid_principal_fen: a.prepaid_principal_fen + b.prepaid_principal_fen,
    }
}

fn sub(a: Split, b: Split) -> Split {
    Split {
        penalty_interest_fen: a.penalty_interest_fen - b.penalty_interest_fen,
        interest_fen: a.interest_fen - b.interest_fen,
        principal_fen: a.principal_fen - b.principal_fen,
        prepaid_principal_fen: a.prepaid_principal_fen - b.prepaid_principal_fen,
    }
}

/// A set of counting entries, in ledger order, and the book they make.
struct Running {
    terms: Terms,
    entries: Vec<Entry>,
    book: Book,
    allocated: Split,
}

impl Running {
    fn new(terms: Terms, entries: Vec<Entry>) -> Self {
        let mut r = Running {
            terms,
            entries,
            book: Book::new(terms),
            allocated: Split::default(),
        };
        r.rebuild();
        r
    }

    /// Replays the entries (as [`Book::read`] does: by date, stably, each up to its day's
    /// payoff), summing what was allocated.
    fn rebuild(&mut self) {
        let mut sorted: Vec<Payment> = self.entries.iter().map(|e| e.payment).collect();
        sorted.sort_by_key(|p| p.paid_on);
        let mut b = Book::new(self.terms);
        let mut total = Split::default();
        for p in sorted {
            let amount = p.amount_fen.min(b.payoff(p.paid_on).total_fen);
            if let Ok(s) = b.pay(p.paid_on, amount, p.mode) {
                total = add(total, s);
            }
        }
        self.book = b;
        self.allocated = total;
    }

    /// Adds an entry; returns the change of the allocation. An entry dated on or after every
    /// other one (the usual case) is applied to the book as it is; otherwise the book is
    /// replayed.
    fn enter(&mut self, e: Entry) -> Split {
        let last = self.entries.iter().map(|x| x.payment.paid_on).max();
        let appended = last.is_none_or(|d| e.payment.paid_on > d)
            || (last == Some(e.payment.paid_on) && self.entries.iter().all(|x| x.id < e.id));
        self.entries.push(e);
        self.entries.sort_by_key(|x| x.id);
        if appended {
            let p = e.payment;
            let amount = p.amount_fen.min(self.book.payoff(p.paid_on).total_fen);
            let s = self.book.pay(p.paid_on, amount, p.mode).unwrap_or_default();
            self.allocated = add(self.allocated, s);
            s
        } else {
            let before = self.allocated;
            self.rebuild();
            sub(self.allocated, before)
        }
    }

    /// Takes an entry out; returns the change of the allocation (negative).
    fn leave(&mut self, id: i64) -> Split {
        let before = self.allocated;
        self.entries.retain(|x| x.id != id);
        self.rebuild();
        sub(self.allocated, before)
    }
}

/// The book at the end of `on` (no movements).
pub fn book_on(terms: Terms, entries: &[Entry], on: NaiveDate) -> Book {
    let counting: Vec<Entry> = entries
        .iter()
        .copied()
        .filter(|e| e.counts_on(on))
        .collect();
    Running::new(terms, counting).book
}

/// The book at the end of `on` and the movements of that day, in the order they happened
/// (an entry recorded and reversed the same day shows both).
pub fn day_book(terms: Terms, entries: &[Entry], on: NaiveDate) -> DayBook {
    let before: Vec<Entry> = match on.pred_opt() {
        Some(eve) => entries
            .iter()
            .copied()
            .filter(|e| e.counts_on(eve))
            .collect(),
        None => Vec::new(),
    };
    // (instant, entering?, entry) of everything that happened that day.
    let mut happened: Vec<(NaiveDateTime, bool, Entry)> = Vec::new();
    for e in entries {
        let enters = e.enters_at();
        let entered_today = enters.date() == on;
        if entered_today && e.reversed_at.is_none_or(|r| r >= enters) {
            happened.push((enters, true, *e));
        }
        if let Some(r) = e.reversed_at {
            let counted = before.iter().any(|x| x.id == e.id) || entered_today;
            if r.date() == on && counted && r >= enters {
                happened.push((r, false, *e));
            }
        }
    }
    happened.sort_by_key(|(at, entering, e)| (*at, !*entering, e.id));
    let mut run = Running::new(terms, before);
    let mut movements = Vec::with_capacity(happened.len());
    for (_, entering, e) in happened {
        let (kind, amount_fen, split) = if entering {
            (MovementKind::Repayment, e.payment.amount_fen, run.enter(e))
        } else {
            (
                MovementKind::Reversal,
                -e.payment.amount_fen,
                run.leave(e.id),
            )
        };
        movements.push(Movement {
            entry_id: e.id,
            kind,
            amount_fen,
            split,
        });
    }
    DayBook {
        book: run.book,
        movements,
    }
}
