//! Pure domain rules: no I/O, unit-tested next to the code.

pub mod annual_report;
pub mod calendar;
pub mod classification;
pub mod compensation;
pub mod compliance;
pub mod cooperative;
pub mod counselor;
pub mod demonstration;
pub mod federation;
pub mod id_number;
pub mod loan_ageing;
pub mod loan_book;
pub mod loan_schedule;
pub mod loan_state;
pub mod loan_terms;
pub mod member;
pub mod merger;
pub mod money;
pub mod phone;
pub mod pilot;
pub mod risk_fund;
pub mod role;
pub mod scope;
pub mod service_order;
pub mod supervision;
pub mod uscc;
