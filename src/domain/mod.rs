//! Pure domain rules: no I/O, unit-tested next to the code.

pub mod cooperative;
pub mod counselor;
pub mod federation;
pub mod id_number;
pub mod phone;
pub mod uscc;
