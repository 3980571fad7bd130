//! Request and response shapes (serde + `ToSchema` + `Validate`) and their mappings from rows,
//! one module per context. No queries and no rules here beyond field validation.

pub mod audit;
pub mod auth;
pub mod books;
pub mod cooperatives;
pub mod counselors;
pub mod csv;
pub mod demonstration;
pub mod documents;
pub mod federations;
pub mod health;
pub mod instant;
pub mod loans;
pub mod meetings;
pub mod members;
pub mod orders;
pub mod pagination;
pub mod partners;
pub mod pilot;
pub mod pilot_charts;
pub mod reference;
pub mod standardisation;
pub mod supervision;
pub mod transfer;
pub mod upload;
pub mod users;
pub mod validators;
pub mod webhooks;
