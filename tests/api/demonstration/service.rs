//! The demonstration use cases called directly, without HTTP: the application gates and
//! score, the decision, monitoring, and an unknown stored status.

use chrono::Datelike;
use coophub::auth::Role;
use coophub::domain::cooperative::DemonstrationLevel;
use coophub::domain::demonstration::{ApplicationStatus, MonitoringResult};
use coophub::error::ApiError;
use coophub::service::{cooperatives, demonstration};
use coophub::views::demonstration::{ApplicationIn, ApplicationOut, MonitoringIn};

use crate::common::fixtures::books::Filing;
use crate::common::{exec, TestApp, TOWN_A};

fn year() -> i32 {
    chrono::Utc::now().year()
}

fn application(cooperative_id: i64, level: DemonstrationLevel) -> ApplicationIn {
    ApplicationIn {
        cooperative_id,
        level,
        year: year(),
        document_ids: None,
    }
}

fn failed(a: &ApplicationOut) -> Vec<&str> {
    a.gates
        .iter()
        .filter(|g| !g.passed)
        .map(|g| g.gate.as_str())
        .collect()
}

#[actix_web::test]
async fn the_gates_decide_eligibility_and_only_eligible_applications_are_scored() {
    let app = TestApp::new().await;
    let c = app.gate_candidate(1, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let municipal = app
        .write(|conn| {
            demonstration::apply(conn, &admin, application(c, DemonstrationLevel::Municipal))
        })
        .unwrap();
    assert_eq!(municipal.status, ApplicationStatus::Ineligible);
    assert!(!municipal.eligible);
    assert_eq!(failed(&municipal), ["level_prerequisite"]);
    assert_eq!(municipal.score, None);
    let err = app
        .write(|conn| demonstration::decide(conn, &admin, municipal.id, true, None))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("ineligible")),
        "{err:?}"
    );

    let district = app
        .write(|conn| {
            demonstration::apply(conn, &admin, application(c, DemonstrationLevel::District))
        })
        .unwrap();
    assert_eq!(district.status, ApplicationStatus::Pending);
    assert!(failed(&district).is_empty());
    assert!(district.score.is_some_and(|s| (1..=100).contains(&s)));
    let err = app
        .write(|conn| {
            demonstration::apply(conn, &admin, application(c, DemonstrationLevel::District))
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "a duplicate: {err:?}");

    let approved = app
        .write(|conn| demonstration::decide(conn, &admin, district.id, true, None))
        .unwrap();
    assert_eq!(approved.status, ApplicationStatus::Approved);
    let coop = app
        .write(|conn| cooperatives::get(conn, &admin, c))
        .unwrap();
    assert_eq!(coop.demonstration_level, Some(DemonstrationLevel::District));
}

#[actix_web::test]
async fn a_late_report_fails_its_gate_and_bad_input_is_refused() {
    let app = TestApp::new().await;
    let late = app.gate_candidate_filed(1, TOWN_A, Filing::Late).await;
    let admin = app.caller(&app.admin());
    let a = app
        .write(|conn| {
            demonstration::apply(
                conn,
                &admin,
                application(late, DemonstrationLevel::District),
            )
        })
        .unwrap();
    assert_eq!(failed(&a), ["annual_report_on_time"]);
    assert_eq!(a.status, ApplicationStatus::Ineligible);

    let mut early = application(late, DemonstrationLevel::District);
    early.year = 2020;
    let err = app
        .write(|conn| demonstration::apply(conn, &admin, early))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Validation(ref v) if v[0].field == "year" && v[0].code == "range"),
        "{err:?}"
    );
    let err = app
        .write(|conn| {
            demonstration::apply(conn, &admin, application(999, DemonstrationLevel::District))
        })
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Validation(ref v) if v[0].field == "cooperative_id"),
        "{err:?}"
    );
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| {
            demonstration::apply(
                conn,
                &officer,
                application(late, DemonstrationLevel::District),
            )
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
}

#[actix_web::test]
async fn a_failed_monitoring_revokes_the_title() {
    let app = TestApp::new().await;
    let c = app.gate_candidate(1, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let monitoring = |result| MonitoringIn {
        year: year(),
        result,
        notes: None,
    };
    let err = app
        .write(|conn| {
            demonstration::record_monitoring(conn, &admin, c, monitoring(MonitoringResult::Pass))
        })
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(_)),
        "no title yet: {err:?}"
    );
    let a = app.apply_for_title(c, "district").await;
    app.approve_title(&a["id"]).await;
    let due = app
        .write(|conn| demonstration::monitoring_due(conn, &admin))
        .unwrap();
    assert!(due.is_empty(), "just approved");
    let out = app
        .write(|conn| {
            demonstration::record_monitoring(conn, &admin, c, monitoring(MonitoringResult::Fail))
        })
        .unwrap();
    assert!(out.revoked);
    assert_eq!(out.level_before, Some(DemonstrationLevel::District));
    let coop = app
        .write(|conn| cooperatives::get(conn, &admin, c))
        .unwrap();
    assert_eq!(coop.demonstration_level, None);
}

#[actix_web::test]
async fn an_unknown_stored_application_status_is_an_error() {
    let app = TestApp::new().await;
    let c = app.gate_candidate(1, TOWN_A).await;
    let id = app.apply_for_title(c, "district").await["id"]
        .as_i64()
        .unwrap();
    // A corrupt row: no use case writes a status outside the vocabulary.
    exec(
        &mut app.conn(),
        &format!("UPDATE demonstration_applications SET status = 'shortlisted' WHERE id = {id}"),
    );
    let admin = app.caller(&app.admin());
    let err = app
        .write(|conn| demonstration::get(conn, &admin, id))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("shortlisted")),
        "{err:?}"
    );
}
