-- Task 8 (service center) and task 6 (demonstration cooperatives).

CREATE TABLE service_types (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    free BOOLEAN NOT NULL,
    price_fen BIGINT NOT NULL,
    provider TEXT,
    active BOOLEAN NOT NULL,
    sort_order INTEGER NOT NULL
);

CREATE TABLE service_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    service_type TEXT NOT NULL REFERENCES service_types (code),
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    assignee TEXT,
    fee_fen BIGINT,
    result_note TEXT,
    cancel_reason TEXT,
    rating_score INTEGER,
    rating_comment TEXT,
    placed_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    rated_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX service_orders_cooperative ON service_orders (cooperative_id, id);
CREATE INDEX service_orders_status ON service_orders (status, id);

CREATE TABLE demonstration_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    level TEXT NOT NULL,
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    eligible BOOLEAN NOT NULL,
    gates TEXT NOT NULL,
    score INTEGER,
    score_breakdown TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    decision_note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX demonstration_applications_year ON demonstration_applications (year, level, status);
CREATE INDEX demonstration_applications_cooperative ON demonstration_applications (cooperative_id, id);

CREATE TABLE demonstration_monitorings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    year INTEGER NOT NULL,
    result TEXT NOT NULL,
    notes TEXT,
    level_before TEXT,
    revoked BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX demonstration_monitorings_cooperative ON demonstration_monitorings (cooperative_id, id);

INSERT INTO service_types (code, name, free, price_fen, provider, active, sort_order) VALUES
('branding', '品牌建设与营销策划', FALSE, 300000, NULL, TRUE, 1),
('bookkeeping', '代理记账', FALSE, 120000, NULL, TRUE, 2),
('registration', '登记注册与变更', TRUE, 0, NULL, TRUE, 3),
('annual_report_filing', '年度报告申报', TRUE, 0, NULL, TRUE, 4),
('project_application', '项目申报', TRUE, 0, NULL, TRUE, 5),
('credit_guarantee', '信用评价与融资担保', FALSE, 50000, '邮储银行', TRUE, 6),
('ecommerce', '电商服务（邮乐网）', FALSE, 20000, '中国邮政', TRUE, 7),
('product_sales', '产品营销对接', TRUE, 0, NULL, TRUE, 8),
('logistics', '物流快递', FALSE, 10000, '中国邮政', TRUE, 9),
('insurance', '农业保险', TRUE, 0, '中国邮政', TRUE, 10);
