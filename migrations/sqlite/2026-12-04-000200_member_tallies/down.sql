DROP TRIGGER members_tally_update;
DROP TRIGGER members_tally_delete;
DROP TRIGGER members_tally_insert;
DROP TRIGGER member_tally_change;
DROP VIEW member_tally_changes;
DROP INDEX members_exiting;
DROP VIEW member_counted;
DROP TABLE member_tallies;
