//! Standardisation's use cases called directly, without HTTP: who may submit and publish a
//! report on which date, the filing year, governance offices, and compliance computed from
//! the records.

use chrono::{Datelike, Days};
use coophub::auth::Role;
use coophub::domain::annual_report::ReportStatus;
use coophub::error::ApiError;
use coophub::service::standardisation;
use coophub::views::standardisation::{GovernanceIn, PublishIn, ReportDraft, SubmitIn};

use crate::common::fixtures::books::{coop_token, governance_body, report_body};
use crate::common::{exec, TestApp, TOWN_A};

fn draft() -> ReportDraft {
    serde_json::from_value(report_body()).expect("a valid draft")
}

fn field_codes(e: &ApiError) -> Vec<(String, String)> {
    match e {
        ApiError::Validation(v) => v
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[actix_web::test]
async fn a_report_for_a_year_not_ended_is_refused_on_year() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let this_year = today().year();
    let err = app
        .write(|conn| standardisation::put_report(conn, &admin, c, this_year, None, draft()))
        .unwrap_err();
    assert_eq!(field_codes(&err), [("year".into(), "not_ended".into())]);
    // Established 2015-03-18: 2014 is before its time.
    let err = app
        .write(|conn| standardisation::put_report(conn, &admin, c, 2014, None, draft()))
        .unwrap_err();
    assert_eq!(
        field_codes(&err),
        [("year".into(), "before_establishment".into())]
    );
    let (out, created) = app
        .write(|conn| standardisation::put_report(conn, &admin, c, this_year - 1, None, draft()))
        .unwrap();
    assert!(created);
    assert_eq!(out.status, ReportStatus::Draft);
}

#[actix_web::test]
async fn a_cooperative_submits_today_but_may_not_backdate_nor_publish() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.caller(&coop_token(&app, c));
    let year = today().year() - 1;
    app.write(|conn| standardisation::put_report(conn, &own, c, year, None, draft()))
        .unwrap();
    let yesterday = today() - Days::new(1);
    let err = app
        .write(|conn| {
            standardisation::submit_report(
                conn,
                &own,
                c,
                year,
                Some(SubmitIn {
                    submitted_on: Some(yesterday),
                }),
            )
        })
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("past submitted_on")),
        "{err:?}"
    );
    let submitted = app
        .write(|conn| standardisation::submit_report(conn, &own, c, year, None))
        .unwrap();
    assert_eq!(submitted.status, ReportStatus::Submitted);
    assert_eq!(submitted.submitted_on, Some(today()));
    let err = app
        .write(|conn| standardisation::submit_report(conn, &own, c, year, None))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m == "a submitted report cannot be submitted"),
        "{err:?}"
    );
    let err = app
        .write(|conn| standardisation::publish_report(conn, &own, c, year, None))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("publishes annual reports")),
        "a cooperative may not publish: {err:?}"
    );

    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| {
            standardisation::publish_report(
                conn,
                &officer,
                c,
                year,
                Some(PublishIn {
                    published_on: Some(yesterday),
                }),
            )
        })
        .unwrap_err();
    assert_eq!(
        field_codes(&err),
        [("published_on".into(), "before_submission".into())]
    );
    let published = app
        .write(|conn| standardisation::publish_report(conn, &officer, c, year, None))
        .unwrap();
    assert_eq!(published.status, ReportStatus::Published);
    let err = app
        .write(|conn| standardisation::put_report(conn, &officer, c, year, None, draft()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m == "a published report cannot be changed"),
        "{err:?}"
    );
}

