-- What the daily ageing job last found for each loan: days past due and the five-category
-- classification (五级分类); a change of classification is an event.
ALTER TABLE loans ADD COLUMN days_past_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loans ADD COLUMN classification TEXT NOT NULL DEFAULT 'normal';
