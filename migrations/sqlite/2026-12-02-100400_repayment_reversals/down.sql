DROP INDEX loans_updated;
DROP INDEX loan_repayments_updated;
ALTER TABLE loan_repayments DROP COLUMN updated_at;
ALTER TABLE loan_repayments DROP COLUMN reversal_reason;
ALTER TABLE loan_repayments DROP COLUMN reversed_by;
ALTER TABLE loan_repayments DROP COLUMN reversed_at;
