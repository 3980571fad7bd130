//! The counselor corps' use cases called directly, without HTTP: who may write which visit,
//! whom a cooperative's login sees, and the evaluation rules.

use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::counselors;
use coophub::views::counselors::{CounselorCreate, EvaluationPut, VisitCreate};
use coophub::views::pagination::PageParams;
use serde_json::json;

use super::{coop_token, counselor_token};
use crate::common::{TestApp, TOWN_A, TOWN_B};

fn visit_body(coop: i64) -> VisitCreate {
    serde_json::from_value(json!({"cooperative_id": coop, "visited_on": "2026-01-10",
        "topics": ["年报"], "findings": "2025年报尚未公示"}))
    .expect("a visit body")
}

fn first_page() -> PageParams {
    PageParams::default()
}

fn is_field(err: &ApiError, field: &str) -> bool {
    matches!(err, ApiError::Validation(v) if v.iter().any(|e| e.field == field))
}

#[actix_web::test]
async fn a_counselor_writes_only_its_own_visits_to_its_own_towns() {
    let app = TestApp::new().await;
    let here = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let there = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let me = app.add_counselor(&[TOWN_A]);
    let other = app.add_counselor(&[TOWN_A]);
    let caller = app.caller(&counselor_token(&app, me));

    let err = app
        .write(|conn| counselors::add_visit(conn, &caller, other, visit_body(here)))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("themselves")),
        "{err:?}"
    );
    let err = app
        .write(|conn| counselors::add_visit(conn, &caller, me, visit_body(there)))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::NotFound),
        "another town's cooperative is not admitted to exist: {err:?}"
    );
    let out = app
        .write(|conn| counselors::add_visit(conn, &caller, me, visit_body(here)))
        .expect("its own visit to a covered town");
    assert_eq!((out.counselor_id, out.cooperative_id), (me, here));

    let admin = app.caller(&app.admin());
    let theirs = app
        .write(|conn| counselors::list_visits(conn, &admin, other, &first_page()))
        .unwrap();
    assert!(theirs.items.is_empty(), "the refused visit wrote nothing");
    // The district may record for any counselor, but only where they cover.
    let err = app
        .write(|conn| counselors::add_visit(conn, &admin, other, visit_body(there)))
        .unwrap_err();
    assert!(is_field(&err, "cooperative_id"), "{err:?}");
}

#[actix_web::test]
async fn a_cooperatives_login_sees_the_counselors_of_its_town_only() {
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let ours = app.add_counselor(&[TOWN_A]);
    let theirs = app.add_counselor(&[TOWN_B]);
    let caller = app.caller(&coop_token(&app, coop));

    let list = app
        .write(|conn| counselors::list(conn, &caller, &Default::default(), &first_page()))
        .unwrap();
    let ids: Vec<i64> = list.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![ours]);
    assert!(app
        .write(|conn| counselors::get(conn, &caller, ours))
        .is_ok());
    let err = app
        .write(|conn| counselors::get(conn, &caller, theirs))
        .unwrap_err();
    assert!(matches!(err, ApiError::NotFound), "{err:?}");
    // Coverage counts every counselor but names only the visible ones.
    let coverage = app
        .write(|conn| counselors::coverage(conn, &caller))
        .unwrap();
    assert_eq!(coverage.towns_covered, 2);
    let b = coverage
        .towns
        .iter()
        .find(|t| t.town_code == TOWN_B)
        .unwrap();
    assert_eq!((b.counselor_count, b.counselors.len()), (1, 0));
    // And it may not write.
    let body: CounselorCreate = serde_json::from_value(json!({"name": "李辅导",
        "phone": "13900000001", "source": "other", "level": "town", "town_codes": [TOWN_A]}))
    .unwrap();
    let err = app
        .write(|conn| counselors::create(conn, &caller, body))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
}

#[actix_web::test]
async fn a_town_counselor_has_no_area_and_evaluations_keep_their_rules() {
    let app = TestApp::new().await;
    let admin = app.caller(&app.admin());
    let body: CounselorCreate = serde_json::from_value(json!({"name": "李辅导",
        "phone": "13900000001", "source": "other", "level": "town", "town_codes": [TOWN_A],
        "area": "北片"}))
    .unwrap();
    let err = app
        .write(|conn| counselors::create(conn, &admin, body))
        .unwrap_err();
    assert!(is_field(&err, "area"), "{err:?}");

    let id = app.add_counselor(&[TOWN_A]);
    let eval = || -> EvaluationPut {
        serde_json::from_value(json!({"score": 88, "rating": "good"})).unwrap()
    };
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let err = app
        .write(|conn| counselors::put_evaluation(conn, &admin, id, next_year, None, eval()))
        .unwrap_err();
    assert!(is_field(&err, "year"), "a year not begun: {err:?}");
    let err = app
        .write(|conn| counselors::put_evaluation(conn, &admin, id, 2025, Some(1), eval()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::PreconditionFailed),
        "a version of a missing evaluation: {err:?}"
    );
    let first = app
        .write(|conn| counselors::put_evaluation(conn, &admin, id, 2025, None, eval()))
        .unwrap();
    assert!(first.created);
    let again = app
        .write(|conn| counselors::put_evaluation(conn, &admin, id, 2025, Some(1), eval()))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.evaluation.version, 2);
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| counselors::put_evaluation(conn, &officer, id, 2025, None, eval()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
}

#[actix_web::test]
async fn an_unknown_stored_level_is_an_error_not_a_default() {
    let app = TestApp::new().await;
    let id = app.add_counselor(&[TOWN_A]);
    // A corrupt row (the table has no CHECK on level; the API never writes one).
    crate::common::exec(
        &mut app.conn(),
        &format!("UPDATE counselors SET level = 'village' WHERE id = {id}"),
    );
    let admin = app.caller(&app.admin());
    let err = app
        .write(|conn| counselors::get(conn, &admin, id))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("village")),
        "an unknown level must fail loudly, got {err:?}"
    );
}
