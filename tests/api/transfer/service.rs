//! The import's use cases called directly, without HTTP: the file is prepared outside the
//! transaction, then checked against the registry and written inside it, all rows or none.

use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::transfer::import;

use crate::common::fixtures::registry::{csv_file, csv_row};
use crate::common::{TestApp, REGION, TOWN_A, TOWN_B};

#[actix_web::test]
async fn one_bad_row_writes_nothing() {
    let app = TestApp::new().await;
    let admin = app.caller(&app.admin());
    let own = import::authorize(&admin).expect("the district imports");
    assert_eq!(own, None, "anywhere");
    // Line 3 names a town that does not exist: only the registry can tell.
    let bad = csv_row(2, TOWN_A).replace(TOWN_A, "500119999");
    let data = csv_file(&[csv_row(1, TOWN_A), bad, csv_row(3, TOWN_B)]);
    let file = import::prepare(data.as_bytes(), REGION, None).expect("readable");
    assert_eq!(file.data_rows(), 3);
    let err = app
        .write(|conn| import::insert(conn, &admin, file))
        .unwrap_err();
    let ApiError::Validation(errors) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (
            errors[0].line,
            errors[0].field.as_str(),
            errors[0].code.as_str()
        ),
        (Some(3), "town_code", "unknown_code")
    );
    assert_eq!(app.coop_count().await, 0, "nothing was written");

    let good = csv_file(&[csv_row(1, TOWN_A), csv_row(3, TOWN_B)]);
    let file = import::prepare(good.as_bytes(), REGION, None).unwrap();
    let out = app
        .write(|conn| import::insert(conn, &admin, file))
        .expect("every row is good");
    assert_eq!(out.created, 2);
    assert_eq!(out.ids.len(), 2);
    assert_eq!(app.coop_count().await, 2);
}

#[actix_web::test]
async fn a_town_officer_imports_only_its_town_and_a_cooperative_not_at_all() {
    let app = TestApp::new().await;
    let officer = app.caller(&app.token(Role::TownOfficer));
    let own = import::authorize(&officer).unwrap();
    assert_eq!(own.as_deref(), Some(TOWN_A));
    let data = csv_file(&[csv_row(1, TOWN_A), csv_row(2, TOWN_B)]);
    let Err(err) = import::prepare(data.as_bytes(), REGION, own.as_deref()) else {
        panic!("another town's row must be refused")
    };
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("lines 3")),
        "{err:?}"
    );
    let header_only = csv_file(&[]);
    let Err(err) = import::prepare(header_only.as_bytes(), REGION, None) else {
        panic!("a file without rows must be refused")
    };
    assert!(
        matches!(err, ApiError::Validation(ref e) if e[0].code == "no_rows"),
        "{err:?}"
    );
    let own_account = app.caller(&app.token(Role::Cooperative));
    assert!(matches!(
        import::authorize(&own_account),
        Err(ApiError::Forbidden(_))
    ));
    assert!(matches!(
        import::authorize(&app.caller(&app.token(Role::Observer))),
        Err(ApiError::Forbidden(_))
    ));
}
