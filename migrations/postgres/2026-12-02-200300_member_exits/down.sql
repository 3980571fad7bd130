ALTER TABLE members DROP COLUMN exit_kind;
ALTER TABLE members DROP COLUMN exit_requested_on;
