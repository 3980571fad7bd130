//! A loan's repayment ledger; recording a repayment (with `Idempotency-Key`).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::api::support::extract::{ValidJson, ValidQuery};
use crate::api::support::idempotency::{canonical, IdempotencyKey, Keyed, RepaymentIdempotencyKey};
use crate::auth::Caller;
use crate::domain::loan_book::PrepaymentMode;
use crate::error::ApiResult;
use crate::service::loans::repayments;
use crate::state::AppState;
use crate::views::loans::{
    LedgerParams, PayoffOut, PayoffParams, RepaymentCreate, RepaymentOut, RepaymentParams,
    ReverseBody,
};
use crate::views::pagination::ListResponse;

/// A loan's repayments.
#[utoipa::path(
    tag = "loans",
    operation_id = "listRepayments",
    summary = "A loan's repayments",
    description = "The repayment ledger of one loan, oldest first, reversed repayments included (marked with `reversed_at`; they count for nothing). `updated_since` gives only those recorded or reversed after that instant, for incremental sync.",
    params(("id" = i64, Path, description = "Loan id"), LedgerParams),
    responses(
        (status = 200, description = "The ledger", body = ListResponse<RepaymentOut>),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 422, description = "`updated_since` out of range")
    )
)]
#[get("/loans/{id}/repayments")]
pub async fn list_repayments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    params: ValidQuery<LedgerParams>,
) -> ApiResult<HttpResponse> {
    let (id, since) = (path.into_inner(), params.0.updated_since);
    let list = state
        .db(move |conn| repayments::list(conn, &caller, id, since))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Record a repayment.
#[utoipa::path(
    tag = "loans",
    operation_id = "recordRepayment",
    summary = "Record a repayment",
    description = "Records a repayment on a `disbursed` or `overdue` loan and answers its split (`allocated`), applied in this order: penalty interest (罚息, accrued daily on overdue principal at the contract rate × (1 + `penalty_rate_markup_bp`/10000) / 360), overdue interest, overdue principal (oldest instalment first), the interest and principal of the instalment due that day, then a **prepayment**: the interest accrued (actual/360) since the running period began, then principal, after which the schedule is re-derived (`?prepayment=reduce_payment` (default): same number of instalments, smaller; `reduce_term`: same payment, fewer instalments). A payment dated before an instalment's due date pays no instalment: beyond what is overdue it is a prepayment. Only more than the payoff of that day (`GET /loans/{id}/payoff?on=`) is an overpayment (422); a date before the last repayment recorded → 422. Paying everything off → `settled` (emits `loan.settled`); a repayment that leaves nothing due unpaid brings an overdue loan back to `disbursed`. Emits `loan.repayment_recorded`.\n\n`bank_reference` (the bank's transaction serial) is unique per bank: the same serial with the same loan, amount and date answers the first repayment again and changes nothing; with other figures → 409.\n\n`Idempotency-Key` is required for bank partners (400 without): the same key and body answer the first response again (with `Idempotent-Replayed: true`) and change nothing; the same key with another body → 422; while the first is in flight → 409. Keys are kept at least 24 hours.",
    params(
        ("id" = i64, Path, description = "Loan id"),
        RepaymentParams,
        RepaymentIdempotencyKey
    ),
    request_body = RepaymentCreate,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response)", body = RepaymentOut),
        (status = 400, description = "Malformed JSON, an unknown field, or a missing Idempotency-Key"),
        (status = 403, description = "The role may not record repayments"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "The loan takes no repayments in its state, the bank reference was used with other figures, or the key is in flight"),
        (status = 422, description = "Overpayment, a bad date, or the key reused with another body")
    )
)]
#[post("/loans/{id}/repayments")]
pub async fn record_repayment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    params: ValidQuery<RepaymentParams>,
    body: ValidJson<RepaymentCreate>,
) -> ApiResult<HttpResponse> {
    let required = repayments::may_record(&caller)?;
    let (id, b) = (path.into_inner(), body.0);
    // The mode is part of the request a key stands for (left out when not given, so keys
    // stored before it existed still match).
    let target = match params.prepayment {
        Some(m) => format!("{}?prepayment={m}", req.path()),
        None => req.path().to_string(),
    };
    let mode = params.prepayment.unwrap_or(PrepaymentMode::ReducePayment);
    let request = canonical(&target, &b);
    let keyed = Keyed::of(&caller, &req, request, required)?;
    Ok(keyed
        .run(&state, 201, move |conn| {
            repayments::record(conn, &caller, id, b, mode)
        })
        .await?
        .respond(|out| HttpResponse::Created().json(out)))
}

/// The payoff of a loan on a day.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanPayoff",
    summary = "What closes a loan on a day",
    description = "The exact amount that settles the loan on `on` (default today): principal not yet repaid, unpaid interest of instalments due plus interest accrued daily (actual/360) since the running period began, and penalty interest accrued on overdue principal. A repayment of `total_fen` that day settles the loan; one fen more is an overpayment.",
    params(("id" = i64, Path, description = "Loan id"), PayoffParams),
    responses(
        (status = 200, description = "The payoff", body = PayoffOut),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "The loan was never disbursed"),
        (status = 422, description = "`on` out of range, before the disbursement or before the last repayment")
    )
)]
#[get("/loans/{id}/payoff")]
pub async fn payoff(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    params: ValidQuery<PayoffParams>,
) -> ApiResult<HttpResponse> {
    let (id, on) = (path.into_inner(), params.0.on);
    let out = state
        .db(move |conn| repayments::payoff(conn, &caller, id, on))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Reverse a repayment.
#[utoipa::path(
    tag = "loans",
    operation_id = "reverseRepayment",
    summary = "Reverse a repayment",
    description = "The bank reverses a repayment (冲正): it stays in the ledger with `reversed_at` and the reason, counts for nothing, and the loan's book is re-read without it (later repayments re-allocated). A `settled` loan is re-opened: `disbursed`, or `overdue` when an instalment is then past due. Once per repayment (409 after). Emits `loan.repayment_reversed`. `Idempotency-Key` honoured.",
    params(
        ("id" = i64, Path, description = "Loan id"),
        ("repayment_id" = i64, Path, description = "Repayment id"), IdempotencyKey
    ),
    request_body = ReverseBody,
    responses(
        (status = 200, description = "Reversed; the loan as it is after", body = RepaymentOut),
        (status = 403, description = "Only the bank (or the district for a bank without an integration) reverses"),
        (status = 404, description = "No such loan or repayment, or outside your scope"),
        (status = 409, description = "Already reversed, or the loan's state takes no reversal"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/loans/{id}/repayments/{repayment_id}/reverse")]
pub async fn reverse_repayment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: ValidJson<ReverseBody>,
) -> ApiResult<HttpResponse> {
    repayments::may_record(&caller)?;
    let ((id, rid), b) = (path.into_inner(), body.0);
    let request = canonical(req.path(), &b);
    let keyed = Keyed::of(&caller, &req, request, false)?;
    Ok(keyed
        .run(&state, 200, move |conn| {
            repayments::reverse(conn, &caller, id, rid, b)
        })
        .await?
        .respond(|out| HttpResponse::Ok().json(out)))
}
