//! Integration tests over the whole application. They run on SQLite by default and on
//! PostgreSQL with `TEST_DATABASE_URL=postgres://…` (each test makes its own database).

mod common;

mod audit;
mod auth;
mod books;
mod bounds;
mod cli;
mod cooperatives;
mod counselors;
mod demonstration;
mod errors;
mod federations;
mod health;
mod integrators;
mod loans;
mod members;
mod partners;
mod pilot;
mod schema;
mod seed;
mod services;
mod standardisation;
mod supervision;
mod transfer;
mod users;
mod webhooks;
