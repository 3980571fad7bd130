//! Access tokens: HS256 JWTs with `iss`, `aud`, `exp` ≤ 1 h and the caller's scope.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::policy::Role;
use crate::config::{JWT_AUDIENCE, JWT_ISSUER, TOKEN_TTL_SECS};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user id (or `partner:<id>` for a bank partner client).
    pub sub: String,
    /// The username or partner client id, for the audit trail.
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooperative_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counselor_id: Option<i64>,
    /// The subject's credentials version when the token was issued; a token whose version is
    /// older than the stored one (rotated, disabled) is refused.
    #[serde(default)]
    pub ver: i64,
    /// The login session of a user's token (ended by logout or a refresh token's reuse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<i64>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Keys and validation rules, built once from the secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

/// The scope part of a token, as stored on a user or partner.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub sub: String,
    pub name: String,
    pub town_code: Option<String>,
    pub cooperative_id: Option<i64>,
    pub bank_code: Option<String>,
    pub counselor_id: Option<i64>,
    /// The subject's credentials version (see [`Claims::ver`]).
    pub ver: i64,
    /// The login session (see [`Claims::sid`]).
    pub sid: Option<i64>,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[JWT_ISSUER]);
        validation.set_audience(&[JWT_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues a token; returns it with its lifetime in seconds.
    pub fn issue(
        &self,
        role: Role,
        subject: Subject,
    ) -> Result<(String, i64), jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: subject.sub,
            name: subject.name,
            role,
            town_code: subject.town_code,
            cooperative_id: subject.cooperative_id,
            bank_code: subject.bank_code,
            counselor_id: subject.counselor_id,
            ver: subject.ver,
            sid: subject.sid,
            iss: JWT_ISSUER.into(),
            aud: JWT_AUDIENCE.into(),
            iat: now,
            exp: now + TOKEN_TTL_SECS,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, TOKEN_TTL_SECS))
    }

    pub fn encode_claims(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    pub fn decode(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?;
        let c = data.claims;
        // A token may not outlive the contract's one hour, whoever signed it.
        if c.exp - c.iat > TOKEN_TTL_SECS {
            return Err(jsonwebtoken::errors::ErrorKind::ExpiredSignature.into());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&[7u8; 32])
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let (t, ttl) = k
            .issue(
                Role::TownOfficer,
                Subject {
                    sub: "3".into(),
                    name: "t".into(),
                    town_code: Some("500119100".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(ttl, 3600);
        let c = k.decode(&t).unwrap();
        assert_eq!(c.role, Role::TownOfficer);
        assert_eq!(c.town_code.as_deref(), Some("500119100"));
    }

    #[test]
    fn other_key_is_refused() {
        let (t, _) = keys()
            .issue(
                Role::Observer,
                Subject {
                    sub: "1".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(JwtKeys::new(&[8u8; 32]).decode(&t).is_err());
    }

    #[test]
    fn over_long_lifetime_is_refused() {
        let k = keys();
        let now = Utc::now().timestamp();
        let c = Claims {
            sub: "1".into(),
            name: "x".into(),
            role: Role::DistrictAdmin,
            town_code: None,
            cooperative_id: None,
            bank_code: None,
            counselor_id: None,
            ver: 1,
            sid: None,
            iss: JWT_ISSUER.into(),
            aud: JWT_AUDIENCE.into(),
            iat: now,
            exp: now + 86_400,
        };
        assert!(k.decode(&k.encode_claims(&c).unwrap()).is_err());
    }
}
