//! The fund's controls (API.md "Risk-compensation fund controls"): per-bank agreements,
//! compensation as a claim paid on four eyes, recoveries flowing back, the paged ledger.
//!
//! One pool serves every bank: a bank with an agreement in effect may lend under the guarantee
//! at most `leverage × the fund's whole balance` against **its own** guaranteed exposure; a
//! bank without one falls under the district defaults (`COOPHUB_RISK_LEVERAGE` × the balance
//! against the exposure of every bank, `COOPHUB_RISK_COMPENSATION_SHARE_BP`).
//! Every check of the balance runs under the fund's lock (`lock_fund`).

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::loans::{
    self as m, Claim, ClaimChanges, LoanChanges, LoanScope, NewClaim, NewFundEntry, NewRecovery,
};
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::compensation::{self as comp, ClaimAction, ClaimStatus};
use crate::domain::loan_state::{self, LoanAction, LoanStatus};
use crate::domain::risk_fund::{self, EntryKind};
use crate::error::{ApiError, ApiResult};
use crate::views::loans::claims::{
    AgreementList, AgreementOut, AgreementPut, ClaimCreate, ClaimFilterParams, ClaimOut,
    ClaimRejectBody, EntryFilterParams, Evidence, RecoveryCreate, RecoveryOut,
};
use crate::views::loans::FundEntryOut;
use crate::views::pagination::{ListResponse, PageParams};
use crate::webhooks::emit;

use super::{act_as_bank, illegal, transit, view};

/// The district's defaults, for banks without an agreement in effect.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    pub leverage: i64,
    pub share_bp: i64,
}

impl Defaults {
    pub fn of(s: &crate::config::Settings) -> Self {
        Defaults {
            leverage: s.risk_leverage,
            share_bp: s.risk_compensation_share_bp,
        }
    }
}

/// 403 unless the caller may file a claim (before an `Idempotency-Key` is looked at).
pub fn may_file(caller: &Caller) -> ApiResult<()> {
    caller.loan_scope()?;
    if matches!(caller.role(), Role::BankPartner | Role::DistrictAdmin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the bank or the district files a compensation claim".into(),
        ))
    }
}

/// The terms that apply to `bank` today: (leverage, compensation share, per-bank exposure).
pub fn terms_for(conn: &mut DbConn, bank: &str, d: Defaults) -> ApiResult<(i64, i64, bool)> {
    Ok(match m::agreement(conn, bank)? {
        Some(a) if a.effective_from <= today() => (
            i64::from(a.leverage),
            i64::from(a.compensation_share_bp),
            true,
        ),
        _ => (d.leverage, d.share_bp, false),
    })
}

/// The lending-cap check of an approval of `amount_fen` for `bank`, under the fund's lock.
pub fn check_cap(conn: &mut DbConn, bank: &str, amount_fen: i64, d: Defaults) -> ApiResult<()> {
    m::lock_fund(conn)?;
    let (leverage, _, per_bank) = terms_for(conn, bank, d)?;
    let balance = m::fund_balance(conn)?.balance_fen();
    let exposure = m::exposure_of(conn, per_bank.then_some(bank))?;
    risk_fund::check_cap(balance, leverage, exposure, amount_fen)
        .map_err(|e| ApiError::Conflict(e.to_string()))
}

fn conflict(e: impl std::fmt::Display) -> ApiError {
    ApiError::Conflict(e.to_string())
}

fn district_only(caller: &Caller) -> ApiResult<()> {
    caller.require(Resource::RiskFund, Access::Write)
}

/// Sets a bank's agreement (the district admin only).
pub fn put_agreement(
    conn: &mut DbConn,
    caller: &Caller,
    bank: &str,
    b: AgreementPut,
) -> ApiResult<AgreementOut> {
    district_only(caller)?;
    crate::views::partners::validate_bank_code(bank).map_err(|_| {
        ApiError::field(
            "bank_code",
            "format",
            "1–20 lower-case letters, digits or _",
        )
    })?;
    m::lock_fund(conn)?;
    let before = m::agreement(conn, bank)?.map(AgreementOut::from);
    let a: AgreementOut = m::put_agreement(
        conn,
        bank,
        b.leverage,
        b.compensation_share_bp,
        b.effective_from,
        now(),
    )?
    .into();
    let actor = caller.actor();
    audit::record(
        conn,
        &actor,
        "put_agreement",
        "risk_fund_agreement",
        bank,
        before.as_ref(),
        Some(&a),
    )?;
    Ok(a)
}

