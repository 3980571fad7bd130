-- Agricultural loans with partner banks (惠农贷), the risk-compensation fund, webhooks.

-- A partner bank's machine client (OAuth 2.0 client credentials). Only a salted hash of the
-- secret is kept.
CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_code TEXT NOT NULL,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX partners_bank ON partners (bank_code);

CREATE TABLE loan_products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_code TEXT NOT NULL,
    name TEXT NOT NULL,
    annual_rate_bp INTEGER NOT NULL,
    max_amount_fen BIGINT NOT NULL,
    max_term_months INTEGER NOT NULL,
    repayment_method TEXT NOT NULL,
    risk_compensation_eligible BOOLEAN NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX loan_products_bank ON loan_products (bank_code, id);

CREATE TABLE loans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    product_id BIGINT NOT NULL REFERENCES loan_products (id),
    bank_code TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    approved_amount_fen BIGINT,
    annual_rate_bp INTEGER NOT NULL,
    term_months INTEGER NOT NULL,
    repayment_method TEXT NOT NULL,
    risk_compensation_eligible BOOLEAN NOT NULL,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    disbursed_on DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX loans_bank ON loans (bank_code, id);
CREATE INDEX loans_coop ON loans (cooperative_id, id);
CREATE INDEX loans_status ON loans (status, id);
CREATE INDEX loans_product ON loans (product_id, id);

-- Every transition of a loan, with who made it and when.
CREATE TABLE loan_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id BIGINT NOT NULL REFERENCES loans (id),
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    note TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX loan_events_loan ON loan_events (loan_id, id);

-- The repayment ledger; outstanding amounts are derived from it.
CREATE TABLE loan_repayments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id BIGINT NOT NULL REFERENCES loans (id),
    amount_fen BIGINT NOT NULL,
    principal_fen BIGINT NOT NULL,
    interest_fen BIGINT NOT NULL,
    paid_on DATE NOT NULL,
    actor_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX loan_repayments_loan ON loan_repayments (loan_id, id);

-- Idempotency keys (kept at least 24 h): the request's hash and the first response.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The risk-compensation fund (风险补偿资金): contributions in, compensations out.
CREATE TABLE risk_fund_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    source TEXT,
    loan_id BIGINT UNIQUE REFERENCES loans (id),
    entry_on DATE NOT NULL,
    actor_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_code TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_bank ON webhooks (bank_code, id);

-- The outbox: one row per event and subscription, written with the change it reports.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
