//! A loan's repayment ledger; recording a repayment (with `Idempotency-Key`).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use crate::api::support::extract::ValidJson;
use crate::api::support::idempotency::{self, canonical, Start};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::service::idempotency::keyed;
use crate::service::loans::repayments;
use crate::state::AppState;
use crate::views::loans::{RepaymentCreate, RepaymentOut};
use crate::views::pagination::ListResponse;

/// A loan's repayments.
#[utoipa::path(
    tag = "loans",
    operation_id = "listRepayments",
    summary = "A loan's repayments",
    description = "The repayment ledger of one loan, oldest first.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The ledger", body = ListResponse<RepaymentOut>),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/repayments")]
pub async fn list_repayments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let list = state
        .db(move |conn| repayments::list(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Record a repayment.
#[utoipa::path(
    tag = "loans",
    operation_id = "recordRepayment",
    summary = "Record a repayment",
    description = "Records a repayment on a `disbursed` or `overdue` loan; it pays each instalment's interest, then its principal, in order. More than what is left → 422; the last fen → `settled` (emits `loan.settled`). A repayment that covers everything due brings an overdue loan back to `disbursed`. Emits `loan.repayment_recorded`.\n\n`Idempotency-Key` is required for bank partners (400 without): the same key and body answer the first response again (with `Idempotent-Replayed: true`) and change nothing; the same key with another body → 422; while the first is in flight → 409. Keys are kept at least 24 hours.",
    params(
        ("id" = i64, Path, description = "Loan id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per repayment (required for bank partners)")
    ),
    request_body = RepaymentCreate,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response)", body = RepaymentOut),
        (status = 400, description = "Malformed JSON, an unknown field, or a missing Idempotency-Key"),
        (status = 403, description = "The role may not record repayments"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "The loan takes no repayments in its state, or the key is in flight"),
        (status = 422, description = "Overpayment, a bad date, or the key reused with another body")
    )
)]
#[post("/loans/{id}/repayments")]
pub async fn record_repayment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<RepaymentCreate>,
) -> ApiResult<HttpResponse> {
    let required = repayments::may_record(&caller)?;
    let (id, b) = (path.into_inner(), body.0);
    let request = canonical(req.path(), &b);
    let key = match idempotency::open(&state, &caller, &req, request, required).await? {
        Start::Replay(r) => return Ok(r),
        Start::Go(key) => key,
    };
    let result = state
        .db_write(keyed(key, 201, move |conn| {
            repayments::record(conn, &caller, id, b)
        }))
        .await;
    let out = result?;
    Ok(HttpResponse::Created().json(out))
}
