//! The limits a loan's terms must keep (RULES.md "Loans"): an application within its product's
//! limits, an approval not above what was asked, a repayment not before disbursement and not
//! above what is left. Each breach names the request field at fault.

use chrono::NaiveDate;

/// A request value outside its limit: the field, a machine-readable code and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl Breach {
    fn new(field: &'static str, code: &'static str, message: String) -> Self {
        Breach {
            field,
            code,
            message,
        }
    }
}

/// The amount and term of an application against the product's limits (every breach).
pub fn application_breaches(
    amount_fen: i64,
    term_months: i32,
    max_amount_fen: i64,
    max_term_months: i32,
) -> Vec<Breach> {
    let mut breaches = Vec::new();
    if amount_fen > max_amount_fen {
        breaches.push(Breach::new(
            "amount_fen",
            "above_product_max",
            format!("the product lends at most {max_amount_fen} fen"),
        ));
    }
    if term_months > max_term_months {
        breaches.push(Breach::new(
            "term_months",
            "above_product_max",
            format!("the product's longest term is {max_term_months} months"),
        ));
    }
    breaches
}

/// The terms a loan is approved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub amount_fen: i64,
    pub annual_rate_bp: i32,
}

/// The bank's terms (each defaulting to what the application asked), neither above what was
/// asked.
pub fn approval_terms(
    asked_fen: i64,
    asked_rate_bp: i32,
    amount_fen: Option<i64>,
    annual_rate_bp: Option<i32>,
) -> Result<Terms, Vec<Breach>> {
    let terms = Terms {
        amount_fen: amount_fen.unwrap_or(asked_fen),
        annual_rate_bp: annual_rate_bp.unwrap_or(asked_rate_bp),
    };
    let mut breaches = Vec::new();
    if terms.amount_fen > asked_fen {
        breaches.push(Breach::new(
            "approved_amount_fen",
            "above_requested",
            format!("at most the {asked_fen} fen asked for"),
        ));
    }
    if terms.annual_rate_bp > asked_rate_bp {
        breaches.push(Breach::new(
            "annual_rate_bp",
            "above_requested",
            format!("at most the {asked_rate_bp} bp of the application"),
        ));
    }
    if breaches.is_empty() {
        Ok(terms)
    } else {
        Err(breaches)
    }
}

/// A repayment is not dated before the loan's disbursement.
pub fn check_paid_on(disbursed_on: Option<NaiveDate>, paid_on: NaiveDate) -> Result<(), Breach> {
    match disbursed_on {
        Some(d) if paid_on < d => Err(Breach::new(
            "paid_on",
            "before_disbursement",
            format!("the loan was disbursed on {d}"),
        )),
        _ => Ok(()),
    }
}

/// A repayment is not dated before the last one recorded (the book is kept in date order).
pub fn check_after_last(last_paid_on: NaiveDate, paid_on: NaiveDate) -> Result<(), Breach> {
    if paid_on < last_paid_on {
        Err(Breach::new(
            "paid_on",
            "before_last_repayment",
            format!("the last repayment recorded is dated {last_paid_on}"),
        ))
    } else {
        Ok(())
    }
}

/// The longest first period a bank may fix at disbursement, in days.
pub const MAX_FIRST_PERIOD_DAYS: i64 = 62;

/// A first due date fixed by the bank falls after the disbursement, at most
/// [`MAX_FIRST_PERIOD_DAYS`] after it.
pub fn check_first_due(disbursed_on: NaiveDate, first_due_on: NaiveDate) -> Result<(), Breach> {
    let days = (first_due_on - disbursed_on).num_days();
    if (1..=MAX_FIRST_PERIOD_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(Breach::new(
            "first_due_on",
            "out_of_range",
            format!(
                "must be 1 to {MAX_FIRST_PERIOD_DAYS} days after the disbursement ({disbursed_on})"
            ),
        ))
    }
}

/// A repayment of `amount_fen` pays at most what is left of `owed_fen` (the schedule's
/// principal and interest) after `paid_fen`.
pub fn check_amount(owed_fen: i64, paid_fen: i64, amount_fen: i64) -> Result<(), Breach> {
    let left = owed_fen - paid_fen;
    if amount_fen > left {
        Err(Breach::new(
            "amount_fen",
            "overpayment",
            format!("only {left} fen (principal and interest) are left to repay"),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(b: &[Breach]) -> Vec<(&str, &str)> {
        b.iter().map(|b| (b.field, b.code)).collect()
    }

    #[test]
    fn applications_within_the_product_limits() {
        assert!(application_breaches(100, 12, 100, 12).is_empty());
        assert_eq!(
            fields(&application_breaches(101, 13, 100, 12)),
            [
                ("amount_fen", "above_product_max"),
                ("term_months", "above_product_max")
            ]
        );
        assert_eq!(
            application_breaches(101, 12, 100, 12)[0].message,
            "the product lends at most 100 fen"
        );
        assert_eq!(
            application_breaches(1, 13, 100, 12)[0].message,
            "the product's longest term is 12 months"
        );
    }

    #[test]
    fn approval_defaults_to_what_was_asked_and_never_exceeds_it() {
        assert_eq!(
            approval_terms(1_000, 600, None, None),
            Ok(Terms {
                amount_fen: 1_000,
                annual_rate_bp: 600
            })
        );
        assert_eq!(
            approval_terms(1_000, 600, Some(900), Some(550)),
            Ok(Terms {
                amount_fen: 900,
                annual_rate_bp: 550
            })
        );
        assert_eq!(
            fields(&approval_terms(1_000, 600, Some(1_001), Some(601)).unwrap_err()),
            [
                ("approved_amount_fen", "above_requested"),
                ("annual_rate_bp", "above_requested")
            ]
        );
    }

    #[test]
    fn a_first_due_date_within_62_days_after_disbursement() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        let plus = |n| d + chrono::Days::new(n);
        assert!(check_first_due(d, plus(1)).is_ok());
        assert!(check_first_due(d, plus(62)).is_ok());
        for bad in [d, plus(63), d.pred_opt().unwrap()] {
            let e = check_first_due(d, bad).unwrap_err();
            assert_eq!((e.field, e.code), ("first_due_on", "out_of_range"));
        }
    }

    #[test]
    fn repayments_after_disbursement_and_not_above_what_is_left() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
        assert!(check_paid_on(Some(d), d).is_ok());
        assert!(check_paid_on(None, d).is_ok());
        let e = check_paid_on(Some(d), d.pred_opt().unwrap()).unwrap_err();
        assert_eq!((e.field, e.code), ("paid_on", "before_disbursement"));
        assert_eq!(e.message, "the loan was disbursed on 2026-01-15");
        assert!(check_amount(1_000, 400, 600).is_ok());
        let e = check_amount(1_000, 400, 601).unwrap_err();
        assert_eq!((e.field, e.code), ("amount_fen", "overpayment"));
        assert_eq!(
            e.message,
            "only 600 fen (principal and interest) are left to repay"
        );
    }
}
