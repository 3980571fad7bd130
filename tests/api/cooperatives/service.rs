//! The registry's use cases called directly, without HTTP: the rules hold at the service
//! layer whatever front end calls it.

use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use coophub::error::ApiError;
use coophub::service::cooperatives;
use coophub::views::cooperatives::{CooperativeCreate, CooperativePatch};

use crate::common::{coop_body, exec, TestApp, REGION, TOWN_A, TOWN_B};

fn create_body(n: u32, town: &str) -> CooperativeCreate {
    serde_json::from_value(coop_body(n, town)).expect("a valid body")
}

#[actix_web::test]
async fn a_town_officer_registers_only_in_its_own_town_and_nothing_is_written_otherwise() {
    let app = TestApp::new().await;
    let officer = app.caller(&app.token(Role::TownOfficer));
    let err = app
        .write(|conn| cooperatives::create(conn, &officer, REGION, create_body(1, TOWN_B)))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let out = app
        .write(|conn| cooperatives::create(conn, &officer, REGION, create_body(2, TOWN_A)))
        .expect("its own town");
    assert_eq!(out.town_code, TOWN_A);
    assert_eq!(out.version, 1);
    let admin = app.caller(&app.admin());
    let list = app
        .write(|conn| cooperatives::list(conn, &admin, &Default::default(), page(50)))
        .unwrap();
    assert_eq!(
        list.items.len(),
        1,
        "the refused registration wrote nothing"
    );
}

#[actix_web::test]
async fn a_cooperative_changes_only_its_contact_fields() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.caller(&app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(id),
            ..Default::default()
        },
    ));
    let name: CooperativePatch =
        serde_json::from_value(serde_json::json!({"name": "新名"})).unwrap();
    let err = app
        .write(|conn| cooperatives::update(conn, &own, REGION, id, None, name))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("name")),
        "{err:?}"
    );
    let phone: CooperativePatch =
        serde_json::from_value(serde_json::json!({"phone": "+86 139 0000 1111"})).unwrap();
    let out = app
        .write(|conn| cooperatives::update(conn, &own, REGION, id, Some(1), phone))
        .unwrap();
    assert_eq!(out.phone, "13900001111", "normalised");
    assert_eq!(out.version, 2);
}

#[actix_web::test]
async fn a_stale_version_is_refused_and_an_unknown_stored_status_is_an_error_not_a_default() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let admin = app.caller(&app.admin());
    let patch: CooperativePatch =
        serde_json::from_value(serde_json::json!({"address": "金山村5组"})).unwrap();
    let err = app
        .write(|conn| cooperatives::update(conn, &admin, REGION, id, Some(7), patch))
        .unwrap_err();
    assert!(matches!(err, ApiError::PreconditionFailed), "{err:?}");

    exec(
        &mut app.conn(),
        &format!("UPDATE cooperatives SET status = 'dormant' WHERE id = {id}"),
    );
    let err = app
        .write(|conn| cooperatives::get(conn, &admin, id))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("dormant")),
        "an unknown status must fail loudly, got {err:?}"
    );
}

fn page(limit: i64) -> coophub::views::pagination::Page {
    coophub::views::pagination::Page {
        limit,
        after: None,
        count: false,
    }
}
