//! What the registry looked like before each change of a cooperative's derived columns (the
//! dashboard's as-of figures; kept apart so `schema.rs` stays short; in step with both
//! migration folders, 2026-12-02-400100).

diesel::table! {
    cooperative_history (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        valid_from -> Date,
        valid_to -> Date,
        status -> Text,
        tier -> Nullable<Text>,
        demonstration_level -> Nullable<Text>,
    }
}
