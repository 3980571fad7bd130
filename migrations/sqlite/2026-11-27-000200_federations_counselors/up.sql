-- A district counselor's area (片区), by name; town counselors have none.
ALTER TABLE counselors ADD COLUMN area TEXT;

-- Federations (联合社) and industrial consortia (产业化联合体).
CREATE TABLE federations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('union_cooperative', 'industrial_consortium')),
    industry_code TEXT NOT NULL REFERENCES industries (code),
    uscc TEXT UNIQUE,
    town_code TEXT REFERENCES towns (code),
    status TEXT NOT NULL DEFAULT 'forming' CHECK (status IN ('forming', 'active')),
    activated_on DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX federations_industry ON federations (industry_code, id);

CREATE TABLE federation_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    federation_id BIGINT NOT NULL REFERENCES federations (id) ON DELETE CASCADE,
    member_kind TEXT NOT NULL CHECK (member_kind IN ('cooperative', 'company', 'family_farm', 'smallholder')),
    cooperative_id BIGINT REFERENCES cooperatives (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('lead', 'member')),
    joined_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- A cooperative appears at most once per federation (NULLs, the other kinds, never clash).
CREATE UNIQUE INDEX federation_members_coop ON federation_members (federation_id, cooperative_id);
CREATE INDEX federation_members_cooperative ON federation_members (cooperative_id);

-- Trainings a counselor took part in (辅导员培训).
CREATE TABLE counselor_trainings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    hours DOUBLE NOT NULL,
    topics TEXT NOT NULL,
    attendees INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX counselor_trainings_counselor ON counselor_trainings (counselor_id, held_on);

-- Guidance visits of a counselor to a cooperative (指导服务).
CREATE TABLE counselor_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    visited_on DATE NOT NULL,
    topics TEXT NOT NULL,
    findings TEXT NOT NULL,
    follow_up TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX counselor_visits_counselor ON counselor_visits (counselor_id, visited_on);
CREATE INDEX counselor_visits_cooperative ON counselor_visits (cooperative_id, id);

-- Yearly performance evaluations (考核) and rewards.
CREATE TABLE counselor_evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    rating TEXT NOT NULL CHECK (rating IN ('excellent', 'good', 'pass', 'fail')),
    reward TEXT,
    reward_fen BIGINT,
    comment TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (counselor_id, year)
);
CREATE INDEX counselor_evaluations_year ON counselor_evaluations (year, score);