#[actix_web::test]
async fn a_submission_before_the_filing_window_is_refused() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let year = today().year() - 2;
    app.write(|conn| standardisation::put_report(conn, &admin, c, year, None, draft()))
        .unwrap();
    let early = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let err = app
        .write(|conn| {
            standardisation::submit_report(
                conn,
                &admin,
                c,
                year,
                Some(SubmitIn {
                    submitted_on: Some(early),
                }),
            )
        })
        .unwrap_err();
    assert_eq!(
        field_codes(&err),
        [("submitted_on".into(), "before_filing_opens".into())]
    );
    let late_day = chrono::NaiveDate::from_ymd_opt(year + 1, 7, 1).unwrap();
    let out = app
        .write(|conn| {
            standardisation::submit_report(
                conn,
                &admin,
                c,
                year,
                Some(SubmitIn {
                    submitted_on: Some(late_day),
                }),
            )
        })
        .unwrap();
    assert!(out.late, "after 30 June of the next year");
}

#[actix_web::test]
async fn a_supervisor_with_another_office_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let mut body = governance_body();
    body["supervisors"] = serde_json::json!(["钱七"]);
    let body: GovernanceIn = serde_json::from_value(body).unwrap();
    let err = app
        .write(|conn| standardisation::put_governance(conn, &admin, c, None, body))
        .unwrap_err();
    assert_eq!(
        field_codes(&err),
        [("supervisors".into(), "conflict".into())]
    );
    let err = app
        .write(|conn| standardisation::get_governance(conn, &admin, c))
        .unwrap_err();
    assert!(matches!(err, ApiError::NotFound), "{err:?}");
}

#[actix_web::test]
async fn compliance_is_computed_from_the_records() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let passed = |out: &coophub::views::standardisation::ComplianceOut| {
        out.checks
            .iter()
            .filter(|k| k.passed)
            .map(|k| k.check)
            .collect::<Vec<_>>()
    };
    let bare = app
        .write(|conn| standardisation::compliance(conn, &admin, c))
        .unwrap();
    assert!(!bare.passed_all);
    assert!(!passed(&bare).contains(&"min_members"));
    assert!(!passed(&bare).contains(&"governance"));
    for m in 0..5 {
        app.add_member(c, 100 + m, "farmer").await;
    }
    app.set_governance(c, governance_body()).await;
    let last = today().year() - 1;
    // Filed and published the day the window opened: never in the future, never late.
    let opens = format!("{}-01-01", last + 1);
    app.file_report(c, last, &opens, &opens).await;
    app.hold_assembly(c, &format!("{last}-03-15"), 5, "budget", 5)
        .await;
    let out = app
        .write(|conn| standardisation::compliance(conn, &admin, c))
        .unwrap();
    assert_eq!(out.evaluated_on, today());
    assert!(out.passed_all, "{:?}", out.checks);
    assert_eq!(out.checks.len(), 9);

    // Out of scope: 404 like a missing cooperative.
    let other = app.create_coop(2, crate::common::TOWN_B).await["id"]
        .as_i64()
        .unwrap();
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| standardisation::compliance(conn, &officer, other))
        .unwrap_err();
    assert!(matches!(err, ApiError::NotFound), "{err:?}");
}

#[actix_web::test]
async fn an_unknown_stored_report_status_or_bookkeeping_is_an_error() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let year = today().year() - 1;
    app.write(|conn| standardisation::put_report(conn, &admin, c, year, None, draft()))
        .unwrap();
    app.set_governance(c, governance_body()).await;
    // Corrupt rows: no use case writes values outside the vocabularies.
    exec(
        &mut app.conn(),
        &format!("UPDATE annual_reports SET status = 'filed' WHERE cooperative_id = {c}; UPDATE governance SET bookkeeping = 'abacus' WHERE cooperative_id = {c}"),
    );
    let err = app
        .write(|conn| standardisation::get_report(conn, &admin, c, year))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("filed")),
        "{err:?}"
    );
    let err = app
        .write(|conn| standardisation::submit_report(conn, &admin, c, year, None))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(_)),
        "an unknown status is not a draft: {err:?}"
    );
    let err = app
        .write(|conn| standardisation::get_governance(conn, &admin, c))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("abacus")),
        "{err:?}"
    );
}
