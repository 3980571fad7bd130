-- Each cooperative's open memberships (exited_on empty) by member type: how many, and the sum
-- of their contributions as the sums of its high and low 32-bit halves (as `MemberList` has
-- always summed them, so no sum can overflow). A cooperative's member summary (every GET and
-- every row of a list page) reads these few rows instead of aggregating all its members. Kept
-- by statement-level triggers over the transition tables, in the same transaction as every
-- insert, update and delete of a member, whatever made it: each statement's changes summed
-- per key, keys whose changes cancel dropped (an update of no counted column writes nothing),
-- applied in key order. Members whose exit is dated after today are still members;
-- `MemberList` adds them from the partial index below.
CREATE TABLE member_tallies (
    cooperative_id BIGINT NOT NULL,
    member_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    contribution_hi BIGINT NOT NULL,
    contribution_lo BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, member_type)
);

INSERT INTO member_tallies
SELECT cooperative_id, member_type, COUNT(*), SUM(contribution_fen / 4294967296),
       SUM(contribution_fen % 4294967296)
FROM members
WHERE exited_on IS NULL
GROUP BY cooperative_id, member_type;

CREATE INDEX members_exiting ON members (cooperative_id, exited_on) WHERE exited_on IS NOT NULL;

CREATE FUNCTION member_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_tallies AS t
        SELECT cooperative_id, member_type, COUNT(*), SUM(contribution_fen / 4294967296),
               SUM(contribution_fen % 4294967296)
        FROM new_rows
        WHERE exited_on IS NULL
        GROUP BY 1, 2
        ORDER BY 1, 2
        ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
            n = t.n + EXCLUDED.n,
            contribution_hi = t.contribution_hi + EXCLUDED.contribution_hi,
            contribution_lo = t.contribution_lo + EXCLUDED.contribution_lo;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO member_tallies AS t
        SELECT cooperative_id, member_type, -COUNT(*), -SUM(contribution_fen / 4294967296),
               -SUM(contribution_fen % 4294967296)
        FROM old_rows
        WHERE exited_on IS NULL
        GROUP BY 1, 2
        ORDER BY 1, 2
        ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
            n = t.n + EXCLUDED.n,
            contribution_hi = t.contribution_hi + EXCLUDED.contribution_hi,
            contribution_lo = t.contribution_lo + EXCLUDED.contribution_lo;
    ELSE
        INSERT INTO member_tallies AS t
        SELECT k.cooperative_id, k.member_type, SUM(k.d), SUM(k.d * k.hi), SUM(k.d * k.lo)
        FROM (
            SELECT cooperative_id, member_type, contribution_fen / 4294967296 AS hi,
                   contribution_fen % 4294967296 AS lo, 1 AS d
            FROM new_rows WHERE exited_on IS NULL
            UNION ALL
            SELECT cooperative_id, member_type, contribution_fen / 4294967296,
                   contribution_fen % 4294967296, -1
            FROM old_rows WHERE exited_on IS NULL
        ) k
        GROUP BY 1, 2
        HAVING SUM(k.d) <> 0 OR SUM(k.d * k.hi) <> 0 OR SUM(k.d * k.lo) <> 0
        ORDER BY 1, 2
        ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
            n = t.n + EXCLUDED.n,
            contribution_hi = t.contribution_hi + EXCLUDED.contribution_hi,
            contribution_lo = t.contribution_lo + EXCLUDED.contribution_lo;
    END IF;
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
