-- Sealed values cannot be opened without the key: going down loses them.
DROP INDEX members_active_id_number_index;
ALTER TABLE members DROP COLUMN id_number_masked;
ALTER TABLE members DROP COLUMN id_number_index;
ALTER TABLE members DROP COLUMN id_number_key;
ALTER TABLE members DROP COLUMN id_number_sealed;
CREATE UNIQUE INDEX members_active_id_number ON members (cooperative_id, id_number)
    WHERE exited_on IS NULL AND id_number IS NOT NULL;
