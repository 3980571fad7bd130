-- The registry list's filters, each served by an index that also yields id order (the cursor):
-- a town officer's worklist narrows by town and status together.
CREATE INDEX cooperatives_town_status ON cooperatives (town_code, status, id);
CREATE INDEX cooperatives_tier ON cooperatives (tier, id);
CREATE INDEX cooperatives_level ON cooperatives (demonstration_level, id);
-- Member summaries (counts by type, contributions) read from the index alone.
CREATE INDEX members_summary ON members (cooperative_id, member_type, exited_on, contribution_fen);
