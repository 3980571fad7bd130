-- Interest as banks book it: penalty interest (罚息) at the product's markup over the contract
-- rate (5000 bp: rate × 1.5), copied onto each loan when it is applied for; each repayment
-- keeps its whole split and what it asked a prepayment to do. Repayments recorded before keep
-- their figures (no penalty, no prepayment recorded); the ledger is re-read under the new
-- allocation without changing them.
ALTER TABLE loan_products ADD COLUMN penalty_rate_markup_bp INTEGER NOT NULL DEFAULT 5000;
ALTER TABLE loans ADD COLUMN penalty_rate_markup_bp INTEGER NOT NULL DEFAULT 5000;
ALTER TABLE loan_repayments ADD COLUMN penalty_interest_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE loan_repayments ADD COLUMN prepaid_principal_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE loan_repayments ADD COLUMN prepayment TEXT NOT NULL DEFAULT 'reduce_payment';
