//! The fund's controls: per-bank agreements, compensation claims, recoveries, the paged
//! ledger.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::FundEntryOut;
use crate::db::models::loans::{Agreement, Claim, EntryFilter, Recovery};
use crate::domain::compensation::ClaimStatus;
use crate::domain::risk_fund::EntryKind;

/// A bank's terms with the fund.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"leverage": 8, "compensation_share_bp": 7000, "effective_from": "2026-12-01"}))]
pub struct AgreementPut {
    /// The bank may lend under the guarantee at most `leverage ×` the fund's balance (one pool
    /// serves every bank), against its own guaranteed exposure.
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub leverage: i32,
    /// Share of a defaulted loan's outstanding principal the fund pays; also the share of a
    /// recovery that flows back.
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub compensation_share_bp: i32,
    /// From this day the agreement applies (before it, the district defaults).
    #[validate(custom(function = "crate::views::validators::date"))]
    pub effective_from: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"bank_code": "psbc", "leverage": 8, "compensation_share_bp": 7000, "effective_from": "2026-12-01", "version": 1, "updated_at": "2026-12-01T08:00:00Z"}))]
pub struct AgreementOut {
    pub bank_code: String,
    pub leverage: i32,
    pub compensation_share_bp: i32,
    pub effective_from: NaiveDate,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<Agreement> for AgreementOut {
    fn from(a: Agreement) -> Self {
        AgreementOut {
            bank_code: a.bank_code,
            leverage: a.leverage,
            compensation_share_bp: a.compensation_share_bp,
            effective_from: a.effective_from,
            version: a.version,
            updated_at: a.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementList {
    pub items: Vec<AgreementOut>,
}

/// One item of a claim's evidence: a document of the loan's cooperative's archive, by id (an
/// integer, or a string `doc:N`), or free text (a description or reference of a paper
/// document, as clients sent before the archive existed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Evidence {
    /// A document id of the archive.
    Document(i64),
    /// 1–500 characters with something other than spaces.
    Text(String),
}

impl Evidence {
    /// The item as kept: text trimmed, `doc:N` read as the document id N.
    pub fn normalized(&self) -> Evidence {
        match self {
            Evidence::Document(id) => Evidence::Document(*id),
            Evidence::Text(t) => {
                let t = t.trim();
                match t.strip_prefix("doc:").map(|n| n.trim().parse::<i64>()) {
                    Some(Ok(id)) => Evidence::Document(id),
                    _ => Evidence::Text(t.to_string()),
                }
            }
        }
    }

    /// The document id an item cites, if it cites one.
    pub fn document_id(&self) -> Option<i64> {
        match self.normalized() {
            Evidence::Document(id) => Some(id),
            Evidence::Text(_) => None,
        }
    }
}

fn evidence_items(items: &[Evidence]) -> Result<(), ValidationError> {
    let fine = |e: &Evidence| match e.normalized() {
        Evidence::Document(id) => id >= 1,
        Evidence::Text(t) => !t.is_empty() && t.chars().count() <= 500,
    };
    if items.iter().all(fine) {
        Ok(())
    } else {
        Err(ValidationError::new("evidence").with_message(
            "each item is a document id (an integer, or \"doc:N\") or a text of 1–500 characters"
                .into(),
        ))
    }
}

/// The items as kept, in order.
pub fn evidence_kept(items: &[Evidence]) -> Vec<Evidence> {
    items.iter().map(Evidence::normalized).collect()
}

/// A claim on the fund. `evidence` items are document ids of the archive of the loan's
/// cooperative (an integer, or `"doc:N"`; another cooperative's or no such document: 422
/// naming `evidence.<i>`) or free text (a description or reference of a paper document).
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"evidence": [12, "doc:13", "催收记录 2026-06-30"], "note": "逾期 120 天，催收无果"}))]
pub struct ClaimCreate {
    /// 1–20 items, each a document id of the loan's cooperative (integer ≥ 1, or `"doc:N"`)
    /// or 1–500 characters with something other than spaces.
    #[validate(length(min = 1, max = 20), custom(function = "evidence_items"))]
    #[schema(min_items = 1, max_items = 20)]
    pub evidence: Vec<Evidence>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl ClaimCreate {
    pub fn items(&self) -> Vec<Evidence> {
        evidence_kept(&self.evidence)
    }
}

/// The optional body of the `POST /loans/{id}/compensation` shortcut: evidence may be left
/// out (to be added to the claim's file later).
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"evidence": ["借款合同 PSBC-JJ-2026-000123"]}))]
pub struct CompensationShortcut {
    /// 0–20 items, as a claim's: document ids of the loan's cooperative or texts.
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "evidence_items"))]
    #[schema(max_items = 20)]
    pub evidence: Vec<Evidence>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl CompensationShortcut {
    pub fn items(&self) -> Vec<Evidence> {
        evidence_kept(&self.evidence)
    }
}

