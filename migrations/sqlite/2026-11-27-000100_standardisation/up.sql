-- Task 1-3: member ledger, governance, annual reports, assessments, the abnormal list, mergers.

ALTER TABLE cooperatives ADD COLUMN merged_into_id BIGINT REFERENCES cooperatives (id);

-- The member ledger (成员台账). Exited members stay, with exited_on.
CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    name TEXT NOT NULL,
    member_type TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    joined_on DATE NOT NULL,
    exited_on DATE,
    exit_reason TEXT,
    contribution_fen BIGINT NOT NULL,
    contribution_form TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX members_cooperative ON members (cooperative_id, id);
-- An ID number appears once among a cooperative's active members.
CREATE UNIQUE INDEX members_active_id_number ON members (cooperative_id, id_number)
    WHERE exited_on IS NULL AND id_number IS NOT NULL;

-- Governance bodies and the charter (章程); people by name, lists as JSON arrays.
CREATE TABLE governance (
    cooperative_id BIGINT PRIMARY KEY NOT NULL REFERENCES cooperatives (id),
    charter_adopted_on DATE,
    member_assembly BOOLEAN NOT NULL,
    board_chair TEXT,
    board_members TEXT NOT NULL,
    supervisors TEXT NOT NULL,
    bookkeeping TEXT,
    bookkeeper TEXT,
    disclosure_channels TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);

-- Annual reports (年度报告): draft → submitted → published.
CREATE TABLE annual_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    farmer_member_count INTEGER NOT NULL,
    total_assets_fen BIGINT NOT NULL,
    total_liabilities_fen BIGINT NOT NULL,
    operating_revenue_fen BIGINT NOT NULL,
    surplus_fen BIGINT NOT NULL,
    surplus_returned_by_transactions_fen BIGINT NOT NULL,
    member_income_fen BIGINT,
    submitted_on DATE,
    published_on DATE,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cooperative_id, year)
);
CREATE INDEX annual_reports_year ON annual_reports (year, status);

-- Classification assessments (分类管理), kept as history.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    charter BOOLEAN NOT NULL,
    bodies BOOLEAN NOT NULL,
    member_ledger BOOLEAN NOT NULL,
    bookkeeping BOOLEAN NOT NULL,
    disclosure BOOLEAN NOT NULL,
    annual_report BOOLEAN NOT NULL,
    transaction_distribution BOOLEAN NOT NULL,
    real_operations BOOLEAN NOT NULL,
    passed INTEGER NOT NULL,
    tier TEXT NOT NULL,
    notes TEXT,
    assessed_by TEXT NOT NULL,
    assessed_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_cooperative ON assessments (cooperative_id, id);

-- The abnormal-operation list (异常名录): listings and their lifting.
CREATE TABLE abnormal_listings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    reason TEXT NOT NULL,
    listed_on DATE NOT NULL,
    listed_by TEXT NOT NULL,
    lifted_on DATE,
    lift_reason TEXT,
    lifted_by TEXT
);
CREATE INDEX abnormal_listings_cooperative ON abnormal_listings (cooperative_id, id);
