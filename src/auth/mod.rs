//! Authentication (passwords, tokens, the `Caller` extractor) and authorisation (policy).

pub mod extractor;
pub mod jwt;
pub mod login_limiter;
pub mod password;
pub mod policy;
pub mod revocation;
pub mod scope;

pub use policy::{Access, Resource, Role};
pub use scope::Caller;
