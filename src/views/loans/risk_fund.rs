//! The risk-compensation fund: its ledger, contributions and compensations.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::models::loans::FundEntry;
use crate::domain::compensation::voucher_no;
use crate::domain::risk_fund::EntryKind;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "voucher_no": "RF-C-20261127-000001", "kind": "contribution", "amount_fen": 1000000000, "source": "区财政", "loan_id": null, "bank_code": null, "entry_on": "2026-11-27", "actor": "admin", "created_at": "2026-11-27T08:00:00Z"}))]
pub struct FundEntryOut {
    pub id: i64,
    /// The entry's voucher number: `RF-<C|P|R>-<entry date>-<id>` (contribution, payment,
    /// recovery).
    pub voucher_no: String,
    pub kind: EntryKind,
    /// Always positive; `kind` says which way it moves the balance.
    pub amount_fen: i64,
    pub source: Option<String>,
    /// The loan a compensation or a recovery concerns.
    pub loan_id: Option<i64>,
    /// That loan's bank.
    pub bank_code: Option<String>,
    pub entry_on: NaiveDate,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<FundEntry> for FundEntryOut {
    fn from(e: FundEntry) -> Self {
        FundEntryOut {
            id: e.id,
            voucher_no: voucher_no(e.kind, e.entry_on, e.id),
            bank_code: e.bank_code,
            kind: e.kind,
            amount_fen: e.amount_fen,
            source: e.source,
            loan_id: e.related_loan_id.or(e.loan_id),
            entry_on: e.entry_on,
            actor: e.actor_name,
            created_at: e.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RiskFundOut {
    /// Contributions − compensations; never negative.
    pub balance_fen: i64,
    pub contributed_fen: i64,
    pub compensated_fen: i64,
    /// The fund's shares of recoveries, back in.
    pub recovered_fen: i64,
    /// Approved principal not yet repaid on guaranteed loans (approved, disbursed, overdue, defaulted).
    pub exposure_fen: i64,
    pub leverage: i64,
    /// leverage × balance.
    pub lending_cap_fen: i64,
    /// What may still be approved under the guarantee.
    pub headroom_fen: i64,
    /// Share of outstanding principal a compensation pays, in basis points.
    pub compensation_share_bp: i64,
    /// The latest 100 ledger entries, newest first.
    pub entries: Vec<FundEntryOut>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 1000000000, "source": "区财政", "contributed_on": "2026-11-27"}))]
pub struct ContributionCreate {
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// Who paid in (区财政, 市级补助, …).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub source: String,
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub contributed_on: NaiveDate,
}
