//! Logging in: users by password, partner banks by client credentials.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub username: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// An access token (RFC 6749 §5.1 shape).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires (at most 3600).
    pub expires_in: i64,
}

impl TokenResponse {
    pub fn bearer(access_token: String, expires_in: i64) -> Self {
        TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        }
    }
}

/// A client-credentials token request (RFC 6749 §4.4), form-encoded or JSON.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "cp_3f9a0c2b7d1e4a56", "client_secret": "9b1c…"}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// May instead be sent with HTTP Basic authentication (RFC 6749 §2.3.1).
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub client_id: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub client_secret: Option<String>,
    /// Ignored: a partner token always carries the bank's scope.
    #[serde(default)]
    pub scope: Option<String>,
}
