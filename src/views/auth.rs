//! Logging in: users by password, partner banks by client credentials.
