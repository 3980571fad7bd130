-- A loan's running book (loan_books.state, JSON of its schedule: ~4.6 kB for 36 instalments) is
-- rewritten by every repayment, and values over 2 kB are compressed: with the default pglz
-- that was 2.4 % of the server's CPU under repayments (BENCHMARKS.md). lz4 compresses several
-- times faster; rows written before keep their pglz value until their next write.
ALTER TABLE loan_books ALTER COLUMN state SET COMPRESSION lz4;
