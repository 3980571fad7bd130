//! The worked examples of the loan book, checked to the fen against hand computation.
//!
//! The loan of every example: 100,000.00 yuan = 10,000,000 fen, 4.35 % a year (435 bp),
//! 12 months 等额本息, disbursed 2026-01-15, due on the 15th. Level payment
//! 10,000,000 × 0.003625 / (1 − 1.003625^−12) = 853,099 fen. The schedule (principal,
//! interest), interest = round(balance × 435 / 120,000):
//!  1 816,849 36,250 | 2 819,810 33,289 | 3 822,782 30,317 | 4 825,764 27,335
//!  5 828,758 24,341 | 6 831,762 21,337 | 7 834,777 18,322 | 8 837,803 15,296
//!  9 840,840 12,259 | 10 843,888 9,211 | 11 846,947 6,152 | 12 850,020 3,081
//! Total interest 237,190; the last instalment 853,101 takes the rounding remainder.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn terms() -> Terms {
    Terms {
        method: RepaymentMethod::EqualInstallment,
        principal_fen: 10_000_000,
        annual_rate_bp: 435,
        term_months: 12,
        disbursed_on: d(2026, 1, 15),
        first_due_on: None,
        penalty_markup_bp: DEFAULT_PENALTY_MARKUP_BP,
    }
}

const RP: PrepaymentMode = PrepaymentMode::ReducePayment;
const RT: PrepaymentMode = PrepaymentMode::ReduceTerm;

/// Pays instalments `from..=to` (1-based) on their due dates, each what is left of it.
fn pay_on_time(b: &mut Book, from: usize, to: usize) -> Vec<Split> {
    (from..=to)
        .map(|k| {
            let l = b.lines[k - 1];
            b.pay(l.due_on, l.unpaid_principal() + l.unpaid_interest(), RP)
                .unwrap()
        })
        .collect()
}

#[test]
fn twelve_months_repaid_on_time() {
    let mut b = Book::new(terms());
    let first = b.lines[0];
    assert_eq!((first.principal_fen, first.interest_fen), (816_849, 36_250));
    let splits = pay_on_time(&mut b, 1, 12);
    // Each payment is exactly its instalment: no penalty, no prepayment.
    assert_eq!(
        splits[0],
        Split {
            penalty_interest_fen: 0,
            interest_fen: 36_250,
            principal_fen: 816_849,
            prepaid_principal_fen: 0
        }
    );
    assert_eq!(splits[11].interest_fen, 3_081);
    assert_eq!(splits[11].principal_fen, 850_020);
    // Σ principal = the loan; Σ interest = the schedule's 237,190.
    assert_eq!(
        splits.iter().map(|s| s.principal_fen).sum::<i64>(),
        10_000_000
    );
    assert_eq!(splits.iter().map(|s| s.interest_fen).sum::<i64>(), 237_190);
    assert!(splits.iter().all(|s| s.penalty_interest_fen == 0));
    assert!(b.is_settled());
    assert_eq!(b.days_past_due(d(2027, 6, 1)), 0);
}

#[test]
fn one_instalment_45_days_late_then_cured() {
    let mut b = Book::new(terms());
    pay_on_time(&mut b, 1, 2);
    // Instalment 3 (due 2026-04-15) is not paid; on 2026-05-30 it is 45 days past due
    // (16–30 April: 15 days, May: 30 days) and instalment 4 (due 2026-05-15) 15 days.
    assert!(!b.is_current(d(2026, 4, 16)));
    assert_eq!(b.days_past_due(d(2026, 5, 30)), 45);
    // Penalty rate = 4.35 % × 1.5 = 6.525 %, daily /360, on overdue principal only:
    // 822,782 × 0.06525 × 45 / 360 = 6,710.69…; 825,764 × 0.06525 × 15 / 360 = 2,245.17…;
    // together 8,955.86… → 8,956 fen (rounded once, not per instalment).
    assert_eq!(b.penalty_interest_fen(d(2026, 5, 30)), 8_956);
    // The payoff that day: 8,956 penalty + interest due 30,317 + 27,335 + principal not yet
    // repaid 10,000,000 − 816,849 − 819,810 = 8,363,341 + interest accrued since 15 May on
    // the principal not yet due (8,363,341 − 822,782 − 825,764 = 6,714,795) for 15 days:
    // 6,714,795 × 0.0435 × 15 / 360 = 12,170.57… → 12,171.
    let q = b.payoff(d(2026, 5, 30));
    assert_eq!(q.penalty_interest_fen, 8_956);
    assert_eq!(q.interest_fen, 30_317 + 27_335 + 12_171);
    assert_eq!(q.principal_fen, 8_363_341);
    assert_eq!(q.total_fen, 8_956 + 30_317 + 27_335 + 12_171 + 8_363_341);
    // The bank collects what is due: 8,956 + 30,317 + 822,782 + 27,335 + 825,764 = 1,715,154.
    let s = b.pay(d(2026, 5, 30), 1_715_154, RP).unwrap();
    // In order: penalty, overdue interest (3 then 4), overdue principal (3 then 4).
    assert_eq!(s.penalty_interest_fen, 8_956);
    assert_eq!(s.interest_fen, 30_317 + 27_335);
    assert_eq!(s.principal_fen, 822_782 + 825_764);
    assert_eq!(s.prepaid_principal_fen, 0);
    // Cured: nothing due is unpaid, no penalty left, and the schedule is unchanged.
    assert!(b.is_current(d(2026, 5, 30)));
    assert_eq!(b.days_past_due(d(2026, 5, 30)), 0);
    assert_eq!(b.penalty_interest_fen(d(2026, 6, 15)), 0);
    let rest = pay_on_time(&mut b, 5, 12);
    assert_eq!(rest[0].interest_fen, 24_341);
    assert!(b.is_settled());
}

