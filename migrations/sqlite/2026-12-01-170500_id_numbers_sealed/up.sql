-- Farmers' ID numbers at rest: sealed (AES-256-GCM) with the id of the key that sealed them,
-- a keyed blind index (HMAC-SHA256) for duplicate checks, and the mask shown everywhere.
-- `id_number` keeps plain values written before this migration only until the first start
-- seals them (in batches) and empties it; nothing writes it any more.
ALTER TABLE members ADD COLUMN id_number_sealed TEXT;
ALTER TABLE members ADD COLUMN id_number_key TEXT;
ALTER TABLE members ADD COLUMN id_number_index TEXT;
ALTER TABLE members ADD COLUMN id_number_masked TEXT;

DROP INDEX members_active_id_number;
CREATE UNIQUE INDEX members_active_id_number_index ON members (cooperative_id, id_number_index)
    WHERE exited_on IS NULL AND id_number_index IS NOT NULL;
