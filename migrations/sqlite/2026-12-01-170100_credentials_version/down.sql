ALTER TABLE users DROP COLUMN credentials_version;
ALTER TABLE partners DROP COLUMN credentials_version;
