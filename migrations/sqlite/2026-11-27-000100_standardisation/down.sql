DROP TABLE abnormal_listings;
DROP TABLE assessments;
DROP TABLE annual_reports;
DROP TABLE governance;
DROP TABLE members;
ALTER TABLE cooperatives DROP COLUMN merged_into_id;