/// The agreements (a bank partner: its own).
pub fn agreements(conn: &mut DbConn, caller: &Caller) -> ApiResult<AgreementList> {
    caller.require(Resource::RiskFund, Access::Read)?;
    let own = own_bank(caller);
    Ok(AgreementList {
        items: m::agreements(conn, own.as_deref())?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}

fn own_bank(caller: &Caller) -> Option<String> {
    (caller.role() == Role::BankPartner)
        .then(|| caller.claims.bank_code.clone().unwrap_or_default())
}

/// Files a claim on a `defaulted` loan of a guaranteed product (the bank, or the district),
/// at most one claim per loan that is not rejected (409).
pub fn file(
    conn: &mut DbConn,
    caller: &Caller,
    loan_id: i64,
    evidence: Vec<Evidence>,
    note: Option<String>,
) -> ApiResult<ClaimOut> {
    may_file(caller)?;
    let scope = caller.loan_scope()?;
    let loan = m::find_loan(conn, &scope, loan_id)?;
    // Cited documents are the loan's cooperative's own (its archive, not another's).
    let cited: Vec<(String, i64)> = evidence
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.document_id().map(|id| (format!("evidence.{i}"), id)))
        .collect();
    let unknown = crate::service::books::documents::check_cited(conn, loan.cooperative_id, &cited)?;
    if !unknown.is_empty() {
        return Err(ApiError::Validation(unknown));
    }
    if loan.status != LoanStatus::Defaulted {
        return Err(ApiError::Conflict(format!(
            "the loan is {}; only a defaulted loan is compensated",
            loan.status
        )));
    }
    if !loan.risk_compensation_eligible {
        return Err(ApiError::Conflict(
            "the loan's product is not guaranteed by the risk-compensation fund".into(),
        ));
    }
    if let Some(c) = m::live_claim(conn, loan_id)? {
        return Err(ApiError::Conflict(format!(
            "the loan already has claim {} ({})",
            c.id, c.status
        )));
    }
    let actor = caller.actor();
    let at = now();
    let c: ClaimOut = m::insert_claim(
        conn,
        &NewClaim {
            loan_id,
            bank_code: loan.bank_code.clone(),
            status: ClaimStatus::Submitted,
            evidence: serde_json::to_string(&evidence).unwrap_or_else(|_| "[]".into()),
            note: note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
            submitted_sub: caller.claims.sub.clone(),
            submitted_by: actor.name.clone(),
            version: 1,
            created_at: at,
            updated_at: at,
        },
    )?
    .into();
    audit::record(
        conn,
        &actor,
        "file_claim",
        "compensation_claim",
        &c.id.to_string(),
        None::<&()>,
        Some(&c),
    )?;
    Ok(c)
}

/// `POST /loans/{id}/compensation-claims`.
pub fn file_claim(
    conn: &mut DbConn,
    caller: &Caller,
    loan_id: i64,
    b: ClaimCreate,
) -> ApiResult<ClaimOut> {
    let items = b.items();
    file(conn, caller, loan_id, items, b.note)
}

/// One claim (district admin and observer: any; a bank: its own; 404 outside).
pub fn get(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ClaimOut> {
    caller.require(Resource::RiskFund, Access::Read)?;
    Ok(m::claim(conn, id, own_bank(caller).as_deref())?.into())
}

/// A page of claims (district admin and observer: all; a bank: its own), by id; the
/// second admin's worklist is `status=approved`.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    f: &ClaimFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<ClaimOut>> {
    caller.require(Resource::RiskFund, Access::Read)?;
    let page = page.page()?;
    let own = own_bank(caller);
    let bank = f.bank_code.as_deref();
    let own = own.as_deref();
    let list = page.load(
        conn,
        |conn, after, n| m::claims(conn, own, f.status, bank, after, n),
        |conn| m::count_claims(conn, own, f.status, bank),
        |c| c.id,
    )?;
    Ok(list.map(ClaimOut::from))
}

/// Moves a claim (district admin), version-guarded, audited.
fn move_claim(
    conn: &mut DbConn,
    actor: &Actor,
    c: &Claim,
    action: ClaimAction,
    mut changes: ClaimChanges,
) -> ApiResult<Claim> {
    let to = comp::next(c.status, action).map_err(conflict)?;
    changes.status = Some(to);
    let before = ClaimOut::from(c.clone());
    let updated = m::update_claim(conn, c.id, c.version, changes, now())?
        .ok_or_else(|| conflict("the claim changed at the same time; read it again"))?;
    audit::record(
        conn,
        actor,
        action.as_str(),
        "compensation_claim",
        &c.id.to_string(),
        Some(&before),
        Some(&ClaimOut::from(updated.clone())),
    )?;
    Ok(updated)
}

/// `submitted → approved`, by a district admin.
pub fn approve(conn: &mut DbConn, caller: &Caller, id: i64) -> ApiResult<ClaimOut> {
    district_only(caller)?;
    let c = m::claim(conn, id, None)?;
    let actor = caller.actor();
    let changes = ClaimChanges {
        approved_sub: Some(caller.claims.sub.clone()),
        approved_by: Some(actor.name.clone()),
        approved_at: Some(now()),
        ..Default::default()
    };
    Ok(move_claim(conn, &actor, &c, ClaimAction::Approve, changes)?.into())
}

/// `submitted|approved → rejected` with a reason, by a district admin.
pub fn reject(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    b: ClaimRejectBody,
) -> ApiResult<ClaimOut> {
    district_only(caller)?;
    let c = m::claim(conn, id, None)?;
    let actor = caller.actor();
    let changes = ClaimChanges {
        reason: Some(b.reason.trim().to_string()),
        rejected_by: Some(actor.name.clone()),
        rejected_at: Some(now()),
        ..Default::default()
    };
    Ok(move_claim(conn, &actor, &c, ClaimAction::Reject, changes)?.into())
}

/// `approved → paid` by a district admin other than the approver (403): under the fund's
/// lock, the agreement's share of the outstanding principal, never more than the balance
/// (409); a `compensation` entry, the loan `compensated`; emits `loan.compensated` and
/// `risk_fund.claim_paid`.
pub fn pay(conn: &mut DbConn, caller: &Caller, id: i64, d: Defaults) -> ApiResult<ClaimOut> {
    district_only(caller)?;
    // Before anything is read: a concurrent payment waits and then sees this one.
    m::lock_fund(conn)?;
    let c = m::claim(conn, id, None)?;
    comp::next(c.status, ClaimAction::Pay).map_err(conflict)?;
    comp::four_eyes(
        c.approved_sub.as_deref().unwrap_or_default(),
        &caller.claims.sub,
    )
    .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let loan = m::find_loan(conn, &LoanScope::All, c.loan_id)?;
    loan_state::next(loan.status, LoanAction::Compensate).map_err(illegal)?;
    let (_, share_bp, _) = terms_for(conn, &loan.bank_code, d)?;
    let before = view(conn, loan.clone())?;
    let balance = m::fund_balance(conn)?.balance_fen();
    let payout =
        risk_fund::payout(before.outstanding_principal_fen, share_bp, balance).map_err(conflict)?;
    let amount = payout.amount_fen;
    let actor = caller.actor();
    let entry: FundEntryOut = m::insert_fund_entry(
        conn,
        &NewFundEntry {
            kind: EntryKind::Compensation,
            amount_fen: amount,
            source: Some(format!(
                "claim {id}: loan {} at {}",
                loan.id, loan.bank_code
            )),
            loan_id: Some(loan.id),
            entry_on: today(),
            actor_name: actor.name.clone(),
            created_at: now(),
            bank_code: Some(loan.bank_code.clone()),
            related_loan_id: Some(loan.id),
        },
    )?
    .into();
    let changes = ClaimChanges {
        amount_fen: Some(amount),
        fund_entry_id: Some(entry.id),
        paid_by: Some(actor.name.clone()),
        paid_at: Some(now()),
        ..Default::default()
    };
    let paid: ClaimOut = move_claim(conn, &actor, &c, ClaimAction::Pay, changes)?.into();
    let updated = transit(
        conn,
        &actor,
        &loan,
        LoanAction::Compensate,
        LoanChanges::default(),
        Some(&format!("{amount} fen from the fund (claim {id})")),
        None,
    )?;
    let loan_out = view(conn, updated)?;
    emit(
        conn,
        &loan_out.bank_code,
        "loan.compensated",
        &serde_json::json!({"loan": loan_out, "compensation_fen": amount}),
    )?;
    emit(
        conn,
        &loan_out.bank_code,
        "risk_fund.claim_paid",
        &serde_json::json!({"claim": paid, "entry": entry}),
    )?;
    Ok(paid)
}

/// A recovery on a `compensated` loan, by the bank (or the district for a bank without an
/// integration): the agreement's share flows back as a `recovery` entry. The bank's
/// reference is unique per bank (409).
pub fn recover(
    conn: &mut DbConn,
    caller: &Caller,
    loan_id: i64,
    b: RecoveryCreate,
    d: Defaults,
) -> ApiResult<RecoveryOut> {
    let scope = caller.loan_scope()?;
    caller.require(Resource::Loans, Access::Write)?;
    let loan = m::find_loan(conn, &scope, loan_id)?;
    act_as_bank(caller, conn, &loan)?;
    if loan.status != LoanStatus::Compensated {
        return Err(ApiError::Conflict(format!(
            "the loan is {}; recoveries are recorded on compensated loans",
            loan.status
        )));
    }
    if loan.disbursed_on.is_some_and(|on| b.recovered_on < on) {
        return Err(ApiError::field(
            "recovered_on",
            "before_disbursement",
            "the loan was disbursed later",
        ));
    }
    m::lock_fund(conn)?;
    let reference = b.bank_reference.trim().to_string();
    if let Some(r) = m::recovery_by_reference(conn, &loan.bank_code, &reference)? {
        return Err(ApiError::Conflict(format!(
            "bank {} already recorded the recovery {reference} (loan {})",
            loan.bank_code, r.loan_id
        )));
    }
    let (_, share_bp, _) = terms_for(conn, &loan.bank_code, d)?;
    let share_bp = share_bp as i32;
    let fund_share = comp::recovery_share(b.amount_fen, share_bp);
    let actor = caller.actor();
    let entry: Option<FundEntryOut> = if fund_share > 0 {
        Some(
            m::insert_fund_entry(
                conn,
                &NewFundEntry {
                    kind: EntryKind::Recovery,
                    amount_fen: fund_share,
                    source: Some(format!("recovery {reference} on loan {loan_id}")),
                    loan_id: None,
                    entry_on: b.recovered_on,
                    actor_name: actor.name.clone(),
                    created_at: now(),
                    bank_code: Some(loan.bank_code.clone()),
                    related_loan_id: Some(loan_id),
                },
            )?
            .into(),
        )
    } else {
        None
    };
    let r = m::insert_recovery(
        conn,
        &NewRecovery {
            loan_id,
            bank_code: loan.bank_code.clone(),
            amount_fen: b.amount_fen,
            share_bp,
            fund_share_fen: fund_share,
            recovered_on: b.recovered_on,
            bank_reference: reference,
            fund_entry_id: entry.as_ref().map(|e| e.id),
            actor_name: actor.name.clone(),
            created_at: now(),
        },
    )?;
    let out = RecoveryOut::new(r, entry);
    audit::record(
        conn,
        &actor,
        "recovery",
        "loan",
        &loan_id.to_string(),
        None::<&()>,
        Some(&out),
    )?;
    Ok(out)
}

/// One page of the fund's ledger, oldest first (a bank partner: the entries of its own
/// loans).
pub fn entries(
    conn: &mut DbConn,
    caller: &Caller,
    f: &EntryFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<FundEntryOut>> {
    caller.require(Resource::RiskFund, Access::Read)?;
    let page = page.page()?;
    let mut filter = f.to_filter();
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(ApiError::field(
                "to",
                "before_from",
                "must not be before `from`",
            ));
        }
    }
    if let Some(own) = own_bank(caller) {
        filter.bank_code = Some(own);
    }
    let rows = m::fund_entry_page(conn, &filter, page.after, page.limit + 1)?;
    let list = ListResponse::from_rows(rows, page, None, |e| e.id);
    Ok(ListResponse {
        items: list.items.into_iter().map(Into::into).collect(),
        next_cursor: list.next_cursor,
        total: None,
    })
}
