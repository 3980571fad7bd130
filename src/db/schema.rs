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
        merged_into_id -> Nullable<BigInt>,
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
        credentials_version -> BigInt,
        version -> Integer,
    }
}

// Sessions, refresh tokens and login attempts are in `schema_accounts.rs`.
pub use super::schema_accounts::{login_attempts, refresh_tokens, sessions};

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
    members (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        name -> Text,
        member_type -> Text,
        id_number -> Nullable<Text>,
        phone -> Nullable<Text>,
        joined_on -> Date,
        exited_on -> Nullable<Date>,
        exit_reason -> Nullable<Text>,
        contribution_fen -> BigInt,
        contribution_form -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        id_number_sealed -> Nullable<Text>,
        id_number_key -> Nullable<Text>,
        id_number_index -> Nullable<Text>,
        id_number_masked -> Nullable<Text>,
        exit_requested_on -> Nullable<Date>,
        exit_kind -> Nullable<Text>,
        household_code -> Nullable<Text>,
    }
}

diesel::table! {
    governance (cooperative_id) {
        cooperative_id -> BigInt,
        charter_adopted_on -> Nullable<Date>,
        member_assembly -> Bool,
        board_chair -> Nullable<Text>,
        board_members -> Text,
        supervisors -> Text,
        bookkeeping -> Nullable<Text>,
        bookkeeper -> Nullable<Text>,
        disclosure_channels -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    annual_reports (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        year -> Integer,
        status -> Text,
        member_count -> Integer,
        farmer_member_count -> Integer,
        total_assets_fen -> BigInt,
        total_liabilities_fen -> BigInt,
        operating_revenue_fen -> BigInt,
        surplus_fen -> BigInt,
        surplus_returned_by_transactions_fen -> BigInt,
        member_income_fen -> Nullable<BigInt>,
        submitted_on -> Nullable<Date>,
        published_on -> Nullable<Date>,
        late -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assessments (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        charter -> Bool,
        bodies -> Bool,
        member_ledger -> Bool,
        bookkeeping -> Bool,
        disclosure -> Bool,
        annual_report -> Bool,
        transaction_distribution -> Bool,
        real_operations -> Bool,
        passed -> Integer,
        tier -> Text,
        notes -> Nullable<Text>,
        assessed_by -> Text,
        assessed_at -> Timestamp,
    }
}

diesel::table! {
    abnormal_listings (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        reason -> Text,
        listed_on -> Date,
        listed_by -> Text,
        lifted_on -> Nullable<Date>,
        lift_reason -> Nullable<Text>,
        lifted_by -> Nullable<Text>,
    }
}

diesel::table! {
    service_types (code) {
        code -> Text,
        name -> Text,
        free -> Bool,
        price_fen -> BigInt,
        provider -> Nullable<Text>,
        active -> Bool,
        sort_order -> Integer,
    }
}

diesel::table! {
    service_orders (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        service_type -> Text,
        description -> Text,
        status -> Text,
        placed_by -> Text,
        assignee -> Nullable<Text>,
        fee_fen -> Nullable<BigInt>,
        result_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        rating_score -> Nullable<Integer>,
        rating_comment -> Nullable<Text>,
        placed_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        rated_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    demonstration_applications (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        level -> Text,
        year -> Integer,
        status -> Text,
        eligible -> Bool,
        gates -> Text,
        score -> Nullable<Integer>,
        score_breakdown -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        document_ids -> Text,
    }
}

diesel::table! {
    demonstration_monitorings (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        year -> Integer,
        result -> Text,
        notes -> Nullable<Text>,
        level_before -> Nullable<Text>,
        revoked -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

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
        credentials_version -> BigInt,
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
        penalty_rate_markup_bp -> Integer,
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
        bank_reference -> Nullable<Text>,
        first_due_on -> Nullable<Date>,
        penalty_rate_markup_bp -> Integer,
        days_past_due -> Integer,
        classification -> Text,
    }
}

diesel::table! {
    loan_books (loan_id) {
        loan_id -> BigInt,
        state -> Text,
        paid_total_fen -> BigInt,
        paid_principal_fen -> BigInt,
        paid_interest_fen -> BigInt,
        last_paid_on -> Nullable<Date>,
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
        bank_code -> Nullable<Text>,
        bank_reference -> Nullable<Text>,
        penalty_interest_fen -> BigInt,
        prepaid_principal_fen -> BigInt,
        prepayment -> Text,
        reversed_at -> Nullable<Timestamp>,
        reversed_by -> Nullable<Text>,
        reversal_reason -> Nullable<Text>,
        updated_at -> Nullable<Timestamp>,
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
        bank_code -> Nullable<Text>,
        related_loan_id -> Nullable<BigInt>,
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

// The cooperative's own books (meetings, transactions, distributions, documents): `schema_books.rs`.
pub use super::schema_books::{
    documents, meetings, member_transactions, resolutions, surplus_allocations,
    surplus_distributions,
};

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(counselor_towns -> counselors (counselor_id));
diesel::joinable!(counselor_towns -> towns (town_code));
diesel::joinable!(cooperatives -> towns (town_code));
diesel::joinable!(cooperative_industries -> cooperatives (cooperative_id));
diesel::joinable!(cooperative_industries -> industries (industry_code));
diesel::joinable!(members -> cooperatives (cooperative_id));
diesel::joinable!(cooperative_history -> cooperatives (cooperative_id));
diesel::joinable!(governance -> cooperatives (cooperative_id));
diesel::joinable!(annual_reports -> cooperatives (cooperative_id));
diesel::joinable!(assessments -> cooperatives (cooperative_id));
diesel::joinable!(abnormal_listings -> cooperatives (cooperative_id));
diesel::joinable!(service_orders -> cooperatives (cooperative_id));
diesel::joinable!(service_orders -> service_types (service_type));
diesel::joinable!(demonstration_applications -> cooperatives (cooperative_id));
diesel::joinable!(demonstration_monitorings -> cooperatives (cooperative_id));
diesel::joinable!(federations -> industries (industry_code));
diesel::joinable!(federation_members -> federations (federation_id));
diesel::joinable!(federation_members -> cooperatives (cooperative_id));
diesel::joinable!(counselor_trainings -> counselors (counselor_id));
diesel::joinable!(counselor_visits -> counselors (counselor_id));
diesel::joinable!(counselor_visits -> cooperatives (cooperative_id));
diesel::joinable!(counselor_evaluations -> counselors (counselor_id));
// Kept apart: the cooperatives' past states (the dashboard's as-of figures) and the fund's controls.
pub use super::schema_fund::{compensation_claims, loan_recoveries, risk_fund_agreements};
pub use super::schema_history::{cooperative_history, counselor_town_periods, federation_states};

diesel::joinable!(loans -> cooperatives (cooperative_id));
diesel::joinable!(loans -> loan_products (product_id));
diesel::joinable!(loan_books -> loans (loan_id));
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
    cooperative_history,
    users,
    sessions,
    refresh_tokens,
    login_attempts,
    audit_events,
    members,
    governance,
    annual_reports,
    assessments,
    abnormal_listings,
    service_types,
    service_orders,
    demonstration_applications,
    demonstration_monitorings,
    federations,
    federation_members,
    counselor_trainings,
    counselor_visits,
    counselor_evaluations,
    partners,
    loan_products,
    loans,
    loan_books,
    loan_events,
    loan_repayments,
    idempotency_keys,
    risk_fund_entries,
    risk_fund_agreements,
    compensation_claims,
    loan_recoveries,
    webhooks,
    webhook_deliveries,
    meetings,
    resolutions,
    member_transactions,
    surplus_distributions,
    surplus_allocations,
);
