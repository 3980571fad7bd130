DROP TABLE loan_books;
