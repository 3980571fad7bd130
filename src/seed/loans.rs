//! The loan book of the demo data: products, a funded risk pool, loans at every stage.

use chrono::NaiveDate;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::db::models::now;
use crate::db::DbConn;

/// 惠农贷 products at three partner banks, a funded risk-compensation pool, and loans at
/// every stage the state machine allows without repayments (submitted to disbursed,
/// rejected, withdrawn), each with its history.
pub(super) fn loans(
    conn: &mut DbConn,
    rng: &mut StdRng,
    ids: &[(i64, String)],
    abnormal: &[i64],
    today: NaiveDate,
) -> QueryResult<usize> {
    use crate::db::models::loans::{
        insert_event, insert_fund_entry, insert_loan, insert_product, NewFundEntry, NewLoan,
        NewLoanEvent, NewLoanProduct,
    };
    use crate::domain::loan_schedule::RepaymentMethod;
    use crate::domain::loan_state::LoanStatus;
    use crate::domain::risk_fund::EntryKind;
    let at = now();
    let products = [
        (
            "psbc",
            "邮储银行惠农贷（等额本息）",
            435,
            300_000_000,
            36,
            RepaymentMethod::EqualInstallment,
            true,
        ),
        (
            "psbc",
            "邮储银行惠农贷（按月付息到期还本）",
            465,
            100_000_000,
            12,
            RepaymentMethod::Bullet,
            true,
        ),
        (
            "cqrcb",
            "重庆农商行合作社贷（等额本金）",
            480,
            500_000_000,
            36,
            RepaymentMethod::EqualPrincipal,
            true,
        ),
        (
            "abc",
            "农业银行惠农e贷",
            450,
            200_000_000,
            24,
            RepaymentMethod::EqualInstallment,
            false,
        ),
    ];
    let mut made = Vec::new();
    for (bank, name, rate, max, term, method, eligible) in products {
        made.push(insert_product(
            conn,
            &NewLoanProduct {
                bank_code: bank.into(),
                name: name.into(),
                annual_rate_bp: rate,
                max_amount_fen: max,
                max_term_months: term,
                repayment_method: method,
                risk_compensation_eligible: eligible,
                penalty_rate_markup_bp: crate::domain::loan_book::DEFAULT_PENALTY_MARKUP_BP,
                retired: false,
                version: 1,
                created_at: at,
                updated_at: at,
            },
        )?);
    }
    insert_fund_entry(
        conn,
        &NewFundEntry {
            kind: EntryKind::Contribution,
            amount_fen: 500_000_000,
            source: Some("区财政风险补偿资金".into()),
            loan_id: None,
            entry_on: NaiveDate::from_ymd_opt(2021, 9, 30).expect("date"),
            actor_name: "seed".into(),
            created_at: at,
            bank_code: None,
            related_loan_id: None,
        },
    )?;
    let stages: [(LoanStatus, &[(&str, &str)]); 6] = [
        (LoanStatus::Submitted, &[]),
        (LoanStatus::UnderReview, &[("review", "under_review")]),
        (
            LoanStatus::Approved,
            &[("review", "under_review"), ("approve", "approved")],
        ),
        (
            LoanStatus::Disbursed,
            &[
                ("review", "under_review"),
                ("approve", "approved"),
                ("disburse", "disbursed"),
            ],
        ),
        (
            LoanStatus::Rejected,
            &[("review", "under_review"), ("reject", "rejected")],
        ),
        (LoanStatus::Withdrawn, &[("withdraw", "withdrawn")]),
    ];
    let mut count = 0;
    for _ in 0..240 {
        let (coop, _) = ids[rng.gen_range(0..ids.len())];
        if abnormal.contains(&coop) {
            continue;
        }
        let p = &made[rng.gen_range(0..made.len())];
        let amount = rng.gen_range(5..=(p.max_amount_fen / 10_000_000).max(6)) * 10_000_000;
        let term = [12, 24, 36][rng.gen_range(0..3)].min(p.max_term_months);
        let (status, steps) = stages[[0, 1, 2, 3, 3, 3, 3, 4, 5][rng.gen_range(0..9)]];
        let applied = at - chrono::Duration::days(rng.gen_range(30..600));
        let approved = matches!(status, LoanStatus::Approved | LoanStatus::Disbursed);
        let disbursed_on = (status == LoanStatus::Disbursed)
            .then(|| (applied + chrono::Duration::days(20)).date().min(today));
        let loan = insert_loan(
            conn,
            &NewLoan {
                cooperative_id: coop,
                product_id: p.id,
                bank_code: p.bank_code.clone(),
                amount_fen: amount,
                approved_amount_fen: approved.then_some(amount),
                annual_rate_bp: p.annual_rate_bp,
                term_months: term,
                repayment_method: p.repayment_method,
                risk_compensation_eligible: p.risk_compensation_eligible,
                penalty_rate_markup_bp: p.penalty_rate_markup_bp,
                purpose: "购买农资、扩大种植规模".into(),
                status,
                disbursed_on,
                version: 1 + steps.len() as i32,
                created_at: applied,
                updated_at: at,
            },
        )?;
        let mut from = "submitted";
        insert_event(
            conn,
            &NewLoanEvent {
                loan_id: loan.id,
                action: "apply",
                from_status: None,
                to_status: "submitted",
                actor_name: "seed",
                actor_role: "cooperative",
                note: None,
                occurred_at: applied,
            },
        )?;
        for (k, (action, to)) in steps.iter().enumerate() {
            let role = if *action == "withdraw" {
                "cooperative"
            } else {
                "bank_partner"
            };
            let note = (*action == "reject").then_some("经营流水不足");
            let when = applied + chrono::Duration::days(5 * (k as i64 + 1));
            insert_event(
                conn,
                &NewLoanEvent {
                    loan_id: loan.id,
                    action,
                    from_status: Some(from),
                    to_status: to,
                    actor_name: "seed",
                    actor_role: role,
                    note,
                    occurred_at: when,
                },
            )?;
            from = to;
        }
        count += 1;
    }
    Ok(count)
}
