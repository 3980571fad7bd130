-- Meetings of a cooperative's bodies and their resolutions, decided by the law's thresholds.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    members_total BIGINT NOT NULL,
    attending BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_cooperative ON meetings (cooperative_id, held_on, id);

CREATE TABLE resolutions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    seq INTEGER NOT NULL,
    subject TEXT NOT NULL,
    votes_for BIGINT NOT NULL,
    votes_against BIGINT NOT NULL,
    abstentions BIGINT NOT NULL,
    additional_votes_for BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    UNIQUE (meeting_id, seq)
);
CREATE INDEX resolutions_cooperative ON resolutions (cooperative_id, subject, passed);
