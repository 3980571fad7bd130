-- Nothing to restore: the forgotten keys stood for no change.
SELECT 1;
