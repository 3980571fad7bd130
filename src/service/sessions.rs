//! Login sessions: a login opens one; its refresh tokens rotate (each good for one use) and a
//! spent one presented again ends the whole session — every refresh and access token of the
//! chain (RFC 6819 §5.2.2.3, the OAuth 2.0 Security BCP §4.14). Refresh tokens are 256 random
//! bits, kept only as SHA-256 hashes (a fast hash suffices for a random secret).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::jwt::JwtKeys;
use crate::db::models::audit::{self, Actor};
use crate::db::models::now;
use crate::db::models::session::{self as m, NewRefreshToken};
use crate::db::models::user::{self, User};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::service::auth::user_token;
use crate::views::auth::TokenResponse;

/// How long a refresh token may wait for its one use.
pub const REFRESH_TTL_DAYS: i64 = 14;

/// Why a refresh was refused (all of them answer the same 401).
const REFUSED: &str = "the refresh token is not valid (unknown, expired, spent or revoked)";

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("rt_{}", URL_SAFE_NO_PAD.encode(b))
}

/// The stored form of a refresh token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a refresh token for a session at the user's current credentials version.
fn issue_refresh(conn: &mut DbConn, session_id: i64, u: &User) -> ApiResult<String> {
    let token = new_secret();
    let at = now();
    m::insert_token(
        conn,
        &NewRefreshToken {
            session_id,
            token_hash: &hash(&token),
            credentials_version: u.credentials_version,
            issued_at: at,
            expires_at: at + Duration::days(REFRESH_TTL_DAYS),
        },
    )?;
    Ok(token)
}

/// The answer to a successful login: a new session, its access token and first refresh token.
pub fn open(conn: &mut DbConn, jwt: &JwtKeys, u: User) -> ApiResult<TokenResponse> {
    let session = m::create_session(conn, u.id, now())?;
    let refresh = issue_refresh(conn, session.id, &u)?;
    Ok(user_token(jwt, u, Some(session.id))?.with_refresh(refresh, REFRESH_TTL_DAYS * 86_400))
}

/// What a refresh came to. A refusal that ended a session must still be committed, so it is
/// an `Ok` here and the caller turns it into the 401 after the transaction.
pub enum Refreshed {
    Tokens(TokenResponse),
    /// Refused; `Some(id)` when this refusal ended session `id` (its tokens are revoked).
    Refused(Option<i64>),
}

/// Spends a refresh token and issues the next pair of its session.
pub fn rotate(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    presented: &str,
    request_id: Option<String>,
) -> ApiResult<Refreshed> {
    let Some((token, session)) = m::find_token(conn, &hash(presented))? else {
        return Ok(Refreshed::Refused(None));
    };
    if session.revoked_at.is_some() {
        return Ok(Refreshed::Refused(None));
    }
    let at = now();
    let u = user::get(conn, session.user_id)?;
    let actor = Actor::of_user(&u, request_id);
    let end = |conn: &mut DbConn, reason: &str| -> ApiResult<Refreshed> {
        m::revoke(conn, session.id, reason, at)?;
        audit::record(
            conn,
            &actor,
            "revoke",
            "session",
            &session.id.to_string(),
            None::<&()>,
            Some(&serde_json::json!({"user_id": session.user_id, "reason": reason})),
        )?;
        Ok(Refreshed::Refused(Some(session.id)))
    };
    // A spent token presented again: someone holds a copy. End the chain.
    if token.spent_at.is_some() || !m::spend(conn, token.id, at)? {
        return end(conn, "refresh_token_reuse");
    }
    if token.expires_at <= at {
        return Ok(Refreshed::Refused(None));
    }
    if u.disabled || u.credentials_version != token.credentials_version {
        return end(conn, "credentials_changed");
    }
    let refresh = issue_refresh(conn, session.id, &u)?;
    Ok(Refreshed::Tokens(
        user_token(jwt, u, Some(session.id))?.with_refresh(refresh, REFRESH_TTL_DAYS * 86_400),
    ))
}

/// The 401 of a refused refresh.
pub fn refused() -> ApiError {
    ApiError::Unauthorized(REFUSED.into())
}

/// Ends the session of a refresh token (logout); `Some(id)` of the session ended. An unknown
/// or already ended token ends nothing and is not an error (RFC 7009 §2.2).
pub fn logout(
    conn: &mut DbConn,
    presented: &str,
    request_id: Option<String>,
) -> ApiResult<Option<i64>> {
    let Some((_, session)) = m::find_token(conn, &hash(presented))? else {
        return Ok(None);
    };
    if !m::revoke(conn, session.id, "logout", now())? {
        return Ok(None);
    }
    let u = user::get(conn, session.user_id)?;
    audit::record(
        conn,
        &Actor::of_user(&u, request_id),
        "logout",
        "session",
        &session.id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"user_id": session.user_id})),
    )?;
    Ok(Some(session.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bits_and_stored_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        // 32 bytes → 43 base64url characters after the prefix.
        assert_eq!(a.len(), 3 + 43);
        let h = hash(&a);
        assert_eq!(h.len(), 64);
        assert_ne!(h, a);
        assert_eq!(h, hash(&a));
    }
}
