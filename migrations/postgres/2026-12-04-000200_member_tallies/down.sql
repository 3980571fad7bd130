DROP TRIGGER members_tally_delete ON members;
DROP TRIGGER members_tally_update ON members;
DROP TRIGGER members_tally_insert ON members;
DROP FUNCTION member_tallies_apply();
DROP INDEX members_exiting;
DROP VIEW member_counted;
DROP TABLE member_tallies;
