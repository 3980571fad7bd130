//! HTTP handlers, one module per resource. Every route is registered here, under `/api/v1`,
//! and collected into the OpenAPI document in the same pass (utoipa-actix-web).

pub mod audit;
pub mod auth;
pub mod books;
pub mod cooperatives;
pub mod counselors;
pub mod demonstration;
pub mod federations;
pub mod health;
pub mod loans;
pub mod members;
pub mod orders;
pub mod partners;
pub mod pilot;
pub mod reference;
pub mod standardisation;
pub mod supervision;
pub mod support;
pub mod transfer;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// The routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    reference::configure(cfg);
    cooperatives::configure(cfg);
    members::configure(cfg);
    books::configure(cfg);
    standardisation::configure(cfg);
    supervision::configure(cfg);
    orders::configure(cfg);
    demonstration::configure(cfg);
    federations::configure(cfg);
    counselors::configure(cfg);
    transfer::configure(cfg);
    audit::configure(cfg);
    partners::configure(cfg);
    loans::configure(cfg);
    webhooks::configure(cfg);
    users::configure(cfg);
    pilot::configure(cfg);
}
