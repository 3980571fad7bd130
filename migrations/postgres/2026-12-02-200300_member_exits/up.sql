-- Exits by written notice take effect at a fiscal year end: `exited_on` may then be ahead of
-- today (the member belongs until that day); the notice date and the kind of exit are kept.
ALTER TABLE members ADD COLUMN exit_requested_on DATE;
ALTER TABLE members ADD COLUMN exit_kind TEXT;
