//! Federations (联合社) and industrial consortia (产业化联合体): create, read, list, change,
//! activate; their members; and the view by specialty industry.

mod members;
mod records;

pub use members::{add_member, list_members, remove_member, remove_member_by_query};
pub use records::{
    activate_federation, create_federation, federations_by_industry, get_federation,
    list_federations, patch_federation,
};

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    // `by-industry` before `{id}`, so the literal path wins.
    cfg.service(federations_by_industry)
        .service(create_federation)
        .service(list_federations)
        .service(get_federation)
        .service(patch_federation)
        .service(activate_federation)
        .service(add_member)
        .service(list_members)
        .service(remove_member)
        .service(remove_member_by_query);
}

pub const BASE_PATH: &str = "/api/v1/federations";
