ALTER TABLE demonstration_applications DROP COLUMN document_ids;
