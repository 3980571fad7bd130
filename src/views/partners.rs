//! Partner banks' machine clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::models::loans::Partner;

/// A bank's code: 1–20 lower-case letters, digits or `_`.
pub fn validate_bank_code(code: &str) -> Result<(), validator::ValidationError> {
    if !code.is_empty()
        && code.len() <= 20
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("format")
            .with_message("1–20 lower-case letters, digits or _".into()))
    }
}

/// A new partner client for a bank.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统"}))]
pub struct PartnerCreate {
    /// The bank's code (`psbc`, `cqrcb`, …): lower-case letters, digits, `_`.
    #[validate(custom(function = "validate_bank_code"))]
    #[schema(pattern = r"^[a-z0-9_]{1,20}$")]
    pub bank_code: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// A partner client. The secret is never shown again after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统", "client_id": "cp_3f9a0c2b7d1e4a56", "disabled": false, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct PartnerOut {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub client_id: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Partner> for PartnerOut {
    fn from(p: Partner) -> Self {
        PartnerOut {
            id: p.id,
            bank_code: p.bank_code,
            name: p.name,
            client_id: p.client_id,
            disabled: p.disabled,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

/// A partner client with its secret, shown exactly once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "邮储银行南川区支行 贷款系统", "client_id": "cp_3f9a0c2b7d1e4a56", "client_secret": "9b1c…", "disabled": false, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct PartnerWithSecret {
    #[serde(flatten)]
    pub partner: PartnerOut,
    /// Keep it safe: only a hash is stored, it cannot be shown again.
    pub client_secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_codes() {
        assert!(validate_bank_code("psbc").is_ok());
        assert!(validate_bank_code("cq_rcb2").is_ok());
        assert!(validate_bank_code("PSBC").is_err());
        assert!(validate_bank_code("").is_err());
        assert!(validate_bank_code(&"a".repeat(21)).is_err());
    }
}
