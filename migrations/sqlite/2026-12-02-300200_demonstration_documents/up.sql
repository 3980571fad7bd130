-- Documents of the archive an application for a demonstration title cites (a JSON array of
-- document ids of the applicant cooperative).
ALTER TABLE demonstration_applications ADD COLUMN document_ids TEXT NOT NULL DEFAULT '[]';
