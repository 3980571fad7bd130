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

-- The tallies as the rows hold them: the backfill below and `coophub recount` copy this.
CREATE VIEW member_counted AS
SELECT cooperative_id, member_type, COUNT(*) AS n,
       SUM(contribution_fen / 4294967296) AS contribution_hi,
       SUM(contribution_fen % 4294967296) AS contribution_lo
FROM members
WHERE exited_on IS NULL
GROUP BY cooperative_id, member_type;

INSERT INTO member_tallies SELECT * FROM member_counted;

CREATE INDEX members_exiting ON members (cooperative_id, exited_on) WHERE exited_on IS NOT NULL;

-- One open membership counted in (d = 1) or out (d = -1): the triggers below insert here,
-- and this view's trigger alone writes the tally.
CREATE VIEW member_tally_changes AS
SELECT cooperative_id, member_type, contribution_fen, 0 AS d FROM members WHERE 0;

CREATE TRIGGER member_tally_change INSTEAD OF INSERT ON member_tally_changes
BEGIN
    INSERT INTO member_tallies
    VALUES (NEW.cooperative_id, NEW.member_type, NEW.d,
            NEW.d * (NEW.contribution_fen / 4294967296),
            NEW.d * (NEW.contribution_fen % 4294967296))
    ON CONFLICT (cooperative_id, member_type) DO UPDATE SET
        n = n + excluded.n,
        contribution_hi = contribution_hi + excluded.contribution_hi,
        contribution_lo = contribution_lo + excluded.contribution_lo;
END;

CREATE TRIGGER members_tally_insert AFTER INSERT ON members WHEN NEW.exited_on IS NULL
BEGIN
    INSERT INTO member_tally_changes
    VALUES (NEW.cooperative_id, NEW.member_type, NEW.contribution_fen, 1);
END;

CREATE TRIGGER members_tally_delete AFTER DELETE ON members WHEN OLD.exited_on IS NULL
BEGIN
    INSERT INTO member_tally_changes
    VALUES (OLD.cooperative_id, OLD.member_type, OLD.contribution_fen, -1);
END;

-- Only when a counted column changed on an open membership (before or after).
CREATE TRIGGER members_tally_update
AFTER UPDATE OF cooperative_id, member_type, exited_on, contribution_fen ON members
WHEN (OLD.exited_on IS NULL OR NEW.exited_on IS NULL)
  AND (OLD.cooperative_id IS NOT NEW.cooperative_id OR OLD.member_type IS NOT NEW.member_type
       OR OLD.exited_on IS NOT NEW.exited_on OR OLD.contribution_fen IS NOT NEW.contribution_fen)
BEGIN
    INSERT INTO member_tally_changes
    SELECT OLD.cooperative_id, OLD.member_type, OLD.contribution_fen, -1
    WHERE OLD.exited_on IS NULL;
    INSERT INTO member_tally_changes
    SELECT NEW.cooperative_id, NEW.member_type, NEW.contribution_fen, 1
    WHERE NEW.exited_on IS NULL;
END;
