//! The bounded rules called directly, without HTTP: no year or date panics a use case, even
//! one that skipped the request's checks.

use chrono::NaiveDate;
use coophub::auth::Role;
use coophub::domain::annual_report;
use coophub::error::ApiError;
use coophub::service::{pilot, standardisation};
use coophub::views::pilot::ProgressParams;
use coophub::views::standardisation::ReportDraft;

use crate::common::fixtures::books::report_body;
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn report_use_cases_answer_errors_for_years_chrono_cannot_hold() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    for year in [300_000, i32::MAX, i32::MIN, -1] {
        let got = app.write(|conn| standardisation::get_report(conn, &admin, c, year));
        assert!(matches!(got, Err(ApiError::NotFound)), "{year}: {got:?}");
        let draft: ReportDraft = serde_json::from_value(report_body()).unwrap();
        let put = app.write(|conn| standardisation::put_report(conn, &admin, c, year, None, draft));
        assert!(
            matches!(put, Err(ApiError::Validation(_))),
            "{year}: {put:?}"
        );
    }
    assert_eq!(annual_report::deadline(i32::MAX), NaiveDate::MAX);
    assert_eq!(annual_report::filing_opens(300_000), NaiveDate::MAX);
    assert_eq!(annual_report::deadline(2025).to_string(), "2026-06-30");
}

#[actix_web::test]
async fn the_dashboard_on_the_last_day_chrono_holds_stays_small() {
    let app = TestApp::new().await;
    let targets = app.state.settings.targets.clone();
    let observer = app.caller(&app.token(Role::Observer));
    let params = ProgressParams {
        on: Some(NaiveDate::MAX),
        town_code: None,
    };
    let out = app
        .write(|conn| pilot::progress(conn, &observer, &params, &targets))
        .unwrap();
    assert_eq!(out.demonstration.by_year.len(), 80);
    assert!(out.demonstration.by_year.contains_key("2100"));
}
