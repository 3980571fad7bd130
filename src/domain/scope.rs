//! Record scopes as data: which cooperatives and which loans a caller may see. Who gets which
//! scope is decided in `crate::auth::scope`; the queries that apply a scope live in `crate::db`.
//! Records outside a caller's scope are answered with 404, never 403.

/// Which cooperatives a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoopScope {
    /// Every cooperative (district admin, service center, observer).
    All,
    /// The cooperatives of these towns (a town officer: one; a counselor: those covered).
    Towns(Vec<String>),
    /// One cooperative (a cooperative's own account).
    One(i64),
    /// Those with a loan at this bank (a bank partner).
    Bank(String),
}

/// Which loans a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoanScope {
    /// Every loan (district admin, observer).
    All,
    /// The loans of this town's cooperatives.
    Town(String),
    /// One cooperative's loans.
    Cooperative(i64),
    /// One bank's loans.
    Bank(String),
}

/// Which counselors a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounselorScope {
    /// Every counselor (the district, town officers, observers).
    All,
    /// One counselor (a counselor's own login).
    One(i64),
    /// Counselors covering this town (a cooperative's account: its own town).
    CoveringTown(String),
}
