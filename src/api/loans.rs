//! Agricultural loans with partner banks (惠农贷): products, applications, the state machine,
//! schedules, repayments (with `Idempotency-Key`), the risk-compensation fund.

use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use crate::api::support::etag::{if_match, with_etag};
use crate::api::support::extract::{is_json_content_type, parse_json, ValidJson, ValidQuery};
use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::audit::{self, Actor};
use crate::db::models::loans::{
    self as m, FundEntry, Loan, LoanChanges, LoanEvent, LoanFilter, LoanProduct,
    LoanProductChanges, LoanScope, NewFundEntry, NewLoan, NewLoanEvent, NewLoanProduct,
    NewRepayment, Repayment,
};
use crate::db::models::now;
use crate::db::DbConn;
use crate::domain::loan_schedule::{self as sched, Instalment, RepaymentMethod};
use crate::domain::loan_state::{self, LoanAction, LoanStatus};
use crate::domain::risk_fund::{self, EntryKind};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::check_version;
use crate::state::AppState;
use crate::views::pagination::{ListResponse, PageParams};
use crate::webhooks::emit;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_product)
        .service(list_products)
        .service(get_product)
        .service(patch_product)
        .service(retire_product)
        .service(apply)
        .service(list_loans)
        .service(get_loan)
        .service(loan_history)
        .service(loan_schedule)
        .service(list_repayments)
        .service(record_repayment)
        .service(compensate)
        .service(review)
        .service(approve)
        .service(reject)
        .service(disburse)
        .service(withdraw)
        .service(mark_overdue)
        .service(default_loan)
        .service(get_risk_fund)
        .service(contribute);
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn not_future(d: &NaiveDate) -> Result<(), ValidationError> {
    if *d > today() {
        Err(ValidationError::new("future").with_message("must not be in the future".into()))
    } else {
        Ok(())
    }
}

fn validate_bank(code: &str) -> Result<(), ValidationError> {
    super::partners::validate_bank(code)
}

// =============================================================== products

/// A loan product of a partner bank.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bank_code": "psbc", "name": "惠农e贷·合作社", "annual_rate_bp": 435, "max_amount_fen": 300000000, "max_term_months": 36, "repayment_method": "equal_installment", "risk_compensation_eligible": true}))]
pub struct ProductCreate {
    #[validate(custom(function = "validate_bank"))]
    pub bank_code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Annual rate in basis points (435 = 4.35 %).
    #[validate(range(min = 0, max = 10000))]
    pub annual_rate_bp: i32,
    #[validate(range(min = 1))]
    pub max_amount_fen: i64,
    #[validate(range(min = 1, max = 360))]
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    /// Whether loans of this product are guaranteed by the risk-compensation fund.
    pub risk_compensation_eligible: bool,
}

