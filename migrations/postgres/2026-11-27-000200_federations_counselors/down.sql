DROP TABLE counselor_evaluations;
DROP TABLE counselor_visits;
DROP TABLE counselor_trainings;
DROP TABLE federation_members;
DROP TABLE federations;
ALTER TABLE counselors DROP COLUMN area;
