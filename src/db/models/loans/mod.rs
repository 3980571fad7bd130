//! Partner banks, loan products, loans with their history and repayment ledger, the
//! risk-compensation fund, idempotency keys.

pub mod books;
pub mod claims;
pub mod fund;
pub mod idempotency;
#[allow(clippy::module_inception)]
pub mod loans;
pub mod partners;
pub mod products;
pub mod repayments;

pub use books::*;
pub use claims::*;
pub use fund::*;
pub use idempotency::*;
pub use loans::*;
pub use partners::*;
pub use products::*;
pub use repayments::*;

/// `SUM(col)` as a BIGINT on both backends (PostgreSQL's SUM(bigint) is numeric).
fn sum_i64(
    col: &'static str,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::BigInt>> {
    diesel::dsl::sql(&format!("CAST(SUM({col}) AS BIGINT)"))
}
