DROP INDEX members_summary;
DROP INDEX cooperatives_level;
DROP INDEX cooperatives_tier;
DROP INDEX cooperatives_town_status;
