//! What the registry looked like before each change of a cooperative's derived columns (the
//! dashboard's as-of figures; kept apart so `schema.rs` stays short; in step with both
//! migration folders, 2026-12-02-400100 and 2026-12-03-100100).

use super::schema::federations;

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

// The dashboard's as-of coverage and federations (2026-12-03-100100): the periods a
// counselor covered a town, and a federation's industry and status over the days they held.
diesel::table! {
    counselor_town_periods (id) {
        id -> BigInt,
        counselor_id -> BigInt,
        town_code -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    federation_states (id) {
        id -> BigInt,
        federation_id -> BigInt,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        industry_code -> Text,
        status -> Text,
    }
}

diesel::joinable!(federation_states -> federations (federation_id));
diesel::allow_tables_to_appear_in_same_query!(federation_states, federations);
