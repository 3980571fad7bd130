//! Partner banks' machine clients.
