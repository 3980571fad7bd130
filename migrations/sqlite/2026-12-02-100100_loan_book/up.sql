-- The loan book as the bank keeps it: the bank's loan number (借据号) on a loan, its
-- transaction serial (流水号) on a repayment, each unique per bank. Loans and repayments
-- recorded before keep NULL references (a unique index admits any number of NULLs).
ALTER TABLE loans ADD COLUMN bank_reference TEXT;
-- The first instalment's due date when the bank fixes one (else one month after disbursement).
ALTER TABLE loans ADD COLUMN first_due_on DATE;
CREATE UNIQUE INDEX loans_bank_reference ON loans (bank_code, bank_reference);

ALTER TABLE loan_repayments ADD COLUMN bank_code TEXT;
ALTER TABLE loan_repayments ADD COLUMN bank_reference TEXT;
UPDATE loan_repayments
   SET bank_code = (SELECT l.bank_code FROM loans l WHERE l.id = loan_repayments.loan_id);
CREATE UNIQUE INDEX loan_repayments_bank_reference ON loan_repayments (bank_code, bank_reference);
