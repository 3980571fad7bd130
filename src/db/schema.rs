// The tables of both migration sets (migrations/sqlite and migrations/postgres), which a test
// proves identical in tables and columns. Only portable types (see ARCHITECTURE.md).

diesel::table! {
    towns (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    industries (code) {
        code -> Text,
        name -> Text,
        specialty -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    counselors (id) {
        id -> BigInt,
        name -> Text,
        phone -> Text,
        source -> Text,
        level -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    counselor_towns (counselor_id, town_code) {
        counselor_id -> BigInt,
        town_code -> Text,
    }
}

diesel::table! {
    cooperatives (id) {
        id -> BigInt,
        name -> Text,
        uscc -> Text,
        town_code -> Text,
        legal_representative -> Text,
        phone -> Text,
        established_on -> Date,
        registered_capital_fen -> BigInt,
        address -> Nullable<Text>,
        business_scope -> Nullable<Text>,
        status -> Text,
        tier -> Nullable<Text>,
        demonstration_level -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cooperative_industries (cooperative_id, industry_code) {
        cooperative_id -> BigInt,
        industry_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        town_code -> Nullable<Text>,
        cooperative_id -> Nullable<BigInt>,
        bank_code -> Nullable<Text>,
        counselor_id -> Nullable<BigInt>,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_username -> Text,
        actor_role -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    partners (id) {
        id -> BigInt,
        bank_code -> Text,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    loan_products (id) {
        id -> BigInt,
        bank_code -> Text,
        name -> Text,
        annual_rate_bp -> Integer,
        max_amount_fen -> BigInt,
        max_term_months -> Integer,
        repayment_method -> Text,
        risk_compensation_eligible -> Bool,
        retired -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    loans (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        product_id -> BigInt,
        bank_code -> Text,
        amount_fen -> BigInt,
        approved_amount_fen -> Nullable<BigInt>,
        annual_rate_bp -> Integer,
        term_months -> Integer,
        repayment_method -> Text,
        risk_compensation_eligible -> Bool,
        purpose -> Text,
        status -> Text,
        disbursed_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    loan_events (id) {
        id -> BigInt,
        loan_id -> BigInt,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_name -> Text,
        actor_role -> Text,
        note -> Nullable<Text>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    loan_repayments (id) {
        id -> BigInt,
        loan_id -> BigInt,
        amount_fen -> BigInt,
        principal_fen -> BigInt,
        interest_fen -> BigInt,
        paid_on -> Date,
        actor_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        owner -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    risk_fund_entries (id) {
        id -> BigInt,
        kind -> Text,
        amount_fen -> BigInt,
        source -> Nullable<Text>,
        loan_id -> Nullable<BigInt>,
        entry_on -> Date,
        actor_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        bank_code -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(counselor_towns -> counselors (counselor_id));
diesel::joinable!(counselor_towns -> towns (town_code));
diesel::joinable!(cooperatives -> towns (town_code));
diesel::joinable!(cooperative_industries -> cooperatives (cooperative_id));
diesel::joinable!(cooperative_industries -> industries (industry_code));
diesel::joinable!(loans -> cooperatives (cooperative_id));
diesel::joinable!(loans -> loan_products (product_id));
diesel::joinable!(loan_events -> loans (loan_id));
diesel::joinable!(loan_repayments -> loans (loan_id));
diesel::joinable!(risk_fund_entries -> loans (loan_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    towns,
    industries,
    counselors,
    counselor_towns,
    cooperatives,
    cooperative_industries,
    users,
    audit_events,
    partners,
    loan_products,
    loans,
    loan_events,
    loan_repayments,
    idempotency_keys,
    risk_fund_entries,
    webhooks,
    webhook_deliveries,
);