#[test]
fn a_partial_payment_pays_penalty_first_then_the_oldest_interest() {
    let mut b = Book::new(terms());
    // Nothing paid; on 2026-03-25 instalment 1 is 38 days late, instalment 2 10 days.
    // Penalty: (816,849 × 38 + 819,810 × 10) × 0.06525 / 360 = 7,112.04… → 7,112.
    let s = b.pay(d(2026, 3, 25), 10_000, RP).unwrap();
    assert_eq!(s.penalty_interest_fen, 7_112);
    // The remaining 2,888 fen go to instalment 1's interest (36,250), nothing to principal.
    assert_eq!(s.interest_fen, 2_888);
    assert_eq!(s.principal_fen, 0);
    assert_eq!(b.lines[0].paid_interest_fen, 2_888);
}

#[test]
fn payoff_between_due_dates_accrues_daily() {
    let mut b = Book::new(terms());
    pay_on_time(&mut b, 1, 1);
    // On 2026-03-01, 14 days after 15 February: 9,183,151 × 0.0435 × 14 / 360 = 15,534.83…
    let q = b.payoff(d(2026, 3, 1));
    assert_eq!(
        q,
        Payoff {
            principal_fen: 9_183_151,
            interest_fen: 15_535,
            penalty_interest_fen: 0,
            total_fen: 9_198_686
        }
    );
    // Paying exactly that settles the loan; one fen more is an overpayment.
    let mut over = b.clone();
    assert_eq!(
        over.pay(d(2026, 3, 1), 9_198_687, RP),
        Err(Overpayment {
            payoff_fen: 9_198_686
        })
    );
    let s = b.pay(d(2026, 3, 1), 9_198_686, RP).unwrap();
    assert_eq!(s.interest_fen, 15_535);
    assert_eq!(s.principal_fen, 9_183_151);
    assert_eq!(s.prepaid_principal_fen, 9_183_151);
    assert!(b.is_settled());
    // Never the full term's interest: 36,250 + 15,535 instead of 237,190.
}

#[test]
fn half_the_principal_prepaid_in_month_4_reduce_payment() {
    let mut b = Book::new(terms());
    pay_on_time(&mut b, 1, 3);
    // On 2026-05-15 instalment 4 (825,764 + 27,335 = 853,099) and 5,000,000 more.
    let s = b.pay(d(2026, 5, 15), 853_099 + 5_000_000, RP).unwrap();
    assert_eq!(
        s.interest_fen, 27_335,
        "no accrued interest on the period's first day"
    );
    assert_eq!(s.principal_fen, 825_764 + 5_000_000);
    assert_eq!(s.prepaid_principal_fen, 5_000_000);
    // Left: 10,000,000 − (816,849 + 819,810 + 822,782 + 825,764) − 5,000,000 = 1,714,795
    // over the same 8 instalments: payment 1,714,795 × 0.003625 / (1 − 1.003625^−8)
    // = 217,861; instalment 5: interest round(1,714,795 × 435 / 120,000) = 6,216, principal
    // 217,861 − 6,216 = 211,645.
    assert_eq!(b.outstanding_principal_fen(), 1_714_795);
    assert_eq!(b.lines.len(), 12);
    // (The prepaid 5,000,000 is kept, as paid, on instalment 5, the one running then.)
    let l = b.lines[4];
    assert_eq!((l.unpaid_principal(), l.interest_fen), (211_645, 6_216));
    assert_eq!(
        (l.principal_fen, l.paid_principal_fen),
        (5_211_645, 5_000_000)
    );
    assert_eq!(b.lines[4].due_on, d(2026, 6, 15));
    // The last takes the rest: 217,072 principal + 787 interest.
    assert_eq!(
        (b.lines[11].principal_fen, b.lines[11].interest_fen),
        (217_072, 787)
    );
    // Interest from then on: 6,216 + 5,449 + 4,679 + 3,906 + 3,131 + 2,352 + 1,571 + 787
    // = 28,091 (instead of 24,341 + … + 3,081 = 110,000 on the full balance).
    let rest = pay_on_time(&mut b, 5, 12);
    assert_eq!(rest.iter().map(|s| s.interest_fen).sum::<i64>(), 28_091);
    assert!(b.is_settled());
}