/// Changes to a product; loans already applied for keep their terms.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"annual_rate_bp": 400}))]
pub struct ProductPatch {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    #[validate(range(min = 0, max = 10000))]
    pub annual_rate_bp: Option<i32>,
    #[validate(range(min = 1))]
    pub max_amount_fen: Option<i64>,
    #[validate(range(min = 1, max = 360))]
    pub max_term_months: Option<i32>,
    pub repayment_method: Option<RepaymentMethod>,
    pub risk_compensation_eligible: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "bank_code": "psbc", "name": "惠农e贷·合作社", "annual_rate_bp": 435, "max_amount_fen": 300000000, "max_term_months": 36, "repayment_method": "equal_installment", "risk_compensation_eligible": true, "retired": false, "version": 1, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct ProductOut {
    pub id: i64,
    pub bank_code: String,
    pub name: String,
    pub annual_rate_bp: i32,
    pub max_amount_fen: i64,
    pub max_term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    /// A retired product takes no new applications.
    pub retired: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LoanProduct> for ProductOut {
    fn from(p: LoanProduct) -> Self {
        ProductOut {
            id: p.id,
            bank_code: p.bank_code,
            name: p.name,
            annual_rate_bp: p.annual_rate_bp,
            max_amount_fen: p.max_amount_fen,
            max_term_months: p.max_term_months,
            repayment_method: RepaymentMethod::parse(&p.repayment_method)
                .unwrap_or(RepaymentMethod::EqualInstallment),
            risk_compensation_eligible: p.risk_compensation_eligible,
            retired: p.retired,
            version: p.version,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        }
    }
}

/// A bank partner sees its own bank's products only.
fn product_bank_scope(user: &Caller) -> Option<String> {
    match user.role() {
        Role::BankPartner => Some(user.claims.bank_code.clone().unwrap_or_default()),
        _ => None,
    }
}

/// Create a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "createLoanProduct",
    summary = "Create a loan product",
    description = "A partner bank's loan product: rate, limits, repayment method and whether the risk-compensation fund guarantees it. District admin only.",
    request_body = ProductCreate,
    responses(
        (status = 201, description = "Created", body = ProductOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages products"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[post("/loan-products")]
pub async fn create_product(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<ProductCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Write)?;
    let b = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let at = now();
            let p = m::insert_product(
                conn,
                &NewLoanProduct {
                    bank_code: b.bank_code,
                    name: b.name.trim().to_string(),
                    annual_rate_bp: b.annual_rate_bp,
                    max_amount_fen: b.max_amount_fen,
                    max_term_months: b.max_term_months,
                    repayment_method: b.repayment_method.as_str().into(),
                    risk_compensation_eligible: b.risk_compensation_eligible,
                    retired: false,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            let out = ProductOut::from(p);
            audit::record(
                conn,
                &actor,
                "create",
                "loan_product",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            Ok(out)
        })
        .await?;
    let loc = format!("/api/v1/loan-products/{}", out.id);
    Ok(with_etag(
        HttpResponse::Created()
            .insert_header((header::LOCATION, loc))
            .take(),
        out.version,
        &out,
    ))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only this bank's products (a bank partner always sees only its own).
    pub bank_code: Option<String>,
    /// Include retired products.
    pub include_retired: Option<bool>,
}

/// List loan products.
#[utoipa::path(
    tag = "loans",
    operation_id = "listLoanProducts",
    summary = "List loan products",
    description = "Products open for applications (with `include_retired=true`, all). A bank partner sees its own bank's products only.",
    params(ProductFilter, PageParams),
    responses(
        (status = 200, description = "One page", body = ListResponse<ProductOut>),
        (status = 400, description = "A query parameter has the wrong type"),
        (status = 401, description = "Missing or invalid token"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/loan-products")]
pub async fn list_products(
    state: web::Data<AppState>,
    user: Caller,
    filter: ValidQuery<ProductFilter>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Read)?;
    let page = page.page()?;
    let own = product_bank_scope(&user);
    let filter = filter.0;
    let list = state
        .db(move |conn| {
            let bank = match (&own, &filter.bank_code) {
                (Some(o), Some(f)) if o != f => {
                    return Ok(ListResponse::from_rows(
                        vec![],
                        page,
                        None,
                        |p: &LoanProduct| p.id,
                    ))
                }
                (Some(o), _) => Some(o.clone()),
                (None, f) => f.clone(),
            };
            let rows = m::list_products(
                conn,
                bank.as_deref(),
                filter.include_retired.unwrap_or(false),
                page.after,
                page.limit + 1,
            )?;
            Ok(ListResponse::from_rows(rows, page, None, |p| p.id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(list.map(ProductOut::from)))
}

/// Get a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanProduct",
    summary = "Get a loan product",
    description = "One product with its `ETag`. Another bank's product is 404 for a bank partner.",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "The product", body = ProductOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 404, description = "No such product, or another bank's")
    )
)]
#[get("/loan-products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Read)?;
    let id = path.into_inner();
    let own = product_bank_scope(&user);
    let p = state
        .db(move |conn| Ok(m::product(conn, id, own.as_deref())?))
        .await?;
    let out = ProductOut::from(p);
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

async fn change_product(
    state: web::Data<AppState>,
    user: Caller,
    id: i64,
    demanded: Option<i32>,
    changes: LoanProductChanges,
    action: &'static str,
) -> ApiResult<HttpResponse> {
    user.require(Resource::ReferenceData, Access::Write)?;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let current = m::product(conn, id, None)?;
            check_version(demanded, current.version)?;
            let before = ProductOut::from(current.clone());
            let after: ProductOut = m::update_product(conn, id, current.version, changes, now())?
                .ok_or(ApiError::PreconditionFailed)?
                .into();
            audit::record(
                conn,
                &actor,
                action,
                "loan_product",
                &id.to_string(),
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

/// Change a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "updateLoanProduct",
    summary = "Change a loan product",
    description = "Send only the fields to change; honours `If-Match`. Loans already applied for keep the rate, method and eligibility they were made with. District admin only.",
    params(
        ("id" = i64, Path, description = "Product id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read")
    ),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "Changed", body = ProductOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages products"),
        (status = 404, description = "No such product"),
        (status = 412, description = "If-Match does not match"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[patch("/loan-products/{id}")]
pub async fn patch_product(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<ProductPatch>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let changes = LoanProductChanges {
        name: b.name.map(|s| s.trim().to_string()),
        annual_rate_bp: b.annual_rate_bp,
        max_amount_fen: b.max_amount_fen,
        max_term_months: b.max_term_months,
        repayment_method: b.repayment_method.map(|r| r.as_str().to_string()),
        risk_compensation_eligible: b.risk_compensation_eligible,
        ..Default::default()
    };
    change_product(
        state,
        user,
        path.into_inner(),
        if_match(&req)?,
        changes,
        "update",
    )
    .await
}

/// Retire a loan product.
#[utoipa::path(
    tag = "loans",
    operation_id = "retireLoanProduct",
    summary = "Retire a loan product",
    description = "The product takes no new applications; its loans go on. District admin only.",
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "Retired", body = ProductOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages products"),
        (status = 404, description = "No such product")
    )
)]
#[post("/loan-products/{id}/retire")]
pub async fn retire_product(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let changes = LoanProductChanges {
        retired: Some(true),
        ..Default::default()
    };
    change_product(state, user, path.into_inner(), None, changes, "retire").await
}

// =============================================================== loans

/// A loan application.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cooperative_id": 1, "product_id": 1, "amount_fen": 50000000, "term_months": 12, "purpose": "购置茶叶加工设备"}))]
pub struct LoanCreate {
    /// The applying cooperative (a cooperative's account: itself).
    pub cooperative_id: i64,
    pub product_id: i64,
    /// At most the product's `max_amount_fen`.
    #[validate(range(min = 1))]
    pub amount_fen: i64,
    /// At most the product's `max_term_months`.
    #[validate(range(min = 1, max = 360))]
    pub term_months: i32,
    #[validate(length(min = 1, max = 500))]
    pub purpose: String,
}

/// A loan with amounts derived from its repayment ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "cooperative_id": 1, "product_id": 1, "bank_code": "psbc", "status": "disbursed", "amount_fen": 50000000, "approved_amount_fen": 45000000, "annual_rate_bp": 435, "term_months": 12, "repayment_method": "equal_installment", "risk_compensation_eligible": true, "purpose": "购置茶叶加工设备", "disbursed_on": "2026-11-27", "outstanding_principal_fen": 45000000, "outstanding_interest_fen": 1068170, "paid_principal_fen": 0, "paid_interest_fen": 0, "version": 4, "created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T08:00:00Z"}))]
pub struct LoanOut {
    pub id: i64,
    pub cooperative_id: i64,
    pub product_id: i64,
    pub bank_code: String,
    pub status: LoanStatus,
    /// What was asked for.
    pub amount_fen: i64,
    /// What the bank approved (never more than asked).
    pub approved_amount_fen: Option<i64>,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    pub repayment_method: RepaymentMethod,
    pub risk_compensation_eligible: bool,
    pub purpose: String,
    pub disbursed_on: Option<NaiveDate>,
    /// Approved principal not yet repaid (0 before disbursement).
    pub outstanding_principal_fen: i64,
    /// Scheduled interest not yet paid (0 before disbursement).
    pub outstanding_interest_fen: i64,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn status_of(l: &Loan) -> LoanStatus {
    LoanStatus::parse(&l.status).unwrap_or(LoanStatus::Submitted)
}

fn method_of(l: &Loan) -> RepaymentMethod {
    RepaymentMethod::parse(&l.repayment_method).unwrap_or(RepaymentMethod::EqualInstallment)
}

/// The loan's schedule: from disbursement when paid out, else a preview from today.
fn schedule_of(l: &Loan) -> Vec<Instalment> {
    sched::schedule(
        method_of(l),
        l.approved_amount_fen.unwrap_or(l.amount_fen),
        l.annual_rate_bp,
        l.term_months.max(1) as u32,
        l.disbursed_on.unwrap_or_else(today),
    )
}

impl LoanOut {
    pub fn new(l: Loan, paid: (i64, i64, i64)) -> Self {
        let (_, paid_p, paid_i) = paid;
        let (op, oi) = if l.disbursed_on.is_some() {
            let (_, total_i) = sched::totals(&schedule_of(&l));
            (
                l.approved_amount_fen.unwrap_or(0) - paid_p,
                (total_i - paid_i).max(0),
            )
        } else {
            (0, 0)
        };
        LoanOut {
            id: l.id,
            cooperative_id: l.cooperative_id,
            product_id: l.product_id,
            status: status_of(&l),
            repayment_method: method_of(&l),
            bank_code: l.bank_code,
            amount_fen: l.amount_fen,
            approved_amount_fen: l.approved_amount_fen,
            annual_rate_bp: l.annual_rate_bp,
            term_months: l.term_months,
            risk_compensation_eligible: l.risk_compensation_eligible,
            purpose: l.purpose,
            disbursed_on: l.disbursed_on,
            outstanding_principal_fen: op,
            outstanding_interest_fen: oi,
            paid_principal_fen: paid_p,
            paid_interest_fen: paid_i,
            version: l.version,
            created_at: l.created_at.and_utc(),
            updated_at: l.updated_at.and_utc(),
        }
    }

    pub fn load(conn: &mut DbConn, l: Loan) -> ApiResult<Self> {
        let paid = m::paid_by_loan(conn, &[l.id])?
            .remove(&l.id)
            .unwrap_or((0, 0, 0));
        Ok(Self::new(l, paid))
    }
}

/// Which loans the caller may see (403 for roles that see none).
fn loan_scope(user: &Caller) -> ApiResult<LoanScope> {
    user.require(Resource::Loans, Access::Read)?;
    let c = &user.claims;
    Ok(match c.role {
        Role::DistrictAdmin | Role::Observer => LoanScope::All,
        Role::TownOfficer => LoanScope::Town(c.town_code.clone().unwrap_or_default()),
        Role::Cooperative => LoanScope::Cooperative(c.cooperative_id.unwrap_or(-1)),
        Role::BankPartner => LoanScope::Bank(c.bank_code.clone().unwrap_or_default()),
        _ => return Err(ApiError::forbidden()),
    })
}

/// The bank acts through its system; the district acts for a bank without one.
fn act_as_bank(user: &Caller, conn: &mut DbConn, loan: &Loan) -> ApiResult<()> {
    match user.role() {
        Role::BankPartner => Ok(()),
        Role::DistrictAdmin => {
            if m::bank_has_integration(conn, &loan.bank_code)? {
                Err(ApiError::Forbidden(format!(
                    "bank {} acts on its loans through its own integration",
                    loan.bank_code
                )))
            } else {
                Ok(())
            }
        }
        r => Err(ApiError::Forbidden(format!(
            "the role {r} may not act for the bank on a loan"
        ))),
    }
}

/// One state change: checked against the machine, version-guarded, with history, audit and
/// (when `event` is set) an outbox event, all in the caller's transaction.
#[allow(clippy::too_many_arguments)]
fn transit(
    conn: &mut DbConn,
    actor: &Actor,
    loan: &Loan,
    action: LoanAction,
    mut changes: LoanChanges,
    note: Option<&str>,
    event: Option<&str>,
) -> ApiResult<Loan> {
    let from = status_of(loan);
    let to = loan_state::next(from, action).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let before = LoanOut::load(conn, loan.clone())?;
    changes.status = Some(to.as_str().into());
    let at = now();
    let updated = m::update_loan(conn, loan.id, loan.version, changes, at)?.ok_or_else(|| {
        ApiError::Conflict("the loan changed at the same time; read it again and retry".into())
    })?;
    m::insert_event(
        conn,
        &NewLoanEvent {
            loan_id: loan.id,
            action: action.as_str(),
            from_status: Some(from.as_str()),
            to_status: to.as_str(),
            actor_name: &actor.name,
            actor_role: &actor.role,
            note,
            occurred_at: at,
        },
    )?;
    let after = LoanOut::load(conn, updated.clone())?;
    audit::record(
        conn,
        actor,
        action.as_str(),
        "loan",
        &loan.id.to_string(),
        Some(&before),
        Some(&after),
    )?;
    if let Some(e) = event {
        emit(conn, &updated.bank_code, e, &after)?;
    }
    Ok(updated)
}

/// Apply for a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "applyForLoan",
    summary = "Apply for a loan",
    description = "A cooperative applies for itself; the district admin may apply on a cooperative's behalf. The amount and term must be within the product's limits (422 naming the field); the loan goes to the product's bank with status `submitted` and the product's rate. Emits `loan.submitted`.",
    request_body = LoanCreate,
    responses(
        (status = 201, description = "Submitted", body = LoanOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not apply for loans"),
        (status = 404, description = "No such cooperative, or not yours"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid or outside the product's limits")
    )
)]
#[post("/loans")]
pub async fn apply(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<LoanCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::Loans, Access::Write)?;
    if !matches!(user.role(), Role::Cooperative | Role::DistrictAdmin) {
        return Err(ApiError::Forbidden(
            "only a cooperative (or the district on its behalf) applies for loans".into(),
        ));
    }
    let b = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            user.cooperative(conn, b.cooperative_id)?;
            let product = match m::product(conn, b.product_id, None) {
                Ok(p) if !p.retired => p,
                Ok(_) => {
                    return Err(ApiError::field(
                        "product_id",
                        "retired",
                        "this product takes no new applications",
                    ))
                }
                Err(diesel::result::Error::NotFound) => {
                    return Err(ApiError::field(
                        "product_id",
                        "unknown",
                        "no such loan product",
                    ))
                }
                Err(e) => return Err(e.into()),
            };
            let mut errors = Vec::new();
            if b.amount_fen > product.max_amount_fen {
                errors.push(FieldError::new(
                    "amount_fen",
                    "above_product_max",
                    format!("the product lends at most {} fen", product.max_amount_fen),
                ));
            }
            if b.term_months > product.max_term_months {
                errors.push(FieldError::new(
                    "term_months",
                    "above_product_max",
                    format!(
                        "the product's longest term is {} months",
                        product.max_term_months
                    ),
                ));
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let at = now();
            let loan = m::insert_loan(
                conn,
                &NewLoan {
                    cooperative_id: b.cooperative_id,
                    product_id: product.id,
                    bank_code: product.bank_code.clone(),
                    amount_fen: b.amount_fen,
                    approved_amount_fen: None,
                    annual_rate_bp: product.annual_rate_bp,
                    term_months: b.term_months,
                    repayment_method: product.repayment_method.clone(),
                    risk_compensation_eligible: product.risk_compensation_eligible,
                    purpose: b.purpose.trim().to_string(),
                    status: LoanStatus::Submitted.as_str().into(),
                    disbursed_on: None,
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
            m::insert_event(
                conn,
                &NewLoanEvent {
                    loan_id: loan.id,
                    action: "apply",
                    from_status: None,
                    to_status: LoanStatus::Submitted.as_str(),
                    actor_name: &actor.name,
                    actor_role: &actor.role,
                    note: None,
                    occurred_at: at,
                },
            )?;
            let out = LoanOut::new(loan, (0, 0, 0));
            audit::record(
                conn,
                &actor,
                "apply",
                "loan",
                &out.id.to_string(),
                None::<&()>,
                Some(&out),
            )?;
            emit(conn, &out.bank_code, "loan.submitted", &out)?;
            Ok(out)
        })
        .await?;
    let loc = format!("/api/v1/loans/{}", out.id);
    Ok(with_etag(
        HttpResponse::Created()
            .insert_header((header::LOCATION, loc))
            .take(),
        out.version,
        &out,
    ))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanFilterParams {
    pub bank_code: Option<String>,
    pub status: Option<LoanStatus>,
    /// The cooperative's town.
    pub town_code: Option<String>,
    pub product_id: Option<i64>,
    pub cooperative_id: Option<i64>,
}

/// Sums over every loan matching the filters (not just this page).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanTotals {
    pub count: i64,
    pub amount_fen: i64,
    pub approved_amount_fen: i64,
    pub repaid_principal_fen: i64,
}

/// One page of loans, with totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoanList {
    pub items: Vec<LoanOut>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    pub totals: LoanTotals,
}

/// List loans.
#[utoipa::path(
    tag = "loans",
    operation_id = "listLoans",
    summary = "List loans in your scope",
    description = "The district and observers see all loans, a town officer those of its town's cooperatives, a cooperative its own, a bank partner its bank's. Filters: bank, status, town, product, cooperative. `totals` sums every matching loan.",
    params(LoanFilterParams, PageParams),
    responses(
        (status = 200, description = "One page with totals", body = LoanList),
        (status = 400, description = "A query parameter has the wrong type or an unknown value"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role sees no loans"),
        (status = 422, description = "limit outside 1–200, or a bad cursor")
    )
)]
#[get("/loans")]
pub async fn list_loans(
    state: web::Data<AppState>,
    user: Caller,
    filters: ValidQuery<LoanFilterParams>,
    page: ValidQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    let page = page.page()?;
    let f = &filters.0;
    let filter = LoanFilter {
        bank_code: f.bank_code.clone(),
        status: f.status.map(|s| s.as_str().to_string()),
        town_code: f.town_code.clone(),
        product_id: f.product_id,
        cooperative_id: f.cooperative_id,
    };
    let list = state
        .db(move |conn| {
            let rows = m::list_loans(conn, &scope, &filter, page.after, page.limit + 1)?;
            let (count, asked, approved, repaid) = m::loan_totals(conn, &scope, &filter)?;
            let list = ListResponse::from_rows(rows, page, page.count.then_some(count), |l| l.id);
            let ids: Vec<i64> = list.items.iter().map(|l| l.id).collect();
            let mut paid = m::paid_by_loan(conn, &ids)?;
            Ok(LoanList {
                items: list
                    .items
                    .into_iter()
                    .map(|l| {
                        let p = paid.remove(&l.id).unwrap_or((0, 0, 0));
                        LoanOut::new(l, p)
                    })
                    .collect(),
                next_cursor: list.next_cursor,
                total: list.total,
                totals: LoanTotals {
                    count,
                    amount_fen: asked,
                    approved_amount_fen: approved,
                    repaid_principal_fen: repaid,
                },
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Get a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoan",
    summary = "Get a loan",
    description = "One loan with outstanding amounts derived from its repayments. Outside your scope (another bank's, another cooperative's) → 404.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The loan", body = LoanOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}")]
pub async fn get_loan(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    let id = path.into_inner();
    let out = state
        .db(move |conn| {
            let l = m::find_loan(conn, &scope, id)?;
            LoanOut::load(conn, l)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), out.version, &out))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"action": "approve", "from_status": "under_review", "to_status": "approved", "actor": "cp_3f9a0c2b7d1e4a56", "actor_role": "bank_partner", "note": null, "occurred_at": "2026-11-27T08:00:00Z"}))]
pub struct LoanEventOut {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub actor_role: String,
    /// The rejection reason, or another note.
    pub note: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<LoanEvent> for LoanEventOut {
    fn from(e: LoanEvent) -> Self {
        LoanEventOut {
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor_name,
            actor_role: e.actor_role,
            note: e.note,
            occurred_at: e.occurred_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoanHistory {
    pub items: Vec<LoanEventOut>,
}

/// A loan's history.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanHistory",
    summary = "A loan's history",
    description = "Every transition, oldest first, with actor and time (a rejection carries its reason as `note`).",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The history", body = LoanHistory),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/history")]
pub async fn loan_history(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    let id = path.into_inner();
    let items = state
        .db(move |conn| {
            m::find_loan(conn, &scope, id)?;
            Ok(m::history(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(LoanHistory {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstalmentOut {
    pub seq: u32,
    pub due_on: NaiveDate,
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_principal_fen: i64,
    pub paid_interest_fen: i64,
    pub outstanding_principal_fen: i64,
    pub outstanding_interest_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"loan_id": 1, "preview": false, "repayment_method": "bullet", "principal_fen": 600000, "annual_rate_bp": 600, "term_months": 2, "start_on": "2026-01-15", "total_principal_fen": 600000, "total_interest_fen": 6000, "items": [{"seq": 1, "due_on": "2026-02-15", "principal_fen": 0, "interest_fen": 3000, "paid_principal_fen": 0, "paid_interest_fen": 3000, "outstanding_principal_fen": 0, "outstanding_interest_fen": 0}, {"seq": 2, "due_on": "2026-03-15", "principal_fen": 600000, "interest_fen": 3000, "paid_principal_fen": 0, "paid_interest_fen": 0, "outstanding_principal_fen": 600000, "outstanding_interest_fen": 3000}]}))]
pub struct ScheduleOut {
    pub loan_id: i64,
    /// True before disbursement: computed from the amount asked (or approved) and today.
    pub preview: bool,
    pub repayment_method: RepaymentMethod,
    pub principal_fen: i64,
    pub annual_rate_bp: i32,
    pub term_months: i32,
    /// Disbursement date (today for a preview).
    pub start_on: NaiveDate,
    pub total_principal_fen: i64,
    pub total_interest_fen: i64,
    pub items: Vec<InstalmentOut>,
}

/// A loan's repayment schedule.
#[utoipa::path(
    tag = "loans",
    operation_id = "getLoanSchedule",
    summary = "A loan's repayment schedule",
    description = "Instalments computed from the approved amount, rate, term and disbursement date (RULES.md: rounded to the fen, remainder on the last instalment, principal sums exactly to the loan). Repayments are applied in order, interest before principal. Before disbursement this is a preview from today.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The schedule", body = ScheduleOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/schedule")]
pub async fn loan_schedule(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    let id = path.into_inner();
    let (loan, paid) = state
        .db(move |conn| {
            let l = m::find_loan(conn, &scope, id)?;
            let paid = m::paid_by_loan(conn, &[id])?
                .remove(&id)
                .unwrap_or((0, 0, 0));
            Ok((l, paid))
        })
        .await?;
    let s = schedule_of(&loan);
    let alloc = sched::allocate(&s, paid.0);
    let (tp, ti) = sched::totals(&s);
    Ok(HttpResponse::Ok().json(ScheduleOut {
        loan_id: loan.id,
        preview: loan.disbursed_on.is_none(),
        repayment_method: method_of(&loan),
        principal_fen: tp,
        annual_rate_bp: loan.annual_rate_bp,
        term_months: loan.term_months,
        start_on: loan.disbursed_on.unwrap_or_else(today),
        total_principal_fen: tp,
        total_interest_fen: ti,
        items: s
            .iter()
            .zip(alloc)
            .map(|(i, p)| InstalmentOut {
                seq: i.seq,
                due_on: i.due_on,
                principal_fen: i.principal_fen,
                interest_fen: i.interest_fen,
                paid_principal_fen: p.principal_fen,
                paid_interest_fen: p.interest_fen,
                outstanding_principal_fen: i.principal_fen - p.principal_fen,
                outstanding_interest_fen: i.interest_fen - p.interest_fen,
            })
            .collect(),
    }))
}

// --------------------------------------------------------------- actions

/// A JSON body that may be left out entirely.
fn optional_body<T: DeserializeOwned + Validate + Default>(
    req: &HttpRequest,
    body: &web::Bytes,
) -> ApiResult<T> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    if !is_json_content_type(req) {
        return Err(ApiError::UnsupportedMediaType(
            "the body must be application/json".into(),
        ));
    }
    parse_json(body)
}

/// An optional note for an action.
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "资料齐全，进入审查"}))]
pub struct NoteBody {
    #[validate(length(max = 500))]
    pub note: Option<String>,
}

/// The bank's decision to lend (both fields optional: default to what was asked).
#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approved_amount_fen": 45000000, "annual_rate_bp": 420}))]
pub struct ApproveBody {
    /// Not above the amount asked.
    #[validate(range(min = 1))]
    pub approved_amount_fen: Option<i64>,
    /// Not above the rate of the application.
    #[validate(range(min = 0, max = 10000))]
    pub annual_rate_bp: Option<i32>,
    #[validate(length(max = 500))]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "经营流水不足"}))]
pub struct RejectBody {
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disbursed_on": "2026-11-27"}))]
pub struct DisburseBody {
    /// Default today; not in the future.
    #[validate(custom(function = "not_future"))]
    pub disbursed_on: Option<NaiveDate>,
}

/// An idempotent request in progress: its key is in flight until the change commits.
pub(crate) struct IdemCtx {
    owner: String,
    key: String,
}

pub(crate) enum IdemStart {
    Go(Option<IdemCtx>),
    Replay(HttpResponse),
}

/// Opens an `Idempotency-Key` (API.md "Idempotency"): a replay answers the stored response,
/// another body with the key → 422, the key in flight → 409. `request` identifies the
/// request (method, path, canonical body).
pub(crate) async fn idem_open(
    state: &AppState,
    user: &Caller,
    req: &HttpRequest,
    request: String,
    required: bool,
) -> ApiResult<IdemStart> {
    let Some(key) = idempotency_key(req)? else {
        if required {
            return Err(ApiError::BadRequest(
                "an Idempotency-Key header is required for this request".into(),
            ));
        }
        return Ok(IdemStart::Go(None));
    };
    // Keys are per caller: role, subject and bank scope.
    let owner = format!(
        "{}:{}:{}",
        user.role(),
        user.claims.sub,
        user.claims.bank_code.as_deref().unwrap_or("")
    );
    let hash = hex::encode(Sha256::digest(request.as_bytes()));
    let (o, k) = (owner.clone(), key.clone());
    let begun = state
        .db_write(move |conn| idem_begin(conn, &o, &k, &hash))
        .await
        .map_err(|e| match e {
            // Two first requests racing on PostgreSQL: the unique index decides.
            ApiError::Conflict(_) => {
                ApiError::Conflict("a request with this Idempotency-Key is still in flight".into())
            }
            other => other,
        })?;
    Ok(match begun {
        Idem::Proceed => IdemStart::Go(Some(IdemCtx { owner, key })),
        Idem::Replay(status, body) => IdemStart::Replay(
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .insert_header(("Idempotent-Replayed", "true"))
                .body(body),
        ),
    })
}

/// Stores the response of an idempotent request, inside its transaction.
pub(crate) fn idem_store<T: Serialize>(
    conn: &mut DbConn,
    ctx: &Option<IdemCtx>,
    status: u16,
    out: &T,
) -> ApiResult<()> {
    if let Some(c) = ctx {
        let body = serde_json::to_string(out).map_err(ApiError::internal)?;
        m::idem_complete(conn, &c.owner, &c.key, status as i32, &body)?;
    }
    Ok(())
}

/// Frees the key of a request that failed, so that it may be retried.
pub(crate) async fn idem_abort(state: &AppState, ctx: Option<IdemCtx>) {
    if let Some(c) = ctx {
        let _ = state
            .db_write(move |conn| Ok(m::idem_release(conn, &c.owner, &c.key)?))
            .await;
    }
}

pub(crate) fn canonical<T: Serialize>(path: &str, body: &T) -> String {
    format!(
        "POST {path}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    )
}

async fn bank_action<F>(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    request: String,
    id: i64,
    who: Who,
    f: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConn, &Actor, &Loan, i64) -> ApiResult<Loan> + Send + 'static,
{
    let scope = loan_scope(&user)?;
    user.require(Resource::Loans, Access::Write)?;
    let ctx = match idem_open(&state, &user, &req, request, false).await? {
        IdemStart::Replay(r) => return Ok(r),
        IdemStart::Go(ctx) => ctx,
    };
    let settings = state.settings.clone();
    let actor = Actor::from(&user);
    let ctx = std::sync::Arc::new(ctx);
    let ctx2 = ctx.clone();
    let result = state
        .db_write(move |conn| {
            let loan = m::find_loan(conn, &scope, id)?;
            match who {
                Who::Bank => act_as_bank(&user, conn, &loan)?,
                Who::Cooperative => {
                    if user.role() != Role::Cooperative {
                        return Err(ApiError::Forbidden(
                            "only the cooperative withdraws its application".into(),
                        ));
                    }
                }
            }
            let updated = f(conn, &actor, &loan, settings.risk_leverage)?;
            let out = LoanOut::load(conn, updated)?;
            idem_store(conn, &ctx2, 200, &out)?;
            Ok(out)
        })
        .await;
    match result {
        Ok(out) => Ok(with_etag(HttpResponse::Ok(), out.version, &out)),
        Err(e) => {
            idem_abort(&state, std::sync::Arc::try_unwrap(ctx).ok().flatten()).await;
            Err(e)
        }
    }
}

#[derive(Clone, Copy)]
enum Who {
    Bank,
    Cooperative,
}

macro_rules! simple_action {
    ($fn_name:ident, $path:literal, $op:literal, $summary:literal, $desc:literal, $action:expr, $event:expr, $who:expr) => {
        #[utoipa::path(
            tag = "loans",
            operation_id = $op,
            summary = $summary,
            description = $desc,
            params(("id" = i64, Path, description = "Loan id"), ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body answers the first response again")),
            request_body(content = NoteBody, description = "Optional", content_type = "application/json"),
            responses(
                (status = 200, description = "Done", body = LoanOut),
                (status = 400, description = "Malformed JSON or an unknown field"),
                (status = 401, description = "Missing or invalid token"),
                (status = 403, description = "The role may not do this (the district acts only for a bank without an integration)"),
                (status = 404, description = "No such loan, or outside your scope"),
                (status = 409, description = "Not allowed from the loan's current state (named in the detail)"),
                (status = 422, description = "A field is invalid")
            )
        )]
        #[post($path)]
        pub async fn $fn_name(
            state: web::Data<AppState>,
            user: Caller,
            req: HttpRequest,
            path: web::Path<i64>,
            body: web::Bytes,
        ) -> ApiResult<HttpResponse> {
            let b: NoteBody = optional_body(&req, &body)?;
            let request = canonical(req.path(), &b);
            bank_action(state, user, req, request, path.into_inner(), $who, move |conn, actor, loan, _| {
                transit(conn, actor, loan, $action, LoanChanges::default(), b.note.as_deref(), $event)
            })
            .await
        }
    };
}

simple_action!(
    review,
    "/loans/{id}/review",
    "reviewLoan",
    "Start reviewing a loan",
    "`submitted → under_review`. The bank (or the district for a bank without an integration).",
    LoanAction::Review,
    None,
    Who::Bank
);
simple_action!(
    withdraw,
    "/loans/{id}/withdraw",
    "withdrawLoan",
    "Withdraw a loan application",
    "`submitted|under_review → withdrawn`. The cooperative only.",
    LoanAction::Withdraw,
    None,
    Who::Cooperative
);
simple_action!(
    mark_overdue, "/loans/{id}/mark-overdue", "markLoanOverdue", "Mark a loan overdue",
    "`disbursed → overdue`. A repayment that covers everything due brings it back to `disbursed`. Emits `loan.overdue`.",
    LoanAction::MarkOverdue, Some("loan.overdue"), Who::Bank
);
simple_action!(
    default_loan,
    "/loans/{id}/default",
    "defaultLoan",
    "Declare a loan in default",
    "`overdue → defaulted`. Emits `loan.defaulted`.",
    LoanAction::Default,
    Some("loan.defaulted"),
    Who::Bank
);

/// Approve a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "approveLoan",
    summary = "Approve a loan",
    description = "`under_review → approved`, with the amount and rate (neither above what was asked). For a product guaranteed by the risk-compensation fund, the total guaranteed exposure may not exceed `leverage × fund balance` (409 with the headroom). Emits `loan.approved`.",
    params(("id" = i64, Path, description = "Loan id"), ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body answers the first response again")),
    request_body(content = ApproveBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Approved", body = LoanOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not do this"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state, or above the fund's lending cap"),
        (status = 422, description = "Amount or rate above what was asked")
    )
)]
#[post("/loans/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let b: ApproveBody = optional_body(&req, &body)?;
    let request = canonical(req.path(), &b);
    bank_action(state, user, req, request, path.into_inner(), Who::Bank, move |conn, actor, loan, leverage| {
        // The state is checked first, so a wrong state is a 409 whatever the body.
        loan_state::next(status_of(loan), LoanAction::Approve)
            .map_err(|e| ApiError::Conflict(e.to_string()))?;
        let amount = b.approved_amount_fen.unwrap_or(loan.amount_fen);
        let rate = b.annual_rate_bp.unwrap_or(loan.annual_rate_bp);
        let mut errors = Vec::new();
        if amount > loan.amount_fen {
            errors.push(FieldError::new("approved_amount_fen", "above_requested", format!("at most the {} fen asked for", loan.amount_fen)));
        }
        if rate > loan.annual_rate_bp {
            errors.push(FieldError::new("annual_rate_bp", "above_requested", format!("at most the {} bp of the application", loan.annual_rate_bp)));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        if loan.risk_compensation_eligible {
            let (inn, out) = m::fund_balance(conn)?;
            let balance = inn - out;
            let exposure = m::exposure(conn)?;
            if !risk_fund::fits_under_cap(balance, leverage, exposure, amount) {
                return Err(ApiError::Conflict(format!(
                    "approving {amount} fen would exceed the risk-compensation fund's lending cap: headroom is {} fen ({leverage} × balance {balance} fen − exposure {exposure} fen)",
                    risk_fund::headroom(balance, leverage, exposure)
                )));
            }
        }
        let changes = LoanChanges {
            approved_amount_fen: Some(amount),
            annual_rate_bp: Some(rate),
            ..Default::default()
        };
        transit(conn, actor, loan, LoanAction::Approve, changes, b.note.as_deref(), Some("loan.approved"))
    })
    .await
}

/// Reject a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "rejectLoan",
    summary = "Reject a loan",
    description = "`under_review → rejected`, with a reason (kept in the history). Emits `loan.rejected`.",
    params(("id" = i64, Path, description = "Loan id"), ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body answers the first response again")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected", body = LoanOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not do this"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "The reason is missing")
    )
)]
#[post("/loans/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<RejectBody>,
) -> ApiResult<HttpResponse> {
    let request = canonical(req.path(), &body.0);
    let reason = body.0.reason.trim().to_string();
    bank_action(
        state,
        user,
        req,
        request,
        path.into_inner(),
        Who::Bank,
        move |conn, actor, loan, _| {
            transit(
                conn,
                actor,
                loan,
                LoanAction::Reject,
                LoanChanges::default(),
                Some(&reason),
                Some("loan.rejected"),
            )
        },
    )
    .await
}

/// Disburse a loan.
#[utoipa::path(
    tag = "loans",
    operation_id = "disburseLoan",
    summary = "Disburse a loan",
    description = "`approved → disbursed` on `disbursed_on` (default today); the schedule runs from that date. Emits `loan.disbursed`.",
    params(("id" = i64, Path, description = "Loan id"), ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body answers the first response again")),
    request_body(content = DisburseBody, description = "Optional", content_type = "application/json"),
    responses(
        (status = 200, description = "Disbursed", body = LoanOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not do this"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "Not allowed from the current state"),
        (status = 422, description = "The date is in the future")
    )
)]
#[post("/loans/{id}/disburse")]
pub async fn disburse(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let b: DisburseBody = optional_body(&req, &body)?;
    let request = canonical(req.path(), &b);
    bank_action(
        state,
        user,
        req,
        request,
        path.into_inner(),
        Who::Bank,
        move |conn, actor, loan, _| {
            let changes = LoanChanges {
                disbursed_on: Some(b.disbursed_on.unwrap_or_else(today)),
                ..Default::default()
            };
            transit(
                conn,
                actor,
                loan,
                LoanAction::Disburse,
                changes,
                None,
                Some("loan.disbursed"),
            )
        },
    )
    .await
}

// --------------------------------------------------------------- repayments

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 853099, "paid_on": "2026-12-27"}))]
pub struct RepaymentCreate {
    #[validate(range(min = 1))]
    pub amount_fen: i64,
    /// Not in the future, not before disbursement.
    #[validate(custom(function = "not_future"))]
    pub paid_on: NaiveDate,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "loan_id": 1, "amount_fen": 853099, "principal_fen": 816849, "interest_fen": 36250, "paid_on": "2026-12-27", "loan_status": "disbursed", "outstanding_principal_fen": 9183151, "outstanding_interest_fen": 200000, "created_at": "2026-12-27T08:00:00Z"}))]
