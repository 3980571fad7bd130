//! The cooperative's own books: meetings and resolutions, member accounts, surplus
//! distributions.

mod meetings;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(meetings::record_meeting)
        .service(meetings::list_meetings)
        .service(meetings::get_meeting);
}
