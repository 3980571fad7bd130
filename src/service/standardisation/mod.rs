//! Standardisation (规范化): a cooperative's governance bodies and charter, its annual
//! reports from draft to publication, and its compliance with the cooperative law.

mod compliance;
mod governance;
mod reports;

pub use compliance::{compliance, compliance_facts, compliance_facts_of};
pub use governance::{get_governance, put_governance};
pub use reports::{
    get_report, list_cooperative_reports, list_reports, missing as missing_reports,
    publication_rate, publish_report, put_report, submit_report,
};
