//! The audit trail, read back.
