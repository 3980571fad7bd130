//! The fund's controls: per-bank agreements, compensation claims on four eyes, recoveries,
//! the paged ledger.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use crate::api::support::etag::{created, with_etag};
use crate::api::support::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::api::support::idempotency::{canonical, IdempotencyKey, Keyed};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::loans::claims::{self, Defaults};
use crate::state::AppState;
use crate::views::loans::claims::{
    AgreementList, AgreementOut, AgreementPut, ClaimCreate, ClaimFilterParams, ClaimOut,
    ClaimRejectBody, EntryFilterParams, RecoveryCreate, RecoveryOut,
};
use crate::views::loans::{FundEntryOut, NoteBody};
use crate::views::pagination::{ListResponse, PageParams};

/// Set a bank's agreement with the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "putRiskFundAgreement",
    summary = "Set a bank's agreement with the fund",
    description = "The bank's terms: `leverage` (its guaranteed lending may reach `leverage ×` the fund's whole balance: one pool serves every bank, each bank's cap is checked against its own guaranteed exposure, under the fund's lock), `compensation_share_bp` (what share of a defaulted loan's outstanding principal a claim pays, and what share of a recovery flows back), from `effective_from`. Before that day, or without an agreement, the district defaults apply (`COOPHUB_RISK_LEVERAGE` against every bank's exposure, `COOPHUB_RISK_COMPENSATION_SHARE_BP`). District admin only.",
    params(("bank_code" = String, Path, description = "The bank (1–20 lower-case letters, digits, _)", pattern = r"^[a-z0-9_]{1,20}$", max_length = 20)),
    request_body = AgreementPut,
    responses(
        (status = 200, description = "The agreement as set", body = AgreementOut),
        (status = 403, description = "Only the district admin sets agreements"),
        (status = 422, description = "Leverage, share or date out of range, or a malformed bank code")
    )
)]
#[put("/risk-fund/agreements/{bank_code}")]
pub async fn put_agreement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: ValidJson<AgreementPut>,
) -> ApiResult<HttpResponse> {
    let (bank, b) = (path.into_inner(), body.0);
    let out = state
        .db_write(move |conn| claims::put_agreement(conn, &caller, &bank, b))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// The banks' agreements with the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "listRiskFundAgreements",
    summary = "The banks' agreements with the fund",
    description = "Every bank's agreement (a bank partner: its own). District admin, bank partners, observers.",
    responses(
        (status = 200, description = "The agreements", body = AgreementList),
        (status = 403, description = "The role may not see the fund")
    )
)]
#[get("/risk-fund/agreements")]
pub async fn list_agreements(
    state: web::Data<AppState>,
    caller: Caller,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| claims::agreements(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The fund's ledger, paged.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "listRiskFundEntries",
    summary = "The fund's ledger",
    description = "Every entry, oldest first, each with its `voucher_no`: contributions, compensations paid, recoveries. A bank partner sees the entries of its own loans. District admin, bank partners, observers.",
    params(EntryFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<FundEntryOut>),
        (status = 403, description = "The role may not see the fund"),
        (status = 422, description = "A bad limit, date or range")
    )
)]
#[get("/risk-fund/entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    caller: Caller,
    filters: ValidQuery<EntryFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let (f, p) = (filters.0, page.0);
    let out = state
        .db(move |conn| claims::entries(conn, &caller, &f, &p))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// File a compensation claim.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "fileCompensationClaim",
    summary = "File a compensation claim",
    description = "The bank (its own loan) or the district files a claim on the fund for a `defaulted` loan of a guaranteed product → `submitted`. `evidence`: 1–20 items, each a **document id** of the archive of the loan's cooperative (`POST /cooperatives/{id}/documents`; an integer, or the string `\"doc:N\"`, answered back as the integer N) or a **free text** of 1–500 characters (a description or reference of a paper document, as before the archive). A cited id that is not a document of the loan's cooperative (another cooperative's, or none) is a 422 naming `evidence.<i>` (code `unknown_document`), the item's place from 0. At most one claim per loan that is not rejected (409). `Idempotency-Key` honoured.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body = ClaimCreate,
    responses(
        (status = 201, description = "Filed", body = ClaimOut),
        (status = 403, description = "Only the bank or the district files claims"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not defaulted, not guaranteed, or already claimed"),
        (status = 422, description = "Evidence missing or too long")
    )
)]
#[post("/loans/{id}/compensation-claims")]
pub async fn file_claim(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<ClaimCreate>,
) -> ApiResult<HttpResponse> {
    claims::may_file(&caller)?;
    let (id, b) = (path.into_inner(), body.0);
    let request = canonical(req.path(), &b);
    let keyed = Keyed::of(&caller, &req, request, false)?;
    Ok(keyed
        .run(&state, 201, move |conn| {
            claims::file_claim(conn, &caller, id, b)
        })
        .await?
        .respond(|out| {
            created(
                format!("/api/v1/compensation-claims/{}", out.id),
                out.version,
                &out,
            )
        }))
}

