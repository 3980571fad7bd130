//! A statement longer than one batch (500 loans): every loan exactly once, in id order, with
//! totals that add up, as JSON and as CSV. The statement reads batch k + 1 while batch k is
//! computed and written, so the batch boundaries are where it could lose or repeat a loan.

use coophub::auth::Role;
use diesel::RunQueryDsl;

use crate::common::fixtures::loans::{loan_at, At};
use crate::common::fixtures::product;
use crate::common::{TestApp, TOWN_A};

/// 1,001 loans: two full batches and one of a single loan.
const LOANS: i64 = 1_001;

#[actix_web::test]
async fn a_statement_across_batch_boundaries() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let prod = product(&app, "psbc", "bullet", false).await;
    let bank = app.token(Role::BankPartner);
    // One bullet loan of 600,000 fen disbursed 2026-01-15, then 1,000 copies of it.
    let first = loan_at(&app, &bank, coop, prod, 600_000, At::Disbursed).await;
    let cols = "cooperative_id, product_id, bank_code, amount_fen, approved_amount_fen, \
                annual_rate_bp, term_months, repayment_method, risk_compensation_eligible, \
                purpose, status, disbursed_on, version, created_at, updated_at, first_due_on, \
                penalty_rate_markup_bp, days_past_due, classification";
    app.write(|conn| {
        diesel::sql_query(format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
             INSERT INTO loans ({cols}) SELECT {cols} FROM loans, n WHERE loans.id = {first}",
            copies = LOANS - 1
        ))
        .execute(conn)?;
        Ok(())
    })
    .unwrap();
    let s = app
        .get("/api/v1/statements/psbc/2026-03-01", &bank)
        .await
        .ok(200);
    let lines = s["loans"].as_array().unwrap();
    assert_eq!(lines.len() as i64, LOANS);
    let ids: Vec<i64> = lines
        .iter()
        .map(|l| l["loan_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[0], first);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "every loan once, in id order"
    );
    // Identical loans have identical lines.
    let interest = lines[0]["accrued_interest_fen"].as_i64().unwrap();
    assert!(interest > 0);
    for l in lines {
        assert_eq!(l["outstanding_principal_fen"], 600_000);
        assert_eq!(l["accrued_interest_fen"], interest);
        assert_eq!(l["status"], "disbursed");
    }
    let totals = &s["totals"];
    assert_eq!(totals["loans"], LOANS);
    assert_eq!(totals["outstanding_principal_fen"], LOANS * 600_000);
    assert_eq!(totals["accrued_interest_fen"], LOANS * interest);
    assert_eq!(totals["repayments"], 0);
    // The CSV: a header, the same 1,001 lines in the same order, the totals row.
    let csv = app
        .get("/api/v1/statements/psbc/2026-03-01.csv", &bank)
        .await;
    assert_eq!(csv.status.as_u16(), 200);
    let text = String::from_utf8(csv.body.to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len() as i64, LOANS + 2);
    let csv_ids: Vec<i64> = rows[1..rows.len() - 1]
        .iter()
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(csv_ids, ids);
    assert_eq!(
        rows[rows.len() - 1],
        format!(
            "total,{LOANS} loans,,{},{},0,0",
            LOANS * 600_000,
            LOANS * interest
        )
    );
}
