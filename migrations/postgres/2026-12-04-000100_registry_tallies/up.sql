-- How many cooperatives hold each (town, status, tier, title, year established): today's
-- registry figures of the dashboard and its publication base, read from a few hundred rows
-- instead of a scan of the whole registry. Kept by statement-level triggers over the
-- transition tables, so in the same transaction as every insert, update and delete of a
-- cooperative, whatever made it, and one upsert per statement (an import of 20,000 rows adds
-- one row per key it touched, not 20,000 writes). '' stands for no tier and no title (a key
-- column cannot be NULL). A key whose count falls to 0 keeps its row with n = 0; readers skip
-- those.
--
-- Each statement's deltas are summed per key, zero sums dropped (an update that changes no
-- counted column writes nothing and locks nothing), and applied in key order, so two
-- transactions that each change cooperatives in one statement take the tally rows' locks in
-- the same order.
CREATE TABLE registry_tallies (
    town_code TEXT NOT NULL,
    status TEXT NOT NULL,
    tier TEXT NOT NULL,
    demonstration_level TEXT NOT NULL,
    established_year INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (town_code, status, tier, demonstration_level, established_year)
);

INSERT INTO registry_tallies
SELECT town_code, status, COALESCE(tier, ''), COALESCE(demonstration_level, ''),
       EXTRACT(YEAR FROM established_on)::INTEGER, COUNT(*)
FROM cooperatives
GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION registry_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO registry_tallies AS t
        SELECT town_code, status, COALESCE(tier, ''), COALESCE(demonstration_level, ''),
               EXTRACT(YEAR FROM established_on)::INTEGER, COUNT(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (town_code, status, tier, demonstration_level, established_year)
        DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO registry_tallies AS t
        SELECT town_code, status, COALESCE(tier, ''), COALESCE(demonstration_level, ''),
               EXTRACT(YEAR FROM established_on)::INTEGER, -COUNT(*)
        FROM old_rows
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (town_code, status, tier, demonstration_level, established_year)
        DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSE
        INSERT INTO registry_tallies AS t
        SELECT k.town_code, k.status, k.tier, k.level, k.year, SUM(k.d)
        FROM (
            SELECT town_code, status, COALESCE(tier, '') AS tier,
                   COALESCE(demonstration_level, '') AS level,
                   EXTRACT(YEAR FROM established_on)::INTEGER AS year, 1 AS d
            FROM new_rows
            UNION ALL
            SELECT town_code, status, COALESCE(tier, ''), COALESCE(demonstration_level, ''),
                   EXTRACT(YEAR FROM established_on)::INTEGER, -1
            FROM old_rows
        ) k
        GROUP BY 1, 2, 3, 4, 5
        HAVING SUM(k.d) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (town_code, status, tier, demonstration_level, established_year)
        DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
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
