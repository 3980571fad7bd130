//! Annual reports (年度报告): the draft, its submission and publication, and the lists and
//! publication rate across cooperatives.

use chrono::{Datelike, NaiveDate};

use crate::auth::{Access, Caller, Resource, Role};
use crate::db::models::annual_report::{self as report, AnnualReport, DraftRow, ReportFilter};
use crate::db::models::audit;
use crate::db::models::{now, today};
use crate::db::DbConn;
use crate::domain::annual_report::{
    self as rules, check_figures, filing_opens, is_late, next, DateError, ReportStatus, ReportStep,
    YearError,
};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::service::check_version;
use crate::service::cooperatives::ensure_operating;
use crate::views::pagination::{ListResponse, PageParams};
use crate::views::standardisation::{
    MissingReportOut, MissingReportParams, PublicationParams, PublicationRate, PublishIn,
    ReportDraft, ReportFilterParams, ReportOut, SubmitIn,
};

/// The district and town officers: they publish reports and record filings made on the
/// national publicity system (so they may give a past date).
fn official(caller: &Caller) -> bool {
    matches!(caller.role(), Role::DistrictAdmin | Role::TownOfficer)
}

fn report_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
) -> ApiResult<AnnualReport> {
    caller.cooperative(conn, id)?;
    report::find(conn, id, year)?.ok_or(ApiError::NotFound)
}

fn illegal(status: ReportStatus, step: ReportStep) -> ApiError {
    ApiError::Conflict(format!("a {status} report cannot be {}", step.done()))
}

/// 409 unless the step is legal from the report's status.
fn check_step(current: &AnnualReport, step: ReportStep) -> ApiResult<()> {
    match next(current.status, step) {
        Some(_) => Ok(()),
        None => Err(illegal(current.status, step)),
    }
}

fn year_error(e: YearError, year: i32, established_on: NaiveDate) -> ApiError {
    match e {
        YearError::NotEnded => ApiError::field(
            "year",
            "not_ended",
            format!(
                "{year} has not ended yet; its report can be filed from {}",
                filing_opens(year)
            ),
        ),
        YearError::BeforeEstablishment => ApiError::field(
            "year",
            "before_establishment",
            format!(
                "the cooperative was established in {}",
                established_on.year()
            ),
        ),
    }
}

fn date_error(e: DateError, field: &str, year: i32) -> ApiError {
    match e {
        DateError::Future => ApiError::field(field, "future", "must not be in the future"),
        DateError::PastNotOfficial => ApiError::Forbidden(format!(
            "only the district or a town officer may give a past {field}"
        )),
        DateError::BeforeFilingOpens => ApiError::field(
            field,
            "before_filing_opens",
            format!(
                "reports for {year} can be filed from {}",
                filing_opens(year)
            ),
        ),
        DateError::BeforeSubmission => ApiError::field(
            field,
            "before_submission",
            "must not be before the report was submitted",
        ),
    }
}

/// A date the caller gives for a filing step (see `domain::annual_report::filing_date`).
fn filing_date(
    caller: &Caller,
    given: Option<NaiveDate>,
    field: &str,
    year: i32,
) -> ApiResult<NaiveDate> {
    rules::filing_date(given, today(), official(caller)).map_err(|e| date_error(e, field, year))
}

