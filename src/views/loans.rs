//! Agricultural loans (惠农贷): products, applications, the state machine, repayments, the risk fund.