pub struct RepaymentOut {
    pub id: i64,
    pub loan_id: i64,
    pub amount_fen: i64,
    /// The part applied to principal (interest is paid first, instalment by instalment).
    pub principal_fen: i64,
    pub interest_fen: i64,
    pub paid_on: NaiveDate,
    /// The loan's status after this repayment (`settled` after the last fen).
    pub loan_status: Option<LoanStatus>,
    pub outstanding_principal_fen: Option<i64>,
    pub outstanding_interest_fen: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl RepaymentOut {
    fn new(r: Repayment, loan: Option<&LoanOut>) -> Self {
        RepaymentOut {
            id: r.id,
            loan_id: r.loan_id,
            amount_fen: r.amount_fen,
            principal_fen: r.principal_fen,
            interest_fen: r.interest_fen,
            paid_on: r.paid_on,
            loan_status: loan.map(|l| l.status),
            outstanding_principal_fen: loan.map(|l| l.outstanding_principal_fen),
            outstanding_interest_fen: loan.map(|l| l.outstanding_interest_fen),
            created_at: r.created_at.and_utc(),
        }
    }
}

/// A loan's repayments.
#[utoipa::path(
    tag = "loans",
    operation_id = "listRepayments",
    summary = "A loan's repayments",
    description = "The repayment ledger of one loan, oldest first.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 200, description = "The ledger", body = ListResponse<RepaymentOut>),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role sees no loans"),
        (status = 404, description = "No such loan, or outside your scope")
    )
)]
#[get("/loans/{id}/repayments")]
pub async fn list_repayments(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    let id = path.into_inner();
    let rows = state
        .db(move |conn| {
            m::find_loan(conn, &scope, id)?;
            Ok(m::repayments(conn, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ListResponse {
        items: rows
            .into_iter()
            .map(|r| RepaymentOut::new(r, None))
            .collect(),
        next_cursor: None,
        total: None,
    }))
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// An in-flight key older than this is taken to belong to a request that died.
const IN_FLIGHT_TIMEOUT_SECS: i64 = 300;

enum Idem {
    Proceed,
    Replay(u16, String),
}

fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(v) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into()))?
        .trim();
    if v.is_empty() || v.len() > 255 {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1–255 characters".into(),
        ));
    }
    Ok(Some(v.to_string()))
}

