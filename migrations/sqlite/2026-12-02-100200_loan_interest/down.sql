ALTER TABLE loan_repayments DROP COLUMN prepayment;
ALTER TABLE loan_repayments DROP COLUMN prepaid_principal_fen;
ALTER TABLE loan_repayments DROP COLUMN penalty_interest_fen;
ALTER TABLE loans DROP COLUMN penalty_rate_markup_bp;
ALTER TABLE loan_products DROP COLUMN penalty_rate_markup_bp;
