//! coophub: the system of record and integration API of a county's farmers' cooperative
//! quality-improvement pilot. See README.md and `../shared/spec/API.md`.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pii;
pub mod seed;
pub mod service;
pub mod state;
pub mod storage;
pub mod views;
pub mod webhooks;
pub mod writer;

pub use app::{build_app, openapi};
pub use state::AppState;

/// The OpenAPI document as pretty JSON with a trailing newline (what `coophub openapi` prints).
pub fn openapi_json() -> String {
    let mut s = serde_json::to_string_pretty(&openapi()).expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
