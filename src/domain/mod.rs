//! Pure domain rules: no I/O, unit-tested next to the code.

pub mod cooperative;
pub mod id_number;
pub mod loan_schedule;
pub mod loan_state;
pub mod phone;
pub mod risk_fund;
pub mod uscc;
