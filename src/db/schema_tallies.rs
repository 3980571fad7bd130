//! The registry's tallies (kept apart so `schema.rs` stays short; in step with both migration
//! folders, 2026-12-04-000100_registry_tallies, whose triggers alone write it).

diesel::table! {
    registry_tallies (town_code, status, tier, demonstration_level, established_year) {
        town_code -> Text,
        status -> Text,
        tier -> Text,
        demonstration_level -> Text,
        established_year -> Integer,
        n -> BigInt,
    }
}
