-- Member accounts (成员账户): each member's transactions with the cooperative per year, and the
-- surplus distributions (盈余分配) that return the surplus by them; reserve shares are the sum of
-- the reserve quantified to the member by adopted distributions.
CREATE TABLE member_transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    year INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL,
    quantity BIGINT,
    unit TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (member_id, year)
);
CREATE INDEX member_transactions_year ON member_transactions (cooperative_id, year, member_id);

CREATE TABLE surplus_distributions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    surplus_fen BIGINT NOT NULL,
    loss_makeup_fen BIGINT NOT NULL,
    reserve_fen BIGINT NOT NULL,
    distributable_fen BIGINT NOT NULL,
    by_transactions_bp INTEGER NOT NULL,
    by_transactions_fen BIGINT NOT NULL,
    by_shares_fen BIGINT NOT NULL,
    meeting_id BIGINT REFERENCES meetings (id),
    resolution_seq INTEGER,
    adopted_on DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cooperative_id, year)
);

CREATE TABLE surplus_allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    distribution_id BIGINT NOT NULL REFERENCES surplus_distributions (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    member_id BIGINT NOT NULL REFERENCES members (id),
    transactions_fen BIGINT NOT NULL,
    shares_fen BIGINT NOT NULL,
    by_transactions_fen BIGINT NOT NULL,
    by_shares_fen BIGINT NOT NULL,
    reserve_share_fen BIGINT NOT NULL,
    UNIQUE (distribution_id, member_id)
);
CREATE INDEX surplus_allocations_member ON surplus_allocations (member_id, distribution_id);
