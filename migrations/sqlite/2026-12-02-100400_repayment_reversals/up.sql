-- A repayment reversed by the bank stays in the ledger, marked; the book is re-read without
-- it. `updated_at` tells incremental sync what changed (a reversal changes a repayment).
ALTER TABLE loan_repayments ADD COLUMN reversed_at TIMESTAMP;
ALTER TABLE loan_repayments ADD COLUMN reversed_by TEXT;
ALTER TABLE loan_repayments ADD COLUMN reversal_reason TEXT;
ALTER TABLE loan_repayments ADD COLUMN updated_at TIMESTAMP;
UPDATE loan_repayments SET updated_at = created_at;
CREATE INDEX loan_repayments_updated ON loan_repayments (loan_id, updated_at);
CREATE INDEX loans_updated ON loans (updated_at, id);
