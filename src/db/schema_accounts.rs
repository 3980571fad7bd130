//! Accounts and sessions: login sessions, their refresh tokens (hashes only) and the login
//! limiter's shared slots (kept apart so `schema.rs` stays short; the same hand-edited rules:
//! in step with both migration folders, 2026-12-02-000100 and 000200).

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        slot -> Text,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        credentials_version -> BigInt,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
    }
}
