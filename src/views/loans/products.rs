//! Loan products of the partner banks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::db::models::loans::{LoanProduct, LoanProductChanges};
use crate::domain::loan_schedule::RepaymentMethod;

/// A loan product of a partner bank.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bank_code": "psbc", "name": "惠农e贷·合作社", "annual_rate_bp": 435, "max_amount_fen": 300000000, "max_term_months": 36, "repayment_method": "equal_installment", "risk_compensation_eligible": true}))]
pub struct ProductCreate {
    #[validate(custom(function = "crate::views::partners::validate_bank_code"))]
    #[schema(pattern = r"^[a-z0-9_]{1,20}$")]
    pub bank_code: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Annual rate in basis points (435 = 4.35 %).
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub annual_rate_bp: i32,
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub max_amount_fen: i64,
    #[validate(range(min = 1, max = 360))]
    #[schema(minimum = 1, maximum = 360)]
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    /// Whether loans of this product are guaranteed by the risk-compensation fund.
    pub risk_compensation_eligible: bool,
    /// Penalty interest (罚息) markup over the contract rate, in basis points: penalty rate
    /// = contract rate × (1 + markup / 10000). Default 5000 (rate × 1.5).
    #[validate(range(min = 0, max = 20000))]
    #[schema(minimum = 0, maximum = 20000)]
    pub penalty_rate_markup_bp: Option<i32>,
}

/// Changes to a product; loans already applied for keep their terms.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"annual_rate_bp": 400}))]
pub struct ProductPatch {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub annual_rate_bp: Option<i32>,
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub max_amount_fen: Option<i64>,
    #[validate(range(min = 1, max = 360))]
    #[schema(minimum = 1, maximum = 360)]
    pub max_term_months: Option<i32>,
    pub repayment_method: Option<RepaymentMethod>,
    pub risk_compensation_eligible: Option<bool>,
    /// Penalty interest (罚息) markup over the contract rate, in basis points: penalty rate
    /// = contract rate × (1 + markup / 10000). Loans already applied for keep theirs.
    #[validate(range(min = 0, max = 20000))]
    #[schema(minimum = 0, maximum = 20000)]
    pub penalty_rate_markup_bp: Option<i32>,
}

impl ProductPatch {
    /// The columns to change (the name trimmed).
    pub fn changes(self) -> LoanProductChanges {
        LoanProductChanges {
            name: self.name.map(|s| s.trim().to_string()),
            annual_rate_bp: self.annual_rate_bp,
            max_amount_fen: self.max_amount_fen,
            max_term_months: self.max_term_months,
            repayment_method: self.repayment_method,
            risk_compensation_eligible: self.risk_compensation_eligible,
            penalty_rate_markup_bp: self.penalty_rate_markup_bp,
            ..Default::default()
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "惠农e贷·合作社", "annual_rate_bp": 435, "max_amount_fen": 300000000, "max_term_months": 36, "repayment_method": "equal_installment", "risk_compensation_eligible": true, "penalty_rate_markup_bp": 5000, "retired": false, "version": 1, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct ProductOut {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    /// Penalty rate = contract rate × (1 + markup / 10000).
    pub penalty_rate_markup_bp: i32,
    /// A retired product takes no new applications.
    pub retired: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LoanProduct> for ProductOut {
    fn from(p: LoanProduct) -> Self {
        ProductOut {
            id: p.id,
            bank_code: p.bank_code,
            name: p.name,
            annual_rate_bp: p.annual_rate_bp,
            max_amount_fen: p.max_amount_fen,
            max_term_months: p.max_term_months,
            repayment_method: p.repayment_method,
            risk_compensation_eligible: p.risk_compensation_eligible,
            penalty_rate_markup_bp: p.penalty_rate_markup_bp,
            retired: p.retired,
            version: p.version,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only this bank's products (a bank partner always sees only its own).
    pub bank_code: Option<String>,
    /// Include retired products.
    pub include_retired: Option<bool>,
}
