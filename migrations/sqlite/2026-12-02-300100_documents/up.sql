-- The cooperative's archive (档案): one row per upload; the bytes live outside the database,
-- content-addressed by their SHA-256 (the same bytes uploaded twice are stored once).
CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    year INTEGER,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_cooperative ON documents (cooperative_id, id);
CREATE INDEX documents_sha256 ON documents (sha256);
