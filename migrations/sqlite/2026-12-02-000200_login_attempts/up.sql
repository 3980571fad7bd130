-- Login attempts, shared by every instance: the limiter's slots (per client `c:<address>`, per
-- account `a:user:<name>` / `a:partner:<client id>`), kept ten minutes at most. A successful
-- attempt deletes its slots again.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slot TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_slot ON login_attempts (slot, attempted_at);
CREATE INDEX login_attempts_at ON login_attempts (attempted_at);
