//! The counselor corps (辅导员): records, coverage of the towns, trainings, guidance visits,
//! yearly evaluations and rankings, and a cooperative's visits.

mod evaluations;
mod records;
mod trainings;
mod visits;

pub use evaluations::{list_evaluations, put_evaluation, rankings};
pub use records::{
    coverage, create_counselor, create_login, get_counselor, list_counselors, patch_counselor,
};
pub use trainings::{add_training, list_trainings};
pub use visits::{add_visit, cooperative_visits, list_visits};

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    // Literal paths before `{id}`.
    cfg.service(coverage)
        .service(rankings)
        .service(create_counselor)
        .service(list_counselors)
        .service(get_counselor)
        .service(patch_counselor)
        .service(create_login)
        .service(add_training)
        .service(list_trainings)
        .service(add_visit)
        .service(list_visits)
        .service(put_evaluation)
        .service(list_evaluations)
        .service(cooperative_visits);
}

pub const BASE_PATH: &str = "/api/v1/counselors";
