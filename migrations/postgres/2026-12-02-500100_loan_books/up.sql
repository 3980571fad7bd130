-- Each loan's running book (the schedule with its live repayments applied, and the sums of
-- what they paid), kept in the transaction of every repayment and reversal so a repayment
-- needs no replay of the ledger. Derived: the ledger stays the record; a loan without a row
-- (loans repaid before this table existed) has its book read from the ledger, and the next
-- repayment writes the row.
CREATE TABLE loan_books (
    loan_id BIGINT PRIMARY KEY NOT NULL REFERENCES loans (id),
    state TEXT NOT NULL,
    paid_total_fen BIGINT NOT NULL,
    paid_principal_fen BIGINT NOT NULL,
    paid_interest_fen BIGINT NOT NULL,
    last_paid_on DATE,
    updated_at TIMESTAMP NOT NULL
);
