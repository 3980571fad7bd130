DROP TABLE surplus_allocations;
DROP TABLE surplus_distributions;
DROP TABLE member_transactions;
