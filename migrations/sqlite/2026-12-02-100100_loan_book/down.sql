DROP INDEX loan_repayments_bank_reference;
ALTER TABLE loan_repayments DROP COLUMN bank_reference;
ALTER TABLE loan_repayments DROP COLUMN bank_code;
DROP INDEX loans_bank_reference;
ALTER TABLE loans DROP COLUMN first_due_on;
ALTER TABLE loans DROP COLUMN bank_reference;
