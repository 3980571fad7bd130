-- Reference data: the towns and streets of the district (GB/T 2260 + township codes).
CREATE TABLE towns (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('street', 'town', 'township')),
    sort_order INTEGER NOT NULL
);

CREATE TABLE industries (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    specialty BOOLEAN NOT NULL,
    sort_order INTEGER NOT NULL
);

-- Counselors (辅导员): here because a counselor login is scoped by the towns it covers.
CREATE TABLE counselors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    source TEXT NOT NULL,
    level TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE counselor_towns (
    counselor_id BIGINT NOT NULL REFERENCES counselors (id) ON DELETE CASCADE,
    town_code TEXT NOT NULL REFERENCES towns (code),
    PRIMARY KEY (counselor_id, town_code)
);
CREATE INDEX counselor_towns_town ON counselor_towns (town_code);

-- The cooperative registry (合作社名录).
CREATE TABLE cooperatives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    town_code TEXT NOT NULL REFERENCES towns (code),
    legal_representative TEXT NOT NULL,
    phone TEXT NOT NULL,
    established_on DATE NOT NULL,
    registered_capital_fen BIGINT NOT NULL,
    address TEXT,
    business_scope TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    tier TEXT,
    demonstration_level TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cooperatives_town ON cooperatives (town_code, id);
CREATE INDEX cooperatives_status ON cooperatives (status, id);

CREATE TABLE cooperative_industries (
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id) ON DELETE CASCADE,
    industry_code TEXT NOT NULL REFERENCES industries (code),
    PRIMARY KEY (cooperative_id, industry_code)
);
CREATE INDEX cooperative_industries_industry ON cooperative_industries (industry_code, cooperative_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    town_code TEXT REFERENCES towns (code),
    cooperative_id BIGINT REFERENCES cooperatives (id),
    bank_code TEXT,
    counselor_id BIGINT REFERENCES counselors (id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- The audit trail: who changed what, when, with the record before and after.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor_username TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, id);

INSERT INTO towns (code, name, kind, sort_order) VALUES
('500119001', '东城街道', 'street', 1),
('500119002', '南城街道', 'street', 2),
('500119003', '西城街道', 'street', 3),
('500119100', '三泉镇', 'town', 4),
('500119101', '南平镇', 'town', 5),
('500119102', '神童镇', 'town', 6),
('500119103', '鸣玉镇', 'town', 7),
('500119104', '大观镇', 'town', 8),
('500119105', '兴隆镇', 'town', 9),
('500119106', '太平场镇', 'town', 10),
('500119107', '白沙镇', 'town', 11),
('500119108', '水江镇', 'town', 12),
('500119109', '石墙镇', 'town', 13),
('500119110', '金山镇', 'town', 14),
('500119111', '头渡镇', 'town', 15),
('500119112', '大有镇', 'town', 16),
('500119113', '合溪镇', 'town', 17),
('500119114', '黎香湖镇', 'town', 18),
('500119115', '山王坪镇', 'town', 19),
('500119116', '木凉镇', 'town', 20),
('500119117', '楠竹山镇', 'town', 21),
('500119118', '石溪镇', 'town', 22),
('500119119', '德隆镇', 'town', 23),
('500119120', '民主镇', 'town', 24),
('500119121', '福寿镇', 'town', 25),
('500119122', '河图镇', 'town', 26),
('500119123', '庆元镇', 'town', 27),
('500119124', '古花镇', 'town', 28),
('500119125', '石莲镇', 'town', 29),
('500119126', '乾丰镇', 'town', 30),
('500119127', '骑龙镇', 'town', 31),
('500119128', '冷水关镇', 'town', 32),
('500119207', '中桥乡', 'township', 33),
('500119212', '峰岩乡', 'township', 34);

INSERT INTO industries (code, name, specialty, sort_order) VALUES
('herbal_medicine', '中药材', TRUE, 1),
('ancient_tree_tea', '古树茶', TRUE, 2),
('square_bamboo_shoot', '方竹笋', TRUE, 3),
('nanchuan_rice', '南川米', TRUE, 4),
('blueberry', '蓝莓', TRUE, 5),
('vegetables', '蔬菜', FALSE, 6),
('fruit', '水果', FALSE, 7),
('livestock', '畜禽养殖', FALSE, 8),
('aquaculture', '水产养殖', FALSE, 9),
('rural_tourism', '乡村旅游', FALSE, 10),
('ecommerce', '农村电商', FALSE, 11),
('other', '其他', FALSE, 12);
