-- Accounts and sessions: a version for users (ETag / If-Match on PATCH), login sessions (one per
-- login, ended by logout or by a refresh token's reuse) and their rotating refresh tokens, kept
-- only as SHA-256 hashes.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES sessions (id),
    token_hash TEXT NOT NULL UNIQUE,
    credentials_version BIGINT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    spent_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
