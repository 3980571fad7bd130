//! The federations' use cases called directly, without HTTP: a union's members are
//! cooperatives that still operate, activation and removal keep a union at three, one lead.
//! (The database's CHECK constraints keep unknown kinds, statuses and roles out of these
//! tables; the counselor tests show an unknown stored value failing loudly.)

use coophub::error::ApiError;
use coophub::service::federations;
use coophub::views::federations::{FederationCreate, FederationMemberCreate};
use serde_json::{json, Value};

use super::{consortium_body, coops, union_body};
use crate::common::exec;
use crate::common::fixtures::people::merge;
use crate::common::{TestApp, REGION};

fn member(v: Value) -> FederationMemberCreate {
    serde_json::from_value(v).expect("a member body")
}

fn cooperative(id: i64) -> FederationMemberCreate {
    member(json!({"member_kind": "cooperative", "cooperative_id": id}))
}

fn field_code(err: &ApiError, field: &str) -> Option<String> {
    match err {
        ApiError::Validation(v) => v.iter().find(|e| e.field == field).map(|e| e.code.clone()),
        _ => None,
    }
}

fn register(app: &TestApp, body: Value) -> i64 {
    let admin = app.caller(&app.admin());
    let body: FederationCreate = serde_json::from_value(body).unwrap();
    app.write(|conn| federations::create(conn, &admin, REGION, body))
        .expect("registered")
        .id
}

#[actix_web::test]
async fn a_union_takes_cooperatives_only_and_activates_with_three() {
    let app = TestApp::new().await;
    let admin = app.caller(&app.admin());
    let ids = coops(&app, 1, 3).await;
    let union = register(&app, union_body(1));
    let err = app
        .write(|conn| {
            federations::add_member(
                conn,
                &admin,
                union,
                member(json!({"member_kind": "company", "name": "茶叶公司"})),
            )
        })
        .unwrap_err();
    assert_eq!(
        field_code(&err, "member_kind").as_deref(),
        Some("not_allowed")
    );
    for id in &ids[..2] {
        app.write(|conn| federations::add_member(conn, &admin, union, cooperative(*id)))
            .unwrap();
    }
    let err = app
        .write(|conn| federations::activate(conn, &admin, union))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("it has 2")),
        "{err:?}"
    );
    app.write(|conn| federations::add_member(conn, &admin, union, cooperative(ids[2])))
        .unwrap();
    let active = app
        .write(|conn| federations::activate(conn, &admin, union))
        .unwrap();
    assert_eq!(active.cooperative_member_count, 3);
    // An active union keeps three: no member may leave now.
    let first = app
        .write(|conn| federations::list_members(conn, &admin, union, &Default::default()))
        .unwrap()
        .items[0]
        .id;
    let err = app
        .write(|conn| federations::remove_member(conn, &admin, union, first))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
}

#[actix_web::test]
async fn a_merged_or_deregistered_cooperative_cannot_join() {
    let app = TestApp::new().await;
    let admin = app.caller(&app.admin());
    let ids = coops(&app, 1, 3).await;
    let consortium = register(&app, consortium_body("blueberry"));
    merge(&app, ids[1], ids[0]).await;
    let err = app
        .write(|conn| federations::add_member(conn, &admin, consortium, cooperative(ids[1])))
        .unwrap_err();
    assert_eq!(
        field_code(&err, "cooperative_id").as_deref(),
        Some("inactive")
    );
    // Deregistration has no door in this API yet: the state is written directly.
    exec(
        &mut app.conn(),
        &format!(
            "UPDATE cooperatives SET status = 'deregistered' WHERE id = {}",
            ids[2]
        ),
    );
    let err = app
        .write(|conn| federations::add_member(conn, &admin, consortium, cooperative(ids[2])))
        .unwrap_err();
    assert_eq!(
        field_code(&err, "cooperative_id").as_deref(),
        Some("inactive")
    );
    let ok = app
        .write(|conn| federations::add_member(conn, &admin, consortium, cooperative(ids[0])))
        .unwrap();
    assert_eq!(ok.cooperative_id, Some(ids[0]));
    // The single lead.
    let lead = || member(json!({"member_kind": "company", "name": "蓝莓公司", "role": "lead"}));
    app.write(|conn| federations::add_member(conn, &admin, consortium, lead()))
        .unwrap();
    let err = app
        .write(|conn| federations::add_member(conn, &admin, consortium, lead()))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
}
