//! The member ledger's use cases called directly, without HTTP.

use coophub::error::ApiError;
use coophub::service::members;
use coophub::views::members::{ExitParams, MemberFilterParams, MemberPatch};
use coophub::views::pagination::PageParams;

use crate::common::fixtures::registry::member_create;
use crate::common::{id_number, TestApp, TOWN_A};

fn field_code(err: &ApiError, field: &str) -> Option<String> {
    match err {
        ApiError::Validation(errors) => errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.code.clone()),
        _ => None,
    }
}

#[actix_web::test]
async fn a_farmer_needs_an_id_number_and_nothing_is_written_without_one() {
    let app = TestApp::new().await;
    let coop = app.coop_id(1, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let mut farmer = member_create(1, "farmer");
    farmer.id_number = None;
    let err = app
        .write(|conn| members::add(conn, &admin, coop, farmer))
        .unwrap_err();
    assert_eq!(field_code(&err, "id_number").as_deref(), Some("required"));
    let mut bad = member_create(1, "farmer");
    bad.id_number = Some("500119201003070027".into());
    let err = app
        .write(|conn| members::add(conn, &admin, coop, bad))
        .unwrap_err();
    assert_eq!(field_code(&err, "id_number").as_deref(), Some("checksum"));
    // Other member types may go without.
    let enterprise = app
        .write(|conn| members::add(conn, &admin, coop, member_create(2, "enterprise")))
        .unwrap();
    assert_eq!(enterprise.id_number_masked, None);
    let list = app
        .write(|conn| {
            members::list(
                conn,
                &admin,
                coop,
                &MemberFilterParams::default(),
                &PageParams::default(),
            )
        })
        .unwrap();
    assert_eq!(list.items.len(), 1, "only the enterprise was added");
}

#[actix_web::test]
async fn a_duplicate_active_id_number_in_one_cooperative_is_409() {
    let app = TestApp::new().await;
    let coop = app.coop_id(1, TOWN_A).await;
    let other = app.coop_id(2, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let first = app
        .write(|conn| members::add(conn, &admin, coop, member_create(1, "farmer")))
        .unwrap();
    let err = app
        .write(|conn| members::add(conn, &admin, coop, member_create(1, "farmer")))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    // Another cooperative may have the same person.
    app.write(|conn| members::add(conn, &admin, other, member_create(1, "farmer")))
        .unwrap();
    // Changing another member to that number is refused too.
    let second = app
        .write(|conn| members::add(conn, &admin, coop, member_create(2, "farmer")))
        .unwrap();
    let patch = MemberPatch {
        id_number: Some(id_number(1)),
        ..Default::default()
    };
    let err = app
        .write(|conn| members::update(conn, &admin, coop, second.id, None, patch))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    // Once the first has exited, the number is free again.
    app.write(|conn| members::exit(conn, &admin, coop, first.id, ExitParams::default()))
        .unwrap();
    app.write(|conn| members::add(conn, &admin, coop, member_create(1, "farmer")))
        .expect("free after the exit");
}

#[actix_web::test]
async fn an_exit_keeps_the_history_and_closes_the_record() {
    let app = TestApp::new().await;
    let coop = app.coop_id(1, TOWN_A).await;
    let admin = app.caller(&app.admin());
    let m = app
        .write(|conn| members::add(conn, &admin, coop, member_create(1, "farmer")))
        .unwrap();
    let on = |d: &str| ExitParams {
        exited_on: Some(d.parse().unwrap()),
        reason: Some("moved".into()),
        ..Default::default()
    };
    let err = app
        .write(|conn| members::exit(conn, &admin, coop, m.id, on("2999-01-01")))
        .unwrap_err();
    assert_eq!(field_code(&err, "exited_on").as_deref(), Some("future"));
    let err = app
        .write(|conn| members::exit(conn, &admin, coop, m.id, on("2019-01-01")))
        .unwrap_err();
    assert_eq!(
        field_code(&err, "exited_on").as_deref(),
        Some("before_joining")
    );
    let exited = app
        .write(|conn| members::exit(conn, &admin, coop, m.id, on("2024-05-01")))
        .unwrap();
    let exited = exited.member;
    assert!(!exited.active);
    assert_eq!(exited.exited_on, Some("2024-05-01".parse().unwrap()));
    assert_eq!(exited.exit_reason.as_deref(), Some("moved"));
    assert_eq!(exited.version, m.version + 1);
    let err = app
        .write(|conn| members::exit(conn, &admin, coop, m.id, ExitParams::default()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    let err = app
        .write(|conn| {
            members::update(
                conn,
                &admin,
                coop,
                m.id,
                None,
                MemberPatch {
                    name: Some("x".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    // The ledger still shows the member, among those who exited.
    let exited_only = MemberFilterParams {
        active: Some(false),
        ..Default::default()
    };
    let list = app
        .write(|conn| members::list(conn, &admin, coop, &exited_only, &PageParams::default()))
        .unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].id, m.id);
    let got = app
        .write(|conn| members::get(conn, &admin, coop, m.id))
        .unwrap();
    assert_eq!(got.exited_on, exited.exited_on);
}