/// Every year's report of a cooperative in scope, newest first.
pub fn list_cooperative_reports(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> ApiResult<Vec<ReportOut>> {
    caller.require(Resource::AnnualReports, Access::Read)?;
    caller.cooperative(conn, id)?;
    Ok(report::of_cooperative(conn, id)?
        .into_iter()
        .map(ReportOut::from)
        .collect())
}

/// One report of a cooperative in scope.
pub fn get_report(conn: &mut DbConn, caller: &Caller, id: i64, year: i32) -> ApiResult<ReportOut> {
    caller.require(Resource::AnnualReports, Access::Read)?;
    Ok(ReportOut::from(report_in_scope(conn, caller, id, year)?))
}

/// Creates or changes the draft for a year that has ended (and in which the cooperative
/// existed), at the `demanded` version. Figures are checked together; only a draft changes
/// (409). Returns the report and whether it was created.
pub fn put_report(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
    demanded: Option<i32>,
    d: ReportDraft,
) -> ApiResult<(ReportOut, bool)> {
    caller.require(Resource::AnnualReports, Access::Write)?;
    let errors: Vec<FieldError> = check_figures(&d.figures())
        .into_iter()
        .map(|e| FieldError::new(e.field, e.code, e.message))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let coop = caller.cooperative(conn, id)?;
    ensure_operating(&coop)?;
    rules::check_year(year, coop.established_on, today())
        .map_err(|e| year_error(e, year, coop.established_on))?;
    let at = now();
    let row = DraftRow {
        cooperative_id: id,
        year,
        status: ReportStatus::Draft,
        member_count: d.member_count,
        farmer_member_count: d.farmer_member_count,
        total_assets_fen: d.total_assets_fen,
        total_liabilities_fen: d.total_liabilities_fen,
        operating_revenue_fen: d.operating_revenue_fen,
        surplus_fen: d.surplus_fen,
        surplus_returned_by_transactions_fen: d.surplus_returned_by_transactions_fen,
        member_income_fen: d.member_income_fen,
        updated_at: at,
    };
    let actor = caller.actor();
    match report::find(conn, id, year)? {
        Some(current) => {
            check_step(&current, ReportStep::Edit)?;
            check_version(demanded, current.version)?;
            if report::update_draft(conn, current.id, current.version, &row)? == 0 {
                return Err(ApiError::PreconditionFailed);
            }
            let after = ReportOut::from(report::by_id(conn, current.id)?);
            audit::record(
                conn,
                &actor,
                "update",
                "annual_report",
                &current.id.to_string(),
                Some(&ReportOut::from(current)),
                Some(&after),
            )?;
            Ok((after, false))
        }
        None => {
            check_version(demanded, 0)?;
            let after = ReportOut::from(report::insert_draft(conn, &row, at)?);
            audit::record(
                conn,
                &actor,
                "create",
                "annual_report",
                &after.id.to_string(),
                None::<&()>,
                Some(&after),
            )?;
            Ok((after, true))
        }
    }
}

/// One step of a report's life (`submit`, `publish`): the report in scope, the state
/// machine (409), the change (`apply` returns the rows it changed; none is a lost race,
/// 412), the audit.
fn report_step(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
    step: ReportStep,
    apply: impl FnOnce(&mut DbConn, &AnnualReport) -> ApiResult<usize>,
) -> ApiResult<ReportOut> {
    let current = report_in_scope(conn, caller, id, year)?;
    check_step(&current, step)?;
    if apply(conn, &current)? == 0 {
        return Err(ApiError::PreconditionFailed);
    }
    let after = ReportOut::from(report::by_id(conn, current.id)?);
    audit::record(
        conn,
        &caller.actor(),
        step.as_str(),
        "annual_report",
        &current.id.to_string(),
        Some(&ReportOut::from(current)),
        Some(&after),
    )?;
    Ok(after)
}

/// Draft → submitted on `submitted_on` (default today; a past date from officials only; not
/// before the filing window opens); after the deadline the report is flagged late.
pub fn submit_report(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
    body: Option<SubmitIn>,
) -> ApiResult<ReportOut> {
    caller.require(Resource::AnnualReports, Access::Write)?;
    const FIELD: &str = "submitted_on";
    let on = filing_date(caller, body.and_then(|b| b.submitted_on), FIELD, year)?;
    rules::check_submitted_on(year, on).map_err(|e| date_error(e, FIELD, year))?;
    report_step(
        conn,
        caller,
        id,
        year,
        ReportStep::Submit,
        move |conn, current| {
            Ok(report::mark_submitted(
                conn,
                current.id,
                current.version,
                on,
                is_late(year, on),
                now(),
            )?)
        },
    )
}

/// Submitted → published on `published_on` (default today; not before the submission), by
/// an official only: a cooperative never publishes its own report.
pub fn publish_report(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    year: i32,
    body: Option<PublishIn>,
) -> ApiResult<ReportOut> {
    caller.require(Resource::AnnualReports, Access::Write)?;
    if !rules::may_publish(official(caller)) {
        return Err(ApiError::Forbidden(
            "only the district or a town officer publishes annual reports".into(),
        ));
    }
    const FIELD: &str = "published_on";
    let on = filing_date(caller, body.and_then(|b| b.published_on), FIELD, year)?;
    report_step(
        conn,
        caller,
        id,
        year,
        ReportStep::Publish,
        move |conn, current| {
            rules::check_published_on(current.submitted_on, on)
                .map_err(|e| date_error(e, FIELD, year))?;
            Ok(report::mark_published(
                conn,
                current.id,
                current.version,
                on,
                now(),
            )?)
        },
    )
}

/// One page of the reports of every cooperative in scope.
pub fn list_reports(
    conn: &mut DbConn,
    caller: &Caller,
    f: &ReportFilterParams,
    page: &PageParams,
) -> ApiResult<ListResponse<ReportOut>> {
    caller.require(Resource::AnnualReports, Access::Read)?;
    let page = page.page()?;
    let filter = ReportFilter {
        year: f.year,
        town_code: f.town_code.clone(),
        status: f.status,
        late: f.late,
    };
    let scope = caller.coop_scope(conn)?;
    let list = page.load(
        conn,
        |conn, after, n| report::list(conn, &scope, &filter, after, n),
        |conn| report::count(conn, &scope, &filter),
        |r| r.id,
    )?;
    Ok(list.map(ReportOut::from))
}

/// The publication rate of a year (default last year) over the cooperatives in scope.
pub fn publication_rate(
    conn: &mut DbConn,
    caller: &Caller,
    p: &PublicationParams,
) -> ApiResult<PublicationRate> {
    caller.require(Resource::AnnualReports, Access::Read)?;
    let year = p.year.unwrap_or(today().year() - 1);
    let scope = caller.coop_scope(conn)?;
    let counts = report::publication(conn, &scope, year, p.town_code.as_deref())?;
    Ok(PublicationRate {
        year,
        expected: counts.expected,
        published: counts.published,
        rate: rules::publication_rate(counts.expected, counts.published),
    })
}

/// The cooperatives in scope with no submitted report for a year (default last year), before
/// and after the deadline (`overdue`), by id.
pub fn missing(
    conn: &mut DbConn,
    caller: &Caller,
    p: &MissingReportParams,
    page: &PageParams,
) -> ApiResult<ListResponse<MissingReportOut>> {
    caller.require(Resource::AnnualReports, Access::Read)?;
    let page = page.page()?;
    let year = p.year.unwrap_or(today().year() - 1);
    let scope = caller.coop_scope(conn)?;
    let rows = report::missing(
        conn,
        &scope,
        year,
        p.town_code.as_deref(),
        page.after,
        page.limit + 1,
    )?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let drafts: std::collections::HashSet<i64> =
        report::drafts_of(conn, &ids, year)?.into_iter().collect();
    let due = rules::deadline(year);
    let overdue = today() > due;
    Ok(ListResponse::from_rows(rows, page, None, |r| r.0).map(
        |(cooperative_id, name, uscc, town_code, status)| MissingReportOut {
            draft: drafts.contains(&cooperative_id),
            cooperative_id,
            name,
            uscc,
            town_code,
            status,
            year,
            deadline: due,
            overdue,
        },
    ))
}
