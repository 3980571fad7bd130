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

/// An access token (RFC 6749 §5.1 shape), with a refresh token for users.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt_3q2-7wEvhXoGvV0sM4Xn2Qm5Zb8yH1cT9kPjLrA6uDg", "refresh_expires_in": 1209600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires (at most 3600).
    pub expires_in: i64,
    /// A user's refresh token (256 random bits, valid 14 days, good for one use: see
    /// `grant_type=refresh_token`). Partner clients get none (RFC 6749 §4.4.3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Seconds until the refresh token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<i64>,
}

impl TokenResponse {
    pub fn bearer(access_token: String, expires_in: i64) -> Self {
        TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: None,
            refresh_expires_in: None,
        }
    }

    /// The same with a refresh token.
    pub fn with_refresh(mut self, refresh_token: String, expires_in: i64) -> Self {
        self.refresh_token = Some(refresh_token);
        self.refresh_expires_in = Some(expires_in);
        self
    }
}

/// A refresh token to end (logout).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "rt_3q2-7wEvhXoGvV0sM4Xn2Qm5Zb8yH1cT9kPjLrA6uDg"}))]
pub struct LogoutRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

/// A token request (RFC 6749 §4.3, §4.4, §6), form-encoded or JSON: `grant_type` decides which
/// other fields it needs.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "cp_3f9a0c2b7d1e4a56", "client_secret": "9b1c…"}))]
pub struct TokenRequest {
    /// `password` (a user: `username`, `password`), `refresh_token` (`refresh_token`) or
    /// `client_credentials` (a partner bank: `client_id`, `client_secret`).
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub grant_type: String,
    /// With `grant_type=password`.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub username: Option<String>,
    /// With `grant_type=password`.
    #[serde(default)]
    #[validate(length(max = 1024))]
    #[schema(max_length = 1024)]
    pub password: Option<String>,
    /// With `grant_type=refresh_token`: the refresh token last issued; it is spent by this use.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub refresh_token: Option<String>,
    /// May instead be sent with HTTP Basic authentication (RFC 6749 §2.3.1).
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub client_id: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub client_secret: Option<String>,
    /// Ignored: a token always carries its account's scope.
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub scope: Option<String>,
}
