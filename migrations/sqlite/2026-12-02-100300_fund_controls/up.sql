-- The risk-compensation fund's controls: per-bank agreements, compensation as a claim paid
-- on four eyes, recoveries flowing back, and every ledger entry attributed to its bank.

-- A bank's terms with the fund (one row per bank, replaced by PUT).
CREATE TABLE risk_fund_agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_code TEXT NOT NULL UNIQUE,
    leverage INTEGER NOT NULL,
    compensation_share_bp INTEGER NOT NULL,
    effective_from DATE NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A claim on the fund for a defaulted loan: submitted → approved → paid (by another
-- district admin than the approver), or rejected.
CREATE TABLE compensation_claims (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id BIGINT NOT NULL REFERENCES loans (id),
    bank_code TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    note TEXT,
    reason TEXT,
    amount_fen BIGINT,
    fund_entry_id BIGINT REFERENCES risk_fund_entries (id),
    submitted_sub TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    approved_sub TEXT,
    approved_by TEXT,
    approved_at TIMESTAMP,
    paid_by TEXT,
    paid_at TIMESTAMP,
    rejected_by TEXT,
    rejected_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX compensation_claims_loan ON compensation_claims (loan_id, id);
CREATE INDEX compensation_claims_status ON compensation_claims (status, id);

-- What the bank recovered on a compensated loan; the agreement's share flows back.
CREATE TABLE loan_recoveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id BIGINT NOT NULL REFERENCES loans (id),
    bank_code TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    share_bp INTEGER NOT NULL,
    fund_share_fen BIGINT NOT NULL,
    recovered_on DATE NOT NULL,
    bank_reference TEXT NOT NULL,
    fund_entry_id BIGINT REFERENCES risk_fund_entries (id),
    actor_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (bank_code, bank_reference)
);
CREATE INDEX loan_recoveries_loan ON loan_recoveries (loan_id, id);

-- Every entry names its bank and loan (a contribution neither); loan_id stays the unique
-- compensation of a loan, related_loan_id is the loan of any entry.
ALTER TABLE risk_fund_entries ADD COLUMN bank_code TEXT;
ALTER TABLE risk_fund_entries ADD COLUMN related_loan_id BIGINT;
UPDATE risk_fund_entries
   SET related_loan_id = loan_id,
       bank_code = (SELECT l.bank_code FROM loans l WHERE l.id = risk_fund_entries.loan_id);
CREATE INDEX risk_fund_entries_bank ON risk_fund_entries (bank_code, id);
CREATE INDEX risk_fund_entries_on ON risk_fund_entries (entry_on, id);