/// Starts an idempotent request: replay, conflict, or go ahead (the key is then in flight).
fn idem_begin(conn: &mut DbConn, owner: &str, key: &str, hash: &str) -> ApiResult<Idem> {
    let at = now();
    match m::idem_find(conn, owner, key)? {
        Some(k) if k.request_hash != hash => Err(ApiError::field(
            IDEMPOTENCY_KEY,
            "reused",
            "this Idempotency-Key was used with a different request body",
        )),
        Some(k) if k.status == "done" => Ok(Idem::Replay(
            k.response_status.unwrap_or(201) as u16,
            k.response_body.unwrap_or_default(),
        )),
        Some(k) if (at - k.created_at).num_seconds() < IN_FLIGHT_TIMEOUT_SECS => Err(
            ApiError::Conflict("a request with this Idempotency-Key is still in flight".into()),
        ),
        Some(k) => {
            m::idem_restart(conn, k.id, at)?;
            Ok(Idem::Proceed)
        }
        None => {
            m::idem_insert(conn, owner, key, hash, at)?;
            Ok(Idem::Proceed)
        }
    }
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
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not record repayments"),
        (status = 404, description = "No such loan, or outside your scope"),
        (status = 409, description = "The loan takes no repayments in its state, or the key is in flight"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "Overpayment, a bad date, or the key reused with another body")
    )
)]
#[post("/loans/{id}/repayments")]
pub async fn record_repayment(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ValidJson<RepaymentCreate>,
) -> ApiResult<HttpResponse> {
    let scope = loan_scope(&user)?;
    user.require(Resource::Loans, Access::Write)?;
    let id = path.into_inner();
    let b = body.0;
    let request = canonical(req.path(), &b);
    let ctx = match idem_open(
        &state,
        &user,
        &req,
        request,
        user.role() == Role::BankPartner,
    )
    .await?
    {
        IdemStart::Replay(r) => return Ok(r),
        IdemStart::Go(ctx) => ctx,
    };
    let actor = Actor::from(&user);
    let ctx = std::sync::Arc::new(ctx);
    let ctx2 = ctx.clone();
    let result = state
        .db_write(move |conn| {
            let loan = m::find_loan(conn, &scope, id)?;
            act_as_bank(&user, conn, &loan)?;
            // Take the loan's row first: concurrent repayments of one loan queue here, and
            // everything below reads the loan and its ledger as they are after the others.
            let locked = m::lock_loan(conn, id, now())?;
            let status = status_of(&locked);
            if !loan_state::accepts_repayment(status) {
                return Err(ApiError::Conflict(format!(
                    "the loan is {status}; repayments are recorded only on disbursed or overdue loans"
                )));
            }
            if let Some(d) = locked.disbursed_on {
                if b.paid_on < d {
                    return Err(ApiError::field(
                        "paid_on",
                        "before_disbursement",
                        format!("the loan was disbursed on {d}"),
                    ));
                }
            }
            let s = schedule_of(&locked);
            let (tp, ti) = sched::totals(&s);
            let (paid, _, _) = m::paid_by_loan(conn, &[id])?.remove(&id).unwrap_or((0, 0, 0));
            let left = tp + ti - paid;
            if b.amount_fen > left {
                return Err(ApiError::field(
                    "amount_fen",
                    "overpayment",
                    format!("only {left} fen (principal and interest) are left to repay"),
                ));
            }
            let split = sched::split_payment(&s, paid, b.amount_fen);
            let rep = m::insert_repayment(
                conn,
                &NewRepayment {
                    loan_id: id,
                    amount_fen: b.amount_fen,
                    principal_fen: split.principal_fen,
                    interest_fen: split.interest_fen,
                    paid_on: b.paid_on,
                    actor_name: actor.name.clone(),
                    created_at: now(),
                },
            )?;
            audit::record(conn, &actor, "repayment", "loan", &id.to_string(), None::<&()>, Some(&serde_json::json!({"repayment_id": rep.id, "amount_fen": rep.amount_fen, "principal_fen": rep.principal_fen, "interest_fen": rep.interest_fen, "paid_on": rep.paid_on})))?;
            let paid_after = paid + b.amount_fen;
            let mut current = locked;
            let loan_now = LoanOut::load(conn, current.clone())?;
            emit(conn, &current.bank_code, "loan.repayment_recorded", &serde_json::json!({
                "loan": loan_now,
                "repayment": {"id": rep.id, "amount_fen": rep.amount_fen, "principal_fen": rep.principal_fen, "interest_fen": rep.interest_fen, "paid_on": rep.paid_on}
            }))?;
            if paid_after == tp + ti {
                // Paid off: an overdue loan is back in order first, then settled.
                if status == LoanStatus::Overdue {
                    current = transit(
                        conn,
                        &actor,
                        &current,
                        LoanAction::Cure,
                        LoanChanges::default(),
                        Some("repaid in full"),
                        None,
                    )?;
                }
                current = transit(conn, &actor, &current, LoanAction::Settle, LoanChanges::default(), None, Some("loan.settled"))?;
            } else if status == LoanStatus::Overdue && paid_after >= sched::due_by(&s, b.paid_on) {
                current = transit(conn, &actor, &current, LoanAction::Cure, LoanChanges::default(), Some("repaid everything due"), None)?;
            }
            let loan_out = LoanOut::load(conn, current)?;
            let out = RepaymentOut::new(rep, Some(&loan_out));
            idem_store(conn, &ctx2, 201, &out)?;
            Ok(out)
        })
        .await;
    match result {
        Ok(out) => Ok(HttpResponse::Created().json(out)),
        Err(e) => {
            idem_abort(&state, std::sync::Arc::try_unwrap(ctx).ok().flatten()).await;
            Err(e)
        }
    }
}

