//! Agricultural loans with partner banks (惠农贷): products, applications, the state machine,
//! schedules, repayments (with `Idempotency-Key`), the risk-compensation fund.

pub mod actions;
pub mod applications;
pub mod claims;
pub mod products;
pub mod repayments;
pub mod risk_fund;
pub mod statements;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(products::create_product)
        .service(products::list_products)
        .service(products::get_product)
        .service(products::patch_product)
        .service(products::retire_product)
        .service(applications::apply)
        .service(applications::list_loans)
        .service(applications::get_loan)
        .service(applications::loan_history)
        .service(applications::loan_schedule)
        .service(repayments::list_repayments)
        .service(repayments::record_repayment)
        .service(repayments::payoff)
        .service(repayments::reverse_repayment)
        .service(risk_fund::compensate)
        .service(actions::review)
        .service(actions::approve)
        .service(actions::reject)
        .service(actions::disburse)
        .service(actions::withdraw)
        .service(actions::mark_overdue)
        .service(actions::default_loan)
        .service(risk_fund::get_risk_fund)
        .service(risk_fund::contribute)
        .service(claims::list_agreements)
        .service(claims::put_agreement)
        .service(claims::list_entries)
        .service(claims::file_claim)
        .service(claims::list_claims)
        .service(claims::get_claim)
        .service(claims::approve_claim)
        .service(claims::pay_claim)
        .service(claims::reject_claim)
        .service(claims::record_recovery)
        .service(statements::get_statement_csv)
        .service(statements::get_statement);
}
