DROP TRIGGER members_tally_update;
DROP TRIGGER members_tally_delete;
DROP TRIGGER members_tally_insert;
DROP INDEX members_exiting;
DROP TABLE member_tallies;
