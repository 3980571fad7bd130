//! The pilot's progress dashboard.
