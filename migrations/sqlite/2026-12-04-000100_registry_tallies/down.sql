DROP TRIGGER cooperatives_tally_update;
DROP TRIGGER cooperatives_tally_delete;
DROP TRIGGER cooperatives_tally_insert;
DROP TRIGGER registry_tally_change;
DROP VIEW registry_tally_changes;
DROP VIEW registry_counted;
DROP TABLE registry_tallies;
