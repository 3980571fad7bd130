//! Authentication (passwords, tokens, the `AuthUser` extractor) and authorisation (policy).

pub mod extractor;
pub mod jwt;
pub mod login_limiter;
pub mod password;
pub mod policy;

pub use extractor::AuthUser;
pub use policy::{Access, Resource, Role};
