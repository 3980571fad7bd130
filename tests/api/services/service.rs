//! The service center's use cases called directly, without HTTP: the order state machine,
//! who may cancel, the fee and rating rules, and an unknown stored status.

use coophub::auth::Role;
use coophub::domain::service_order::OrderStatus;
use coophub::error::ApiError;
use coophub::service::orders;
use coophub::views::orders::{CancelIn, CompleteIn, OrderCreate, RatingIn};

use crate::common::fixtures::books::coop_token;
use crate::common::{exec, TestApp, TOWN_A};

fn fields(e: &ApiError) -> Vec<(String, String)> {
    match e {
        ApiError::Validation(v) => v
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[actix_web::test]
async fn an_illegal_transition_is_a_conflict_and_changes_nothing() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let id = app.order_at(c, "bookkeeping", "submitted").await["id"]
        .as_i64()
        .unwrap();
    let staff = app.caller(&app.token(Role::ServiceCenter));
    let err = app
        .write(|conn| orders::start(conn, &staff, id))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m == "an order that is submitted cannot be started"),
        "{err:?}"
    );
    let complete = CompleteIn {
        fee_fen: Some(1),
        result_note: None,
    };
    let err = app
        .write(|conn| orders::complete(conn, &staff, id, complete))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
    let out = app.write(|conn| orders::get(conn, &staff, id)).unwrap();
    assert_eq!(out.status, OrderStatus::Submitted);
    assert_eq!(out.version, 1, "nothing was written");

    let accepted = app
        .write(|conn| orders::accept(conn, &staff, id, None))
        .unwrap();
    assert_eq!(accepted.status, OrderStatus::Accepted);
    assert!(accepted.accepted_at.is_some());
    let err = app
        .write(|conn| orders::accept(conn, &staff, id, None))
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict(_)), "{err:?}");
}

#[actix_web::test]
async fn only_staff_move_orders_and_cancel_after_acceptance() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let own = app.caller(&coop_token(&app, c));
    let staff = app.caller(&app.token(Role::ServiceCenter));
    let body = OrderCreate {
        cooperative_id: c,
        service_type: "bookkeeping".into(),
        description: "代理记账".into(),
    };
    let err = app
        .write(|conn| orders::place(conn, &staff, body.clone()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(_)),
        "staff do not place orders"
    );
    let id = app
        .write(|conn| orders::place(conn, &own, body))
        .unwrap()
        .id;
    let err = app
        .write(|conn| orders::accept(conn, &own, id, None))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    app.write(|conn| orders::accept(conn, &staff, id, None))
        .unwrap();
    let reason = || CancelIn {
        reason: " 不需要了 ".into(),
    };
    let err = app
        .write(|conn| orders::cancel(conn, &own, id, reason()))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Forbidden(ref m) if m.contains("only the service center")),
        "{err:?}"
    );
    let out = app
        .write(|conn| orders::cancel(conn, &staff, id, reason()))
        .unwrap();
    assert_eq!(out.status, OrderStatus::Cancelled);
    assert_eq!(out.cancel_reason.as_deref(), Some("不需要了"));
}

#[actix_web::test]
async fn fees_and_ratings_follow_the_rules() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let staff = app.caller(&app.token(Role::ServiceCenter));
    let paid = app.order_at(c, "bookkeeping", "in_progress").await["id"]
        .as_i64()
        .unwrap();
    let no_fee = CompleteIn {
        fee_fen: None,
        result_note: None,
    };
    let err = app
        .write(|conn| orders::complete(conn, &staff, paid, no_fee))
        .unwrap_err();
    assert_eq!(fields(&err), [("fee_fen".into(), "required".into())]);
    let free = app.order_at(c, "registration", "in_progress").await["id"]
        .as_i64()
        .unwrap();
    let charged = CompleteIn {
        fee_fen: Some(5),
        result_note: None,
    };
    let err = app
        .write(|conn| orders::complete(conn, &staff, free, charged))
        .unwrap_err();
    assert_eq!(fields(&err), [("fee_fen".into(), "free_service".into())]);
    let done = app
        .write(|conn| {
            orders::complete(
                conn,
                &staff,
                free,
                CompleteIn {
                    fee_fen: None,
                    result_note: Some("办结".into()),
                },
            )
        })
        .unwrap();
    assert_eq!(done.fee_fen, Some(0), "a free service records 0");

    let own = app.caller(&coop_token(&app, c));
    let rating = |score| RatingIn {
        score,
        comment: None,
    };
    let err = app
        .write(|conn| orders::rate(conn, &own, paid, rating(5)))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("in_progress")),
        "{err:?}"
    );
    let err = app
        .write(|conn| orders::rate(conn, &staff, free, rating(5)))
        .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden(_)), "{err:?}");
    let rated = app
        .write(|conn| orders::rate(conn, &own, free, rating(4)))
        .unwrap();
    assert_eq!(rated.rating.map(|r| r.score), Some(4));
    let err = app
        .write(|conn| orders::rate(conn, &own, free, rating(5)))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Conflict(ref m) if m.contains("already been rated")),
        "{err:?}"
    );
}

#[actix_web::test]
async fn an_unknown_stored_status_is_an_error_not_submitted() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let id = app.order_at(c, "bookkeeping", "submitted").await["id"]
        .as_i64()
        .unwrap();
    // A corrupt row: no use case writes a status outside the vocabulary.
    exec(
        &mut app.conn(),
        &format!("UPDATE service_orders SET status = 'lost' WHERE id = {id}"),
    );
    let staff = app.caller(&app.token(Role::ServiceCenter));
    let err = app.write(|conn| orders::get(conn, &staff, id)).unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(ref m) if m.contains("lost")),
        "{err:?}"
    );
    let err = app
        .write(|conn| orders::accept(conn, &staff, id, None))
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Internal(_)),
        "an unknown status must not be accepted as submitted: {err:?}"
    );
}