#[test]
fn half_the_principal_prepaid_in_month_4_reduce_term() {
    let mut b = Book::new(terms());
    pay_on_time(&mut b, 1, 3);
    b.pay(d(2026, 5, 15), 853_099 + 5_000_000, RT).unwrap();
    // The payment stays 853,099: instalment 5 interest 6,216, principal 846,883; balance
    // 867,912; instalment 6 interest round(867,912 × 435 / 120,000) = 3,146, principal
    // 849,953; balance 17,959; instalment 7 takes it with 65 fen interest. Three
    // instalments instead of eight: the loan ends 2026-08-15.
    assert_eq!(b.lines.len(), 7);
    let tail: Vec<_> = b.lines[4..]
        .iter()
        .map(|l| (l.unpaid_principal(), l.interest_fen))
        .collect();
    assert_eq!(tail, vec![(846_883, 6_216), (849_953, 3_146), (17_959, 65)]);
    assert_eq!(b.lines[6].due_on, d(2026, 8, 15));
    pay_on_time(&mut b, 5, 7);
    assert!(b.is_settled());
}

#[test]
fn a_prepayment_within_a_period_pays_the_interest_accrued_first() {
    let mut b = Book::new(terms());
    pay_on_time(&mut b, 1, 4);
    // On 2026-05-25, 10 days into instalment 5's period, on the 6,714,795 not yet due:
    // accrued 6,714,795 × 0.0435 × 10 / 360 = 8,113.71… → 8,114 paid first.
    let s = b.pay(d(2026, 5, 25), 5_008_114, RP).unwrap();
    assert_eq!(s.interest_fen, 8_114);
    assert_eq!(s.prepaid_principal_fen, 5_000_000);
    // Instalment 5 (due 2026-06-15) then carries 8,114 + 1,714,795 × 0.0435 × 21 / 360
    // (4,351.29… → 4,351) = 12,465 interest, of which 8,114 is paid.
    let l = b.lines[4];
    assert_eq!((l.interest_fen, l.paid_interest_fen), (12_465, 8_114));
    // Its principal: the new level payment 217,861 less the monthly figure 6,216.
    assert_eq!(l.principal_fen - l.paid_principal_fen, 211_645);
    // The payoff on 2026-06-01 (7 days after): 1,714,795 × 0.0435 × 7 / 360 = 1,450.46…
    let q = b.payoff(d(2026, 6, 1));
    assert_eq!(q.interest_fen, 1_450);
    assert_eq!(q.principal_fen, 1_714_795);
}

#[test]
fn replay_reads_a_ledger_in_order() {
    let pays = [
        Payment {
            paid_on: d(2026, 2, 15),
            amount_fen: 853_099,
            mode: RP,
        },
        Payment {
            paid_on: d(2026, 3, 15),
            amount_fen: 853_099,
            mode: RP,
        },
    ];
    let (b, splits) = Book::replay(terms(), &pays).unwrap();
    assert_eq!(splits[1].interest_fen, 33_289);
    assert_eq!(
        b.outstanding_principal_fen(),
        10_000_000 - 816_849 - 819_810
    );
    assert!(Book::replay(
        terms(),
        &[Payment {
            paid_on: d(2026, 2, 15),
            amount_fen: 20_000_000,
            mode: RP
        }]
    )
    .is_err());
}

#[test]
fn a_book_written_and_read_back_is_the_same_book() {
    let terms = Terms {
        method: RepaymentMethod::EqualInstallment,
        principal_fen: 10_000_000,
        annual_rate_bp: 435,
        term_months: 12,
        disbursed_on: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        first_due_on: None,
        penalty_markup_bp: DEFAULT_PENALTY_MARKUP_BP,
    };
    let mut b = Book::new(terms);
    // Late: penalty interest accrues in the i128 kept exact.
    b.pay(
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        900_000,
        PrepaymentMode::ReduceTerm,
    )
    .unwrap();
    let back = Book::from_state(&b.to_state(), terms).unwrap();
    assert_eq!(back, b);
    // Another loan's terms: not this book.
    let other = Terms {
        principal_fen: 1,
        ..terms
    };
    assert!(Book::from_state(&b.to_state(), other).is_none());
}
