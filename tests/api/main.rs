//! Integration tests over the whole application. They run on SQLite by default and on
//! PostgreSQL with `TEST_DATABASE_URL=postgres://…` (each test makes its own database).

mod common;

mod audit;
mod auth;
mod cli;
mod cooperatives;
mod errors;
mod health;
mod schema;
mod transfer;
