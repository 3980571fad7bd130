DROP TRIGGER cooperatives_tally_delete ON cooperatives;
DROP TRIGGER cooperatives_tally_update ON cooperatives;
DROP TRIGGER cooperatives_tally_insert ON cooperatives;
DROP FUNCTION registry_tallies_apply();
DROP VIEW registry_counted;
DROP TABLE registry_tallies;
