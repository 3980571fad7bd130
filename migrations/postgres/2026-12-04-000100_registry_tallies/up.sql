-- How many cooperatives hold each (town, status, tier, title, year established): today's
-- registry figures of the dashboard and its publication base, read from a few hundred rows
-- instead of a scan of the whole registry. Kept by statement-level triggers over the
-- transition tables, so in the same transaction as every insert, update and delete of a
-- cooperative, whatever made it, and one upsert per statement (an import of 20,000 rows adds
-- one row per key it touched, not 20,000 writes). '' stands for no tier and no title (a key
-- column cannot be NULL). A key whose count falls to 0 keeps its row with n = 0; readers skip
-- those.
CREATE TABLE registry_tallies (
    town_code TEXT NOT NULL,
    status TEXT NOT NULL,
    tier TEXT NOT NULL,
    demonstration_level TEXT NOT NULL,
    established_year INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (town_code, status, tier, demonstration_level, established_year)
);

-- The tallies as the rows hold them: the backfill below and `coophub recount` copy this.
CREATE VIEW registry_counted AS
SELECT town_code, status, COALESCE(tier, '') AS tier,
       COALESCE(demonstration_level, '') AS demonstration_level,
       EXTRACT(YEAR FROM established_on)::INTEGER AS established_year, COUNT(*) AS n
FROM cooperatives
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO registry_tallies SELECT * FROM registry_counted;

-- One statement's changes: each cooperative counted in as it is now (new_rows, +1) and out as
-- it was (old_rows, -1), whichever transition tables the operation has; summed per key, keys
-- whose changes cancel dropped (an update of no counted column writes and locks nothing), and
-- applied in key order, so two transactions that each change cooperatives in one statement
-- take the tally rows' locks in the same order. The one upsert is built once for the three
-- operations (EXECUTE sees the trigger's transition tables).
CREATE FUNCTION registry_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key CONSTANT text := 'town_code, status, COALESCE(tier, '''') AS tier, '
        || 'COALESCE(demonstration_level, '''') AS level, '
        || 'EXTRACT(YEAR FROM established_on)::INTEGER AS year';
    changes text;
BEGIN
    changes := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %s, 1 AS d FROM new_rows', key)
        WHEN 'DELETE' THEN format('SELECT %s, -1 AS d FROM old_rows', key)
        ELSE format('SELECT %1$s, 1 AS d FROM new_rows UNION ALL SELECT %1$s, -1 FROM old_rows', key)
    END;
    EXECUTE format(
        'INSERT INTO registry_tallies AS t '
        || 'SELECT town_code, status, tier, level, year, SUM(d) FROM (%s) k '
        || 'GROUP BY 1, 2, 3, 4, 5 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4, 5 '
        || 'ON CONFLICT (town_code, status, tier, demonstration_level, established_year) '
        || 'DO UPDATE SET n = t.n + EXCLUDED.n',
        changes);
    RETURN NULL;
END
$$;

CREATE TRIGGER cooperatives_tally_insert AFTER INSERT ON cooperatives
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry_tallies_apply();
CREATE TRIGGER cooperatives_tally_update AFTER UPDATE ON cooperatives
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry_tallies_apply();
CREATE TRIGGER cooperatives_tally_delete AFTER DELETE ON cooperatives
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry_tallies_apply();
