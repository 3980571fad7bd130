//! Bulk import and export of the cooperative registry (名录批量导入、导出); the rules are in
//! `crate::service::transfer`.
//!
//! * `POST /imports/cooperatives` takes a UTF-8 CSV file (with or without BOM) whose header
//!   row names the fields of `POST /cooperatives`; 422 listing each bad cell, or every row
//!   registered in one transaction.
//! * `GET /exports/cooperatives.csv` streams the registry (list filters, caller's scope) in
//!   keyset chunks; it re-imports as it is.
//! * `GET /exports/cooperatives.xlsx` is the same registry as a spreadsheet with Chinese
//!   column headers.

mod export;
mod import;
mod member_transactions;
mod members_import;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import::import_cooperatives)
        .service(member_transactions::import_member_transactions)
        .service(members_import::import_members)
        .service(export::export_cooperatives_csv)
        .service(export::export_cooperatives_xlsx);
}