/// List compensation claims.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "listCompensationClaims",
    summary = "List compensation claims (the four-eyes worklist)",
    description = "Claims by id, filtered by `status` and `bank_code`: `status=submitted` is the first district admin's worklist, `status=approved` the second's (who pays; the approver may not). District admin and observers: every bank's; a bank partner: its own.",
    params(ClaimFilterParams, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<ClaimOut>),
        (status = 403, description = "The role may not see the fund"),
        (status = 422, description = "A bad filter, limit or cursor")
    )
)]
#[get("/compensation-claims")]
pub async fn list_claims(
    state: web::Data<AppState>,
    caller: Caller,
    filter: ValidQuery<ClaimFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db(move |conn| claims::list(conn, &caller, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// A compensation claim.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "getCompensationClaim",
    summary = "A compensation claim",
    description = "District admin and observers: any; a bank partner: its own.",
    params(("id" = i64, Path, description = "Claim id")),
    responses(
        (status = 200, description = "The claim", body = ClaimOut),
        (status = 403, description = "The role may not see the fund"),
        (status = 404, description = "No such claim, or another bank's")
    )
)]
#[get("/compensation-claims/{id}")]
pub async fn get_claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state.db(move |conn| claims::get(conn, &caller, id)).await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Approve a compensation claim.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "approveCompensationClaim",
    summary = "Approve a compensation claim",
    description = "`submitted → approved`, by a district admin. Another district admin pays it.",
    params(("id" = i64, Path, description = "Claim id")),
    request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Approved", body = ClaimOut),
        (status = 403, description = "Only a district admin approves"),
        (status = 404, description = "No such claim"),
        (status = 409, description = "Not submitted")
    )
)]
#[post("/compensation-claims/{id}/approve")]
pub async fn approve_claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    _body: OptionalJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let out = state
        .db_write(move |conn| claims::approve(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Pay an approved compensation claim.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "payCompensationClaim",
    summary = "Pay an approved compensation claim",
    description = "`approved → paid` by a district admin **other than the one who approved it** (the same → 403). Under the fund's lock: pays the agreement's share (or `COOPHUB_RISK_COMPENSATION_SHARE_BP`) of the outstanding principal, rounded down, as a `compensation` entry; never below a zero balance (409), also under concurrent payments; the loan → `compensated`. Emits `loan.compensated` and `risk_fund.claim_paid`.",
    params(("id" = i64, Path, description = "Claim id")),
    responses(
        (status = 200, description = "Paid", body = ClaimOut),
        (status = 403, description = "Not a district admin, or the admin who approved it"),
        (status = 404, description = "No such claim"),
        (status = 409, description = "Not approved, the loan no longer defaulted, or the fund would go negative")
    )
)]
#[post("/compensation-claims/{id}/pay")]
pub async fn pay_claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let fund = Defaults::of(&state.settings);
    let out = state
        .db_write(move |conn| claims::pay(conn, &caller, id, fund))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Reject a compensation claim.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "rejectCompensationClaim",
    summary = "Reject a compensation claim",
    description = "`submitted|approved → rejected` with a reason, by a district admin. The bank may then file a new claim.",
    params(("id" = i64, Path, description = "Claim id")),
    request_body = ClaimRejectBody,
    responses(
        (status = 200, description = "Rejected", body = ClaimOut),
        (status = 403, description = "Only a district admin rejects"),
        (status = 404, description = "No such claim"),
        (status = 409, description = "Already paid or rejected"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/compensation-claims/{id}/reject")]
pub async fn reject_claim(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: ValidJson<ClaimRejectBody>,
) -> ApiResult<HttpResponse> {
    let (id, b) = (path.into_inner(), body.0);
    let out = state
        .db_write(move |conn| claims::reject(conn, &caller, id, b))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Record a recovery on a compensated loan.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "recordRecovery",
    summary = "Record a recovery on a compensated loan",
    description = "What the bank recovered after compensation; the agreement's `compensation_share_bp` of it (rounded down) flows back into the fund as a `recovery` entry. The bank (or the district for a bank without an integration); `bank_reference` unique per bank (409). `Idempotency-Key` honoured.",
    params(("id" = i64, Path, description = "Loan id"), IdempotencyKey),
    request_body = RecoveryCreate,
    responses(
        (status = 201, description = "Recorded", body = RecoveryOut),
        (status = 403, description = "Only the bank records recoveries"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "The loan is not compensated, or the reference was used"),
        (status = 422, description = "Amount, date or reference out of range")
    )
)]
#[post("/loans/{id}/recoveries")]
pub async fn record_recovery(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<RecoveryCreate>,
) -> ApiResult<HttpResponse> {
    crate::service::loans::actions::may_act(&caller)?;
    let (id, b) = (path.into_inner(), body.0);
    let request = canonical(req.path(), &b);
    let keyed = Keyed::of(&caller, &req, request, false)?;
    let fund = Defaults::of(&state.settings);
    Ok(keyed
        .run(&state, 201, move |conn| {
            claims::recover(conn, &caller, id, b, fund)
        })
        .await?
        .respond(|out| HttpResponse::Created().json(out)))
}