/// Why a claim is refused.
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "证据不足：缺少催收记录"}))]
pub struct ClaimRejectBody {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "loan_id": 7, "bank_code": "psbc", "status": "paid", "evidence": [12, "借款合同 PSBC-JJ-2026-000123"], "note": null, "reason": null, "amount_fen": 80000, "fund_entry_id": 3, "submitted_by": "cp_3f9a0c2b", "approved_by": "admin", "approved_at": "2026-12-01T08:00:00Z", "paid_by": "treasurer", "paid_at": "2026-12-01T09:00:00Z", "rejected_by": null, "rejected_at": null, "version": 3, "created_at": "2026-12-01T07:00:00Z"}))]
pub struct ClaimOut {
    pub id: i64,
    pub loan_id: i64,
    pub bank_code: String,
    pub status: ClaimStatus,
    /// Document ids (integers) and texts, as filed (`"doc:N"` kept as the id N).
    pub evidence: Vec<Evidence>,
    pub note: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// What the fund paid (once paid).
    pub amount_fen: Option<i64>,
    pub fund_entry_id: Option<i64>,
    pub submitted_by: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<Claim> for ClaimOut {
    fn from(c: Claim) -> Self {
        ClaimOut {
            id: c.id,
            loan_id: c.loan_id,
            bank_code: c.bank_code,
            status: c.status,
            evidence: serde_json::from_str(&c.evidence).unwrap_or_default(),
            note: c.note,
            reason: c.reason,
            amount_fen: c.amount_fen,
            fund_entry_id: c.fund_entry_id,
            submitted_by: c.submitted_by,
            approved_by: c.approved_by,
            approved_at: c.approved_at.map(|t| t.and_utc()),
            paid_by: c.paid_by,
            paid_at: c.paid_at.map(|t| t.and_utc()),
            rejected_by: c.rejected_by,
            rejected_at: c.rejected_at.map(|t| t.and_utc()),
            version: c.version,
            created_at: c.created_at.and_utc(),
        }
    }
}

/// What a bank recovered on a compensated loan.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 30000, "recovered_on": "2026-11-30", "bank_reference": "PSBC-ZS-2026-0042"}))]
pub struct RecoveryCreate {
    #[validate(range(min = 1, max = crate::views::validators::MAX_FEN))]
    #[schema(minimum = 1, maximum = 10_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// Not in the future.
    #[validate(custom(function = "crate::views::validators::not_future"))]
    pub recovered_on: NaiveDate,
    /// The bank's transaction serial, unique per bank (the same again → 409).
    #[validate(custom(function = "crate::views::validators::bank_reference"))]
    #[schema(
        pattern = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        min_length = 1,
        max_length = 64
    )]
    pub bank_reference: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecoveryOut {
    pub id: i64,
    pub loan_id: i64,
    pub bank_code: String,
    pub amount_fen: i64,
    /// The agreement's share, applied to the amount.
    pub share_bp: i32,
    /// What flowed back into the fund: `share_bp` of `amount_fen`, rounded down.
    pub fund_share_fen: i64,
    pub recovered_on: NaiveDate,
    pub bank_reference: String,
    /// The fund's `recovery` entry (none when the share is 0 fen).
    pub fund_entry: Option<FundEntryOut>,
    pub created_at: DateTime<Utc>,
}

impl RecoveryOut {
    pub fn new(r: Recovery, entry: Option<FundEntryOut>) -> Self {
        RecoveryOut {
            id: r.id,
            loan_id: r.loan_id,
            bank_code: r.bank_code,
            amount_fen: r.amount_fen,
            share_bp: r.share_bp,
            fund_share_fen: r.fund_share_fen,
            recovered_on: r.recovered_on,
            bank_reference: r.bank_reference,
            fund_entry: entry,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Filters of the fund's ledger.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryFilterParams {
    pub kind: Option<EntryKind>,
    /// Entries concerning this bank's loans (a bank partner sees only its own and the
    /// contributions).
    #[validate(length(min = 1, max = 20))]
    #[param(max_length = 20, min_length = 1)]
    pub bank_code: Option<String>,
    /// From this entry date (inclusive).
    #[validate(custom(function = "crate::views::validators::date"))]
    pub from: Option<NaiveDate>,
    /// Up to this entry date (inclusive).
    #[validate(custom(function = "crate::views::validators::date"))]
    pub to: Option<NaiveDate>,
}

impl EntryFilterParams {
    pub fn to_filter(&self) -> EntryFilter {
        EntryFilter {
            kind: self.kind,
            bank_code: self.bank_code.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

/// Filters of the claims list.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct ClaimFilterParams {
    /// Only claims in this state (`submitted`: waiting for a first admin; `approved`: waiting
    /// for a second one to pay).
    pub status: Option<crate::domain::compensation::ClaimStatus>,
    /// Only this bank's claims (a bank partner sees only its own anyway).
    #[validate(length(min = 1, max = 20))]
    #[param(max_length = 20, min_length = 1)]
    pub bank_code: Option<String>,
}
