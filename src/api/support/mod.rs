//! What every handler shares: body and query extractors that name the field at fault, and
//! versions as ETags.

pub mod body_schema;
pub mod etag;
pub mod extract;
