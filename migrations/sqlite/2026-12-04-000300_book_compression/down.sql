-- PostgreSQL only (lz4 compression of loan_books.state): SQLite does not compress values.
SELECT 1;
