//! The cooperative's own books: meetings and resolutions, member accounts, surplus
//! distributions.

mod accounts;
mod distributions;
mod documents;
mod exits;
mod meetings;
mod worklists;
