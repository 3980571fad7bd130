-- Each cooperative's open memberships (exited_on empty) by member type: how many, and the sum
-- of their contributions as the sums of its high and low 32-bit halves (as `MemberList` has
-- always summed them, so no sum can overflow). A cooperative's member summary (every GET and
-- every row of a list page) reads these few rows instead of aggregating all its members. Kept
-- by statement-level triggers over the transition tables, in the same transaction as every
-- insert, update and delete of a member, whatever made it, as `registry_tallies_apply` keeps
-- the registry's (2026-12-04-000100). Members whose exit is dated after today are still
-- members; `MemberList` adds them from the partial index below.
CREATE TABLE member_tallies (
    cooperative_id BIGINT NOT NULL,
    member_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    contribution_hi BIGINT NOT NULL,
    contribution_lo BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, member_type)
);

-- The tallies as the rows hold them: the backfill below and `coophub recount` copy this.
CREATE VIEW member_counted AS
SELECT cooperative_id, member_type, COUNT(*) AS n,
       SUM(contribution_fen / 4294967296)::BIGINT AS contribution_hi,
       SUM(contribution_fen % 4294967296)::BIGINT AS contribution_lo
FROM members
WHERE exited_on IS NULL
GROUP BY cooperative_id, member_type;

INSERT INTO member_tallies SELECT * FROM member_counted;

CREATE INDEX members_exiting ON members (cooperative_id, exited_on) WHERE exited_on IS NOT NULL;

CREATE FUNCTION member_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key CONSTANT text := 'cooperative_id, member_type, contribution_fen / 4294967296 AS hi, '
        || 'contribution_fen % 4294967296 AS lo';
    changes text;
BEGIN
    changes := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %s, 1 AS d FROM new_rows WHERE exited_on IS NULL', key)
        WHEN 'DELETE' THEN format('SELECT %s, -1 AS d FROM old_rows WHERE exited_on IS NULL', key)
        ELSE format('SELECT %1$s, 1 AS d FROM new_rows WHERE exited_on IS NULL UNION ALL '
            || 'SELECT %1$s, -1 FROM old_rows WHERE exited_on IS NULL', key)
    END;
    EXECUTE format(
        'INSERT INTO member_tallies AS t '
        || 'SELECT cooperative_id, member_type, SUM(d), SUM(d * hi), SUM(d * lo) FROM (%s) k '
        || 'GROUP BY 1, 2 HAVING SUM(d) <> 0 OR SUM(d * hi) <> 0 OR SUM(d * lo) <> 0 '
        || 'ORDER BY 1, 2 '
        || 'ON CONFLICT (cooperative_id, member_type) DO UPDATE SET n = t.n + EXCLUDED.n, '
        || 'contribution_hi = t.contribution_hi + EXCLUDED.contribution_hi, '
        || 'contribution_lo = t.contribution_lo + EXCLUDED.contribution_lo',
        changes);
    RETURN NULL;
END
$$;

CREATE TRIGGER members_tally_insert AFTER INSERT ON members
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_tallies_apply();
CREATE TRIGGER members_tally_update AFTER UPDATE ON members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_tallies_apply();
CREATE TRIGGER members_tally_delete AFTER DELETE ON members
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION member_tallies_apply();
