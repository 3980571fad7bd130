//! Repayment schedules (RULES.md "Loans") and how repayments are applied to them.
//!
//! - `equal_installment` (等额本息): payment = P·r/(1−(1+r)^−n), r = annual_rate_bp/10000/12;
//! - `equal_principal` (等额本金): P/n principal plus interest on the outstanding balance;
//! - `bullet`: interest monthly, principal at the end.
//!
//! Every amount is rounded to the fen (half away from zero); the rounding remainder goes on
//! the last instalment, so principal sums exactly to the loan. Monthly interest is always
//! computed in integers: round(balance × bp / 120000).

use chrono::NaiveDate;

use crate::domain::cooperative::text_enum;

text_enum! {
    /// How a loan is repaid.
    RepaymentMethod {
        /// 等额本息: the same payment every month.
        EqualInstallment => "equal_installment",
        /// 等额本金: the same principal every month, plus interest on what is left.
        EqualPrincipal => "equal_principal",
        /// Interest monthly, all principal at the end.
        Bullet => "bullet",
    }
}

/// One instalment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    pub seq: u32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
}

/// One month's interest on `balance_fen`, rounded half up to the fen.
pub fn monthly_interest(balance_fen: i64, annual_rate_bp: i32) -> i64 {
    let n = balance_fen as i128 * annual_rate_bp as i128;
    ((n + 60_000) / 120_000) as i64
}

/// The due date of instalment `seq` (1-based): the same day `seq` months after disbursement
/// (the month's last day when that day does not exist).
///
/// Month arithmetic by hand: chrono's `checked_add_months` goes through a general month
/// difference that was the largest single cost of a 100,000-loan statement. The unit test
/// `due_dates_match_chrono` checks both agree on every day of 1999–2101 for 0–480 months.
pub fn due_date(start: NaiveDate, seq: u32) -> NaiveDate {
    use chrono::Datelike;
    let months = i64::from(start.year()) * 12 + i64::from(start.month0()) + i64::from(seq);
    let (Ok(year), month) = (
        i32::try_from(months.div_euclid(12)),
        months.rem_euclid(12) as u32 + 1,
    ) else {
        return NaiveDate::MAX;
    };
    let day = start.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MAX)
}

/// The number of days of `month` (1–12) of `year` (proleptic Gregorian).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The level monthly payment of an equal-instalment loan, rounded to the fen.
pub fn level_payment(principal_fen: i64, annual_rate_bp: i32, term_months: u32) -> i64 {
    let n = term_months.max(1) as f64;
    if annual_rate_bp == 0 {
        return (principal_fen as f64 / n).round() as i64;
    }
    let r = annual_rate_bp as f64 / 10_000.0 / 12.0;
    (principal_fen as f64 * r / (1.0 - (1.0 + r).powf(-n))).round() as i64
}

/// The whole schedule, due monthly from one month after disbursement. `term_months` of 0 is
/// treated as 1.
pub fn schedule(
    method: RepaymentMethod,
    principal_fen: i64,
    annual_rate_bp: i32,
    term_months: u32,
    disbursed_on: NaiveDate,
) -> Vec<Instalment> {
    schedule_from(
        method,
        principal_fen,
        annual_rate_bp,
        term_months,
        disbursed_on,
        None,
    )
}

/// The whole schedule; with `first_due_on` (fixed by the bank at disbursement) instalment
/// `seq` falls due `seq − 1` months after it, else `seq` months after disbursement. Each
/// regular instalment's interest is the monthly figure either way (RULES.md).
pub fn schedule_from(
    method: RepaymentMethod,
    principal_fen: i64,
    annual_rate_bp: i32,
    term_months: u32,
    disbursed_on: NaiveDate,
    first_due_on: Option<NaiveDate>,
) -> Vec<Instalment> {
    let n = term_months.max(1);
    let mut balance = principal_fen;
    let payment = level_payment(principal_fen, annual_rate_bp, n);
    let even_principal = (principal_fen as f64 / n as f64).round() as i64;
    let mut out = Vec::with_capacity(n as usize);
    for seq in 1..=n {
        let interest = monthly_interest(balance, annual_rate_bp);
        let principal = if seq == n {
            balance
        } else {
            match method {
                RepaymentMethod::EqualInstallment => (payment - interest).clamp(0, balance),
                RepaymentMethod::EqualPrincipal => even_principal.min(balance),
                RepaymentMethod::Bullet => 0,
            }
        };
        balance -= principal;
        out.push(Instalment {
            seq,
            due_on: match first_due_on {
                Some(f) => due_date(f, seq - 1),
                None => due_date(disbursed_on, seq),
            },
            principal_fen: principal,
            interest_fen: interest,
        });
    }
    out
}

/// What has been paid of one instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paid {
    pub principal_fen: i64,
    pub interest_fen: i64,
}

