DROP TRIGGER cooperatives_tally_update;
DROP TRIGGER cooperatives_tally_delete;
DROP TRIGGER cooperatives_tally_insert;
DROP TABLE registry_tallies;
