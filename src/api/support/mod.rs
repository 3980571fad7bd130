//! What every handler shares: body and query extractors that name the field at fault,
//! versions as ETags, the `Idempotency-Key` header, the client address.

pub mod body_schema;
pub mod client;
pub mod document_form;
pub mod etag;
pub mod extract;
pub mod idempotency;
pub mod upload;
