-- The dashboard's as-of figures. A cooperative's status, tier and title as they were before
-- each change, over the days they held: [valid_from, valid_to). The state in force now is the
-- cooperatives row itself, valid from the last row's valid_to (or from established_on).
-- Written in the same transaction as every change of those columns.
CREATE TABLE cooperative_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id) ON DELETE CASCADE,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    status TEXT NOT NULL,
    tier TEXT,
    demonstration_level TEXT
);
CREATE INDEX cooperative_history_cooperative ON cooperative_history (cooperative_id, valid_to);
CREATE INDEX cooperative_history_interval ON cooperative_history (valid_to, valid_from);

-- Backfill from the audit trail: every earlier change of a derived column recorded the
-- cooperative before it; it held from the previous change (or registration) to that day.
INSERT INTO cooperative_history (cooperative_id, valid_from, valid_to, status, tier, demonstration_level)
SELECT cooperative_id,
       COALESCE(LAG(changed_on) OVER (PARTITION BY cooperative_id ORDER BY occurred_at, audit_id), established_on),
       changed_on, status, tier, demonstration_level
FROM (
    SELECT c.id AS cooperative_id, c.established_on AS established_on, a.id AS audit_id,
           a.occurred_at AS occurred_at, date(a.occurred_at) AS changed_on,
           json_extract(a.before_json, '$.status') AS status,
           json_extract(a.before_json, '$.tier') AS tier,
           json_extract(a.before_json, '$.demonstration_level') AS demonstration_level
    FROM audit_events a
    JOIN cooperatives c ON c.id = CAST(a.entity_id AS INTEGER)
    WHERE a.entity = 'cooperative'
      AND a.action IN ('classify', 'list_abnormal', 'lift_abnormal', 'merge', 'deregister', 'award_title', 'revoke_title')
      AND a.before_json IS NOT NULL
      AND json_extract(a.before_json, '$.status') IS NOT NULL
) changes;

-- Farmer members' households (户): the dashboard counts distinct households.
ALTER TABLE members ADD COLUMN household_code TEXT;
CREATE INDEX members_household ON members (household_code, cooperative_id) WHERE household_code IS NOT NULL;
