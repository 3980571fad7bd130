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
        area -> Nullable<Text>,
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

diesel::joinable!(counselor_towns -> counselors (counselor_id));
diesel::joinable!(counselor_towns -> towns (town_code));
diesel::joinable!(cooperatives -> towns (town_code));
diesel::joinable!(cooperative_industries -> cooperatives (cooperative_id));
diesel::joinable!(cooperative_industries -> industries (industry_code));

diesel::allow_tables_to_appear_in_same_query!(
    towns,
    industries,
    counselors,
    counselor_towns,
    cooperatives,
    cooperative_industries,
    users,
    audit_events,
    federations,
    federation_members,
    counselor_trainings,
    counselor_visits,
    counselor_evaluations,
);

diesel::table! {
    federations (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        industry_code -> Text,
        uscc -> Nullable<Text>,
        town_code -> Nullable<Text>,
        status -> Text,
        activated_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    federation_members (id) {
        id -> BigInt,
        federation_id -> BigInt,
        member_kind -> Text,
        cooperative_id -> Nullable<BigInt>,
        name -> Text,
        role -> Text,
        joined_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counselor_trainings (id) {
        id -> BigInt,
        counselor_id -> BigInt,
        title -> Text,
        held_on -> Date,
        hours -> Double,
        topics -> Text,
        attendees -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counselor_visits (id) {
        id -> BigInt,
        counselor_id -> BigInt,
        cooperative_id -> BigInt,
        visited_on -> Date,
        topics -> Text,
        findings -> Text,
        follow_up -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    counselor_evaluations (id) {
        id -> BigInt,
        counselor_id -> BigInt,
        year -> Integer,
        score -> Integer,
        rating -> Text,
        reward -> Nullable<Text>,
        reward_fen -> Nullable<BigInt>,
        comment -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(federations -> industries (industry_code));
diesel::joinable!(federation_members -> federations (federation_id));
diesel::joinable!(federation_members -> cooperatives (cooperative_id));
diesel::joinable!(counselor_trainings -> counselors (counselor_id));
diesel::joinable!(counselor_visits -> counselors (counselor_id));
diesel::joinable!(counselor_visits -> cooperatives (cooperative_id));
diesel::joinable!(counselor_evaluations -> counselors (counselor_id));
