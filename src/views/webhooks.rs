//! Webhook subscriptions and their delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::db::models::webhooks::{Delivery, Webhook};
use crate::webhooks::EVENT_TYPES;

fn validate_events(events: &[String]) -> Result<(), ValidationError> {
    match events.iter().find(|e| !EVENT_TYPES.contains(&e.as_str())) {
        Some(e) => Err(ValidationError::new("unknown_event")
            .with_message(format!("{e} is not an event type ({})", EVENT_TYPES.join(", ")).into())),
        None => Ok(()),
    }
}

/// A subscription to loan events of the caller's bank.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://loans.psbc.example/coophub/events", "events": ["loan.submitted", "loan.repayment_recorded"], "secret": "whsec_5f2b9c0e8a7d4316"}))]
pub struct WebhookCreate {
    /// Where events are POSTed (http or https). Every address of the host must be public:
    /// loopback, private, link-local and reserved ranges are refused.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// Event types: `loan.submitted`, `loan.approved`, `loan.rejected`, `loan.disbursed`,
    /// `loan.repayment_recorded`, `loan.settled`, `loan.overdue`, `loan.defaulted`,
    /// `loan.compensated`, `loan.withdrawn`, `loan.repayment_reversed`,
    /// `loan.classification_changed`, `risk_fund.claim_paid`.
    #[validate(length(min = 1, max = 13), custom(function = "validate_events"))]
    #[schema(min_items = 1, max_items = 13)]
    pub events: Vec<String>,
    /// The key deliveries are signed with (HMAC-SHA256); never shown back.
    #[validate(length(min = 16, max = 200))]
    #[schema(min_length = 16, max_length = 200)]
    pub secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "url": "https://loans.psbc.example/coophub/events", "events": ["loan.submitted"], "created_at": "2026-11-27T08:00:00Z"}))]
pub struct WebhookOut {
    pub id: i64,
    pub bank_code: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookOut {
    fn from(w: Webhook) -> Self {
        WebhookOut {
            id: w.id,
            events: w.event_list(),
            bank_code: w.bank_code,
            url: w.url,
            created_at: w.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 7, "event_id": "5d1c7e0a-3f61-4f7e-9d0b-1c2a3b4c5d6e", "event_type": "loan.approved", "status": "delivered", "attempts": 2, "last_status_code": 200, "last_error": null, "next_attempt_at": "2026-11-27T08:00:10Z", "delivered_at": "2026-11-27T08:00:10Z", "created_at": "2026-11-27T08:00:00Z"}))]
pub struct DeliveryOut {
    pub id: i64,
    /// The event's id: the same on every retry.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` (gave up) or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed: `refused` (the address is not public; nothing was sent),
    /// `unreachable`, `timeout` or `non-2xx`; null after a delivery.
    #[schema(pattern = "^(refused|unreachable|timeout|non-2xx)$")]
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryOut {
    fn from(d: Delivery) -> Self {
        DeliveryOut {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at.and_utc(),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
            created_at: d.created_at.and_utc(),
        }
    }
}
