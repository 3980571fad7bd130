//! Towns and industries.
