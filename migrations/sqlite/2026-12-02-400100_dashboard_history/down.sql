DROP INDEX members_household;
ALTER TABLE members DROP COLUMN household_code;
DROP TABLE cooperative_history;
