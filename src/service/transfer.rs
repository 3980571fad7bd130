//! Bulk CSV import and CSV/XLSX export of the registry.
