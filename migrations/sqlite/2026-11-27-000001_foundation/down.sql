DROP TABLE audit_events;
DROP TABLE users;
DROP TABLE cooperative_industries;
DROP TABLE cooperatives;
DROP TABLE counselor_towns;
DROP TABLE counselors;
DROP TABLE industries;
DROP TABLE towns;
