//! The risk-compensation fund's controls (kept apart so `schema.rs` stays short; the same
//! hand-edited rules: in step with both migration folders, 2026-12-02-100300_fund_controls).

diesel::table! {
    risk_fund_agreements (id) {
        id -> BigInt,
        bank_code -> Text,
        leverage -> Integer,
        compensation_share_bp -> Integer,
        effective_from -> Date,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    compensation_claims (id) {
        id -> BigInt,
        loan_id -> BigInt,
        bank_code -> Text,
        status -> Text,
        evidence -> Text,
        note -> Nullable<Text>,
        reason -> Nullable<Text>,
        amount_fen -> Nullable<BigInt>,
        fund_entry_id -> Nullable<BigInt>,
        submitted_sub -> Text,
        submitted_by -> Text,
        approved_sub -> Nullable<Text>,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        paid_by -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        rejected_by -> Nullable<Text>,
        rejected_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    loan_recoveries (id) {
        id -> BigInt,
        loan_id -> BigInt,
        bank_code -> Text,
        amount_fen -> BigInt,
        share_bp -> Integer,
        fund_share_fen -> BigInt,
        recovered_on -> Date,
        bank_reference -> Text,
        fund_entry_id -> Nullable<BigInt>,
        actor_name -> Text,
        created_at -> Timestamp,
    }
}
