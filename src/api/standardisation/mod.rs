//! Governance and charter, annual reports, and compliance with the cooperative law.

mod compliance;
mod governance;
mod reports;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(governance::get_governance)
        .service(governance::put_governance)
        .service(reports::list_cooperative_reports)
        .service(reports::get_report)
        .service(reports::put_report)
        .service(reports::submit_report)
        .service(reports::publish_report)
        .service(reports::list_reports)
        .service(reports::missing_reports)
        .service(reports::publication_rate)
        .service(compliance::get_compliance);
}
