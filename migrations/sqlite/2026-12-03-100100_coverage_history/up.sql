-- The dashboard's as-of coverage and federations.
--
-- A counselor's covering of a town, over the days it held: [valid_from, valid_to), open
-- (valid_to NULL) while it holds. A period is open exactly while the town is in the
-- counselor's counselor_towns and the counselor is active; written in the same transaction
-- as the change of towns or of the active flag.
CREATE TABLE counselor_town_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    town_code TEXT NOT NULL REFERENCES towns (code),
    valid_from DATE NOT NULL,
    valid_to DATE
);
CREATE INDEX counselor_town_periods_counselor ON counselor_town_periods (counselor_id, town_code);
CREATE INDEX counselor_town_periods_interval ON counselor_town_periods (valid_from, valid_to);

-- A federation's industry and status, over the days they held; the open row is the state in
-- force (the federations row's own columns). Written with every change of either.
CREATE TABLE federation_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    federation_id BIGINT NOT NULL REFERENCES federations (id) ON DELETE CASCADE,
    valid_from DATE NOT NULL,
    valid_to DATE,
    industry_code TEXT NOT NULL REFERENCES industries (code),
    status TEXT NOT NULL
);
CREATE INDEX federation_states_federation ON federation_states (federation_id, valid_to);
CREATE INDEX federation_states_interval ON federation_states (valid_from, valid_to);

-- Backfill: what is known. The assignments held now are taken to have held since the
-- counselor's registration; towns dropped before this migration, and spells of inactivity,
-- are not known.
INSERT INTO counselor_town_periods (counselor_id, town_code, valid_from, valid_to)
SELECT t.counselor_id, t.town_code, date(c.created_at), NULL
FROM counselor_towns t JOIN counselors c ON c.id = t.counselor_id
WHERE c.active;

-- A federation was forming from its registration to its activation, active since; industry
-- changes before this migration are not known (the present industry is taken throughout).
INSERT INTO federation_states (federation_id, valid_from, valid_to, industry_code, status)
SELECT id, date(created_at), activated_on, industry_code, 'forming'
FROM federations
WHERE status = 'active' AND activated_on IS NOT NULL AND activated_on > date(created_at);
INSERT INTO federation_states (federation_id, valid_from, valid_to, industry_code, status)
SELECT id,
       CASE WHEN status = 'active' AND activated_on IS NOT NULL AND activated_on > date(created_at)
            THEN activated_on ELSE date(created_at) END,
       NULL, industry_code, status
FROM federations;
