//! Agricultural loans (惠农贷): the request and response shapes of products, applications,
//! the state machine, repayments and the risk-compensation fund.

pub mod actions;
pub mod applications;
pub mod book;
pub mod claims;
pub mod products;
pub mod repayments;
pub mod risk_fund;
pub mod statements;

pub use actions::{ApproveBody, DisburseBody, NoteBody, RejectBody};
pub use applications::{
    InstalmentOut, LoanCreate, LoanEventOut, LoanFilterParams, LoanHistory, LoanList, LoanOut,
    LoanTotals, ScheduleOut,
};
pub use products::{ProductCreate, ProductFilter, ProductOut, ProductPatch};
pub use repayments::{
    LedgerParams, PayoffOut, PayoffParams, RepaymentCreate, RepaymentOut, RepaymentParams,
    ReverseBody,
};
pub use risk_fund::{ContributionCreate, FundEntryOut, RiskFundOut};
