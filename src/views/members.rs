//! The member ledger (成员台账).
