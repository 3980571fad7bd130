DROP INDEX risk_fund_entries_on;
DROP INDEX risk_fund_entries_bank;
ALTER TABLE risk_fund_entries DROP COLUMN related_loan_id;
ALTER TABLE risk_fund_entries DROP COLUMN bank_code;
DROP TABLE loan_recoveries;
DROP TABLE compensation_claims;
DROP TABLE risk_fund_agreements;