/// Applies `paid_total_fen` to the schedule in order: each instalment's interest, then its
/// principal, then the next instalment. Returns what is paid of each instalment.
pub fn allocate(schedule: &[Instalment], paid_total_fen: i64) -> Vec<Paid> {
    let mut left = paid_total_fen.max(0);
    schedule
        .iter()
        .map(|i| {
            let interest = left.min(i.interest_fen);
            left -= interest;
            let principal = left.min(i.principal_fen);
            left -= principal;
            Paid {
                principal_fen: principal,
                interest_fen: interest,
            }
        })
        .collect()
}

/// Sums of a schedule: (principal, interest).
pub fn totals(schedule: &[Instalment]) -> (i64, i64) {
    schedule.iter().fold((0, 0), |(p, i), x| {
        (p + x.principal_fen, i + x.interest_fen)
    })
}

/// Everything due on or before `on` (principal + interest).
pub fn due_by(schedule: &[Instalment], on: NaiveDate) -> i64 {
    schedule
        .iter()
        .filter(|i| i.due_on <= on)
        .map(|i| i.principal_fen + i.interest_fen)
        .sum()
}

/// How a payment of `amount_fen`, after `paid_before_fen`, splits into (principal, interest).
pub fn split_payment(schedule: &[Instalment], paid_before_fen: i64, amount_fen: i64) -> Paid {
    let sum = |v: Vec<Paid>| {
        v.iter().fold(Paid::default(), |a, p| Paid {
            principal_fen: a.principal_fen + p.principal_fen,
            interest_fen: a.interest_fen + p.interest_fen,
        })
    };
    let before = sum(allocate(schedule, paid_before_fen));
    let after = sum(allocate(schedule, paid_before_fen + amount_fen));
    Paid {
        principal_fen: after.principal_fen - before.principal_fen,
        interest_fen: after.interest_fen - before.interest_fen,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn due_dates_match_chrono() {
        use chrono::Months;
        let mut day = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2101, 12, 31).unwrap();
        while day <= end {
            for seq in [0, 1, 2, 11, 12, 13, 23, 36, 59, 120, 480] {
                let chrono = day.checked_add_months(Months::new(seq)).unwrap();
                assert_eq!(due_date(day, seq), chrono, "{day} + {seq} months");
            }
            day = day.succ_opt().unwrap();
        }
        // Month ends: 31 January + 1 month is the last day of February.
        let jan31 = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert_eq!(
            due_date(jan31, 1),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            due_date(jan31, 13),
            NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()
        );
        assert_eq!(due_date(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    use super::*;
    use RepaymentMethod::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn check_exact(s: &[Instalment], p: i64, n: usize) {
        assert_eq!(s.len(), n);
        assert_eq!(totals(s).0, p, "principal sums exactly to the loan");
        assert!(s
            .iter()
            .all(|i| i.principal_fen >= 0 && i.interest_fen >= 0));
        for (k, i) in s.iter().enumerate() {
            assert_eq!(i.seq as usize, k + 1);
        }
    }

    #[test]
    fn monthly_interest_rounds_half_up() {
        // 1,000,000 fen at 4.35 %: 1,000,000 × 435 / 120,000 = 3625.0
        assert_eq!(monthly_interest(1_000_000, 435), 3625);
        // 100 fen at 6 %: 0.5 fen → 1
        assert_eq!(monthly_interest(100, 600), 1);
        // 99 fen at 6 %: 0.495 → 0
        assert_eq!(monthly_interest(99, 600), 0);
        assert_eq!(monthly_interest(123_456, 0), 0);
    }

    #[test]
    fn equal_installment_12_months_by_hand() {
        // P = 100,000.00 yuan, 4.35 %/year, 12 months, r = 0.003625:
        // payment = 10,000,000 × 0.003625 / (1 − 1.003625^−12) = 853,099.0… → 853,099 fen.
        let s = schedule(EqualInstallment, 10_000_000, 435, 12, d(2026, 1, 15));
        check_exact(&s, 10_000_000, 12);
        assert_eq!(level_payment(10_000_000, 435, 12), 853_099);
        // First: interest 36,250; principal 853,099 − 36,250 = 816,849.
        assert_eq!(s[0].interest_fen, 36_250);
        assert_eq!(s[0].principal_fen, 816_849);
        assert_eq!(s[0].due_on, d(2026, 2, 15));
        // Every instalment but the last is the level payment.
        for i in &s[..11] {
            assert_eq!(i.principal_fen + i.interest_fen, 853_099);
        }
        // The last takes the remainder: within a few fen of the level payment.
        let last = s[11];
        assert!((last.principal_fen + last.interest_fen - 853_099).abs() <= 12);
        assert_eq!(last.due_on, d(2027, 1, 15));
    }

    #[test]
    fn a_first_due_date_fixed_by_the_bank_shifts_every_due_date() {
        let s = schedule_from(
            Bullet,
            600_000,
            600,
            3,
            d(2026, 1, 15),
            Some(d(2026, 2, 20)),
        );
        let due: Vec<_> = s.iter().map(|i| i.due_on).collect();
        assert_eq!(due, vec![d(2026, 2, 20), d(2026, 3, 20), d(2026, 4, 20)]);
        // The figures do not change: 600,000 × 600 / 120,000 = 3,000 a month.
        assert_eq!(s, {
            let mut t = schedule(Bullet, 600_000, 600, 3, d(2026, 1, 15));
            for (i, x) in t.iter_mut().enumerate() {
                x.due_on = due[i];
            }
            t
        });
    }

    #[test]
    fn equal_principal_by_hand() {
        // 1,000,000 fen over 3 months at 6 %: principal 333,333, 333,333, 333,334;
        // interest 5,000 then 3,333.33→3,333 then 1,666.67→1,667.
        let s = schedule(EqualPrincipal, 1_000_000, 600, 3, d(2026, 3, 1));
        check_exact(&s, 1_000_000, 3);
        assert_eq!(
            s.iter().map(|i| i.principal_fen).collect::<Vec<_>>(),
            vec![333_333, 333_333, 333_334]
        );
        assert_eq!(
            s.iter().map(|i| i.interest_fen).collect::<Vec<_>>(),
            vec![5_000, 3_333, 1_667]
        );
    }

    #[test]
    fn bullet_by_hand() {
        let s = schedule(Bullet, 500_000, 480, 6, d(2026, 1, 31));
        check_exact(&s, 500_000, 6);
        // 500,000 × 480 / 120,000 = 2,000 every month.
        assert!(s.iter().all(|i| i.interest_fen == 2_000));
        assert!(s[..5].iter().all(|i| i.principal_fen == 0));
        assert_eq!(s[5].principal_fen, 500_000);
        // 31 January + 1 month is the last day of February.
        assert_eq!(s[0].due_on, d(2026, 2, 28));
        assert_eq!(s[5].due_on, d(2026, 7, 31));
    }

    #[test]
    fn one_month_terms() {
        for m in RepaymentMethod::ALL {
            let s = schedule(*m, 1_234_567, 435, 1, d(2026, 5, 10));
            check_exact(&s, 1_234_567, 1);
            assert_eq!(s[0].principal_fen, 1_234_567);
            assert_eq!(s[0].interest_fen, monthly_interest(1_234_567, 435));
            assert_eq!(s[0].due_on, d(2026, 6, 10));
        }
    }

    #[test]
    fn thirty_six_month_terms() {
        for m in RepaymentMethod::ALL {
            let s = schedule(*m, 30_000_001, 525, 36, d(2026, 1, 1));
            check_exact(&s, 30_000_001, 36);
            assert_eq!(s[35].due_on, d(2029, 1, 1));
        }
        let s = schedule(EqualInstallment, 30_000_001, 525, 36, d(2026, 1, 1));
        let pay = level_payment(30_000_001, 525, 36);
        assert!((s[35].principal_fen + s[35].interest_fen - pay).abs() <= 36);
        let s = schedule(EqualPrincipal, 30_000_001, 525, 36, d(2026, 1, 1));
        // 30,000,001 / 36 = 833,333.36 → 833,333; the last takes 833,346.
        assert_eq!(s[0].principal_fen, 833_333);
        assert_eq!(s[35].principal_fen, 30_000_001 - 35 * 833_333);
    }

    #[test]
    fn zero_rate() {
        for m in RepaymentMethod::ALL {
            let s = schedule(*m, 1_000_000, 0, 3, d(2026, 1, 1));
            check_exact(&s, 1_000_000, 3);
            assert!(s.iter().all(|i| i.interest_fen == 0));
        }
        let s = schedule(EqualInstallment, 1_000_000, 0, 3, d(2026, 1, 1));
        assert_eq!(
            s.iter().map(|i| i.principal_fen).collect::<Vec<_>>(),
            vec![333_333, 333_333, 333_334]
        );
    }

    #[test]
    fn allocation_pays_interest_then_principal_in_order() {
        let s = schedule(EqualPrincipal, 1_000_000, 600, 3, d(2026, 3, 1));
        let a = allocate(&s, 5_000 + 100);
        assert_eq!(
            a[0],
            Paid {
                principal_fen: 100,
                interest_fen: 5_000
            }
        );
        assert_eq!(a[1], Paid::default());
        let (p, i) = totals(&s);
        let all = allocate(&s, p + i);
        for (x, paid) in s.iter().zip(&all) {
            assert_eq!(paid.principal_fen, x.principal_fen);
            assert_eq!(paid.interest_fen, x.interest_fen);
        }
        let split = split_payment(&s, 5_000, 340_000);
        assert_eq!(split.principal_fen + split.interest_fen, 340_000);
        assert_eq!(split.interest_fen, 3_333);
        assert_eq!(due_by(&s, d(2026, 4, 1)), 338_333);
        assert_eq!(due_by(&s, d(2026, 3, 31)), 0);
    }
}
