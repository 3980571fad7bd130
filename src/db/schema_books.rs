//! The cooperative's own books: meetings and resolutions, members' transactions, surplus
//! distributions (kept apart so `schema.rs` stays short; the same hand-edited rules: in step
//! with both migration folders, 2026-12-02-2001xx to 2026-12-02-2003xx, and the archive's
//! 2026-12-02-3001xx).

diesel::table! {
    meetings (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        kind -> Text,
        held_on -> Date,
        members_total -> BigInt,
        attending -> BigInt,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    resolutions (id) {
        id -> BigInt,
        meeting_id -> BigInt,
        cooperative_id -> BigInt,
        seq -> Integer,
        subject -> Text,
        votes_for -> BigInt,
        votes_against -> BigInt,
        abstentions -> BigInt,
        additional_votes_for -> BigInt,
        passed -> Bool,
    }
}

diesel::table! {
    member_transactions (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        member_id -> BigInt,
        year -> Integer,
        amount_fen -> BigInt,
        quantity -> Nullable<BigInt>,
        unit -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    surplus_distributions (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        year -> Integer,
        status -> Text,
        surplus_fen -> BigInt,
        loss_makeup_fen -> BigInt,
        reserve_fen -> BigInt,
        distributable_fen -> BigInt,
        by_transactions_bp -> Integer,
        by_transactions_fen -> BigInt,
        by_shares_fen -> BigInt,
        meeting_id -> Nullable<BigInt>,
        resolution_seq -> Nullable<Integer>,
        adopted_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    surplus_allocations (id) {
        id -> BigInt,
        distribution_id -> BigInt,
        cooperative_id -> BigInt,
        member_id -> BigInt,
        transactions_fen -> BigInt,
        shares_fen -> BigInt,
        by_transactions_fen -> BigInt,
        by_shares_fen -> BigInt,
        reserve_share_fen -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        kind -> Text,
        title -> Text,
        year -> Nullable<Integer>,
        file_name -> Text,
        sha256 -> Text,
        size -> BigInt,
        content_type -> Text,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}
// Their joins.
use super::schema::{cooperatives, members};

diesel::joinable!(meetings -> cooperatives (cooperative_id));
diesel::joinable!(resolutions -> meetings (meeting_id));
diesel::joinable!(member_transactions -> members (member_id));
diesel::joinable!(surplus_allocations -> surplus_distributions (distribution_id));
diesel::joinable!(surplus_allocations -> members (member_id));