// --------------------------------------------------------------- risk fund

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "kind": "contribution", "amount_fen": 1000000000, "source": "区财政", "loan_id": null, "entry_on": "2026-11-27", "actor": "admin", "created_at": "2026-11-27T08:00:00Z"}))]
pub struct FundEntryOut {
    pub id: i64,
    pub kind: EntryKind,
    /// Always positive; `kind` says which way it moves the balance.
    pub amount_fen: i64,
    pub source: Option<String>,
    pub loan_id: Option<i64>,
    pub entry_on: NaiveDate,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

impl From<FundEntry> for FundEntryOut {
    fn from(e: FundEntry) -> Self {
        FundEntryOut {
            id: e.id,
            kind: EntryKind::parse(&e.kind).unwrap_or(EntryKind::Contribution),
            amount_fen: e.amount_fen,
            source: e.source,
            loan_id: e.loan_id,
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

/// The risk-compensation fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "getRiskFund",
    summary = "The risk-compensation fund",
    description = "Balance (the sum of the ledger), exposure, lending cap and headroom, and the latest ledger entries. District admin, bank partners and observers.",
    responses(
        (status = 200, description = "The fund", body = RiskFundOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "The role may not see the fund")
    )
)]
#[get("/risk-fund")]
pub async fn get_risk_fund(state: web::Data<AppState>, user: Caller) -> ApiResult<HttpResponse> {
    user.require(Resource::RiskFund, Access::Read)?;
    let leverage = state.settings.risk_leverage;
    let share = state.settings.risk_compensation_share_bp;
    let out = state
        .db(move |conn| {
            let (inn, out) = m::fund_balance(conn)?;
            let balance = inn - out;
            let exposure = m::exposure(conn)?;
            Ok(RiskFundOut {
                balance_fen: balance,
                contributed_fen: inn,
                compensated_fen: out,
                exposure_fen: exposure,
                leverage,
                lending_cap_fen: risk_fund::lending_cap(balance, leverage),
                headroom_fen: risk_fund::headroom(balance, leverage, exposure),
                compensation_share_bp: share,
                entries: m::fund_entries(conn, None, 100)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 1000000000, "source": "区财政", "contributed_on": "2026-11-27"}))]
pub struct ContributionCreate {
    #[validate(range(min = 1))]
    pub amount_fen: i64,
    /// Who paid in (区财政, 市级补助, …).
    #[validate(length(min = 1, max = 200))]
    pub source: String,
    #[validate(custom(function = "not_future"))]
    pub contributed_on: NaiveDate,
}

/// Pay into the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "contributeToRiskFund",
    summary = "Record a contribution to the fund",
    description = "A contribution into the risk-compensation fund. District admin only.",
    request_body = ContributionCreate,
    responses(
        (status = 201, description = "Recorded", body = FundEntryOut),
        (status = 400, description = "Malformed JSON or an unknown field"),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin manages the fund"),
        (status = 415, description = "The body is not JSON"),
        (status = 422, description = "A field is invalid")
    )
)]
#[post("/risk-fund/contributions")]
pub async fn contribute(
    state: web::Data<AppState>,
    user: Caller,
    body: ValidJson<ContributionCreate>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::RiskFund, Access::Write)?;
    let b = body.0;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let e: FundEntryOut = m::insert_fund_entry(
                conn,
                &NewFundEntry {
                    kind: EntryKind::Contribution.as_str().into(),
                    amount_fen: b.amount_fen,
                    source: Some(b.source.trim().to_string()),
                    loan_id: None,
                    entry_on: b.contributed_on,
                    actor_name: actor.name.clone(),
                    created_at: now(),
                },
            )?
            .into();
            audit::record(
                conn,
                &actor,
                "contribute",
                "risk_fund_entry",
                &e.id.to_string(),
                None::<&()>,
                Some(&e),
            )?;
            Ok(e)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompensationOut {
    pub entry: FundEntryOut,
    pub loan: LoanOut,
    pub fund_balance_fen: i64,
}

/// Compensate a defaulted loan from the fund.
#[utoipa::path(
    tag = "risk-fund",
    operation_id = "compensateLoan",
    summary = "Compensate a defaulted loan",
    description = "Pays the configured share (default 80 %) of the outstanding principal of a `defaulted` loan of a guaranteed product out of the fund, once per loan; `defaulted → compensated`. Not defaulted, not guaranteed, already compensated, or more than the balance → 409. Emits `loan.compensated`. District admin only.",
    params(("id" = i64, Path, description = "Loan id")),
    responses(
        (status = 201, description = "Compensated", body = CompensationOut),
        (status = 401, description = "Missing or invalid token"),
        (status = 403, description = "Only the district admin runs compensation"),
        (status = 404, description = "No such loan"),
        (status = 409, description = "Not allowed: state, product, already compensated, or the fund would go negative")
    )
)]
#[post("/loans/{id}/compensation")]
pub async fn compensate(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    user.require(Resource::RiskFund, Access::Write)?;
    let id = path.into_inner();
    let share = state.settings.risk_compensation_share_bp;
    let actor = Actor::from(&user);
    let out = state
        .db_write(move |conn| {
            let loan = m::find_loan(conn, &LoanScope::All, id)?;
            loan_state::next(status_of(&loan), LoanAction::Compensate)
                .map_err(|e| ApiError::Conflict(e.to_string()))?;
            if !loan.risk_compensation_eligible {
                return Err(ApiError::Conflict(
                    "the loan's product is not guaranteed by the risk-compensation fund".into(),
                ));
            }
            if m::compensation_of(conn, id)?.is_some() {
                return Err(ApiError::Conflict(
                    "this loan has already been compensated".into(),
                ));
            }
            let before = LoanOut::load(conn, loan.clone())?;
            let amount = risk_fund::compensation(before.outstanding_principal_fen, share);
            if amount <= 0 {
                return Err(ApiError::Conflict(
                    "nothing is outstanding to compensate".into(),
                ));
            }
            let (inn, out) = m::fund_balance(conn)?;
            let balance = risk_fund::pay_out(inn - out, amount)
                .map_err(|e| ApiError::Conflict(e.to_string()))?;
            let entry: FundEntryOut = m::insert_fund_entry(
                conn,
                &NewFundEntry {
                    kind: EntryKind::Compensation.as_str().into(),
                    amount_fen: amount,
                    source: Some(format!("loan {id} at {}", loan.bank_code)),
                    loan_id: Some(id),
                    entry_on: today(),
                    actor_name: actor.name.clone(),
                    created_at: now(),
                },
            )?
            .into();
            audit::record(
                conn,
                &actor,
                "compensate",
                "risk_fund_entry",
                &entry.id.to_string(),
                None::<&()>,
                Some(&entry),
            )?;
            let updated = transit(
                conn,
                &actor,
                &loan,
                LoanAction::Compensate,
                LoanChanges::default(),
                Some(&format!("{amount} fen from the fund")),
                None,
            )?;
            let loan_out = LoanOut::load(conn, updated)?;
            emit(
                conn,
                &loan_out.bank_code,
                "loan.compensated",
                &serde_json::json!({"loan": loan_out, "compensation_fen": amount}),
            )?;
            Ok(CompensationOut {
                entry,
                loan: loan_out,
                fund_balance_fen: balance,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}
