-- Each cooperative's open memberships (exited_on empty) by member type: how many, and the sum
-- of their contributions as the sums of its high and low 32-bit halves (as `MemberList` has
-- always summed them, so no sum can overflow). A cooperative's member summary (every GET and
-- every row of a list page) reads these few rows instead of aggregating all its members: a
-- list page of 50 cooperatives of 60 members each aggregated 3,000 rows. Kept by triggers in
-- the same transaction as every insert, update and delete of a member, whatever made it.
-- Members whose exit is dated after today are still members; `MemberList` adds them from the
-- partial index below (a seek into an empty range for nearly every cooperative).
CREATE TABLE member_tallies (
    cooperative_id BIGINT NOT NULL,
    member_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    contribution_hi BIGINT NOT NULL,
    contribution_lo BIGINT NOT NULL,
    PRIMARY KEY (cooperative_id, member_type)
) WITHOUT ROWID;

INSERT INTO member_tallies
SELECT cooperative_id, member_type, COUNT(*), SUM(contribution_fen / 4294967296),
       SUM(contribution_fen % 4294967296)
FROM members
WHERE exited_on IS NULL
GROUP BY cooperative_id, member_type;

CREATE INDEX members_exiting ON members (cooperative_id, exited_on) WHERE exited_on IS NOT NULL;

CREATE TRIGGER members_tally_insert AFTER INSERT ON members WHEN NEW.exited_on IS NULL
BEGIN
    INSERT INTO member_tallies
    VALUES (NEW.cooperative_id, NEW.member_type, 1, NEW.contribution_fen / 4294967296,
            NEW.contribution_fen % 4294967296)
    ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
        n = n + 1,
        contribution_hi = contribution_hi + excluded.contribution_hi,
        contribution_lo = contribution_lo + excluded.contribution_lo;
END;

CREATE TRIGGER members_tally_delete AFTER DELETE ON members WHEN OLD.exited_on IS NULL
BEGIN
    UPDATE member_tallies SET
        n = n - 1,
        contribution_hi = contribution_hi - OLD.contribution_fen / 4294967296,
        contribution_lo = contribution_lo - OLD.contribution_fen % 4294967296
    WHERE cooperative_id = OLD.cooperative_id AND member_type = OLD.member_type;
END;

-- Only when a counted column changed on an open membership (before or after).
CREATE TRIGGER members_tally_update
AFTER UPDATE OF cooperative_id, member_type, exited_on, contribution_fen ON members
WHEN (OLD.exited_on IS NULL OR NEW.exited_on IS NULL)
  AND (OLD.cooperative_id IS NOT NEW.cooperative_id OR OLD.member_type IS NOT NEW.member_type
       OR OLD.exited_on IS NOT NEW.exited_on OR OLD.contribution_fen IS NOT NEW.contribution_fen)
BEGIN
    UPDATE member_tallies SET
        n = n - 1,
        contribution_hi = contribution_hi - OLD.contribution_fen / 4294967296,
        contribution_lo = contribution_lo - OLD.contribution_fen % 4294967296
    WHERE OLD.exited_on IS NULL
      AND cooperative_id = OLD.cooperative_id AND member_type = OLD.member_type;
    INSERT INTO member_tallies
    SELECT NEW.cooperative_id, NEW.member_type, 1, NEW.contribution_fen / 4294967296,
           NEW.contribution_fen % 4294967296
    WHERE NEW.exited_on IS NULL
    ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
        n = n + 1,
        contribution_hi = contribution_hi + excluded.contribution_hi,
        contribution_lo = contribution_lo + excluded.contribution_lo;
END;
