//! The cooperative's own books (成员账户, 盈余分配, meetings): meetings and resolutions, member
//! accounts and transactions, surplus distributions.

pub mod accounts;
pub mod distributions;
pub mod documents;
pub mod exits;
pub mod meetings;
pub mod members_import;
pub mod sweep;
pub mod transactions_import;
