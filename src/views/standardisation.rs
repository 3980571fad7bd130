//! Governance and charter, annual reports, compliance.
