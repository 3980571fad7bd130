ALTER TABLE loans DROP COLUMN classification;
ALTER TABLE loans DROP COLUMN days_past_due;
