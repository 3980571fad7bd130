//! The cooperative's own books: meetings and resolutions, member accounts, surplus
//! distributions, the archive of documents.

mod accounts;
mod distributions;
mod documents;
mod meetings;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(meetings::record_meeting)
        .service(meetings::list_meetings)
        .service(meetings::get_meeting)
        .service(accounts::get_account)
        .service(accounts::put_transactions)
        .service(distributions::put_distribution)
        .service(distributions::get_distribution)
        .service(distributions::adopt_distribution)
        .service(documents::upload_document)
        .service(documents::list_documents)
        .service(documents::get_document)
        .service(documents::download_document);
}
