//! Members: who may join, the single lead, activation, removal, and memberships moved by a
//! merger.

use coophub::db::models::federation::move_memberships;
use serde_json::json;

use super::*;
use crate::common::fixtures::people::merge;

#[actix_web::test]
async fn union_activates_with_three_cooperatives_not_two() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 3).await;
    let fed = create(&app, union_body(1)).await;
    add_coop(&app, fed, ids[0]).await.ok(201);
    add_coop(&app, fed, ids[1]).await.ok(201);
    let p = app
        .post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("it has 2"), "{p}");
    let f = app
        .get(&format!("{PATH}/{fed}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(f["status"], "forming");
    add_coop(&app, fed, ids[2]).await.ok(201);
    let f = app
        .post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .ok(200);
    assert_eq!(f["status"], "active");
    assert_eq!(f["cooperative_member_count"], 3);
    assert!(f["activated_on"].is_string());
    app.post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .problem(409);
}

#[actix_web::test]
async fn members_rules() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 2).await;
    let fed = create(&app, union_body(1)).await;
    let m = add_coop(&app, fed, ids[0]).await.ok(201);
    assert_eq!(m["name"], "南川区测试1号专业合作社");
    assert_eq!(m["role"], "member");
    // The same cooperative twice.
    add_coop(&app, fed, ids[0]).await.problem(409);
    let url = format!("{PATH}/{fed}/members");
    let admin = app.admin();
    // A union cooperative takes only cooperatives.
    app.post(
        &url,
        &admin,
        json!({"member_kind": "smallholder", "name": "李四"}),
    )
    .await
    .field_error("member_kind");
    app.post(&url, &admin, json!({"member_kind": "cooperative"}))
        .await
        .field_error("cooperative_id");
    app.post(
        &url,
        &admin,
        json!({"member_kind": "cooperative", "cooperative_id": 9999}),
    )
    .await
    .field_error("cooperative_id");
    app.post(
        &url,
        &admin,
        json!({"member_kind": "guild", "cooperative_id": ids[1]}),
    )
    .await
    .field_error("member_kind");
    app.post(
        &url,
        &admin,
        json!({"member_kind": "cooperative", "cooperative_id": ids[1], "role": "boss"}),
    )
    .await
    .field_error("role");
    app.post(
        &url,
        &admin,
        json!({"member_kind": "cooperative", "cooperative_id": ids[1], "joined_on": "2999-01-01"}),
    )
    .await
    .field_error("joined_on");
    // A merged cooperative may not join.
    merge(&app, ids[1], ids[0]).await;
    add_coop(&app, fed, ids[1])
        .await
        .field_error("cooperative_id");
    let list = app.get(&format!("{url}?count=true"), &admin).await.ok(200);
    assert_eq!(list["total"], 1);
    // Unknown federation.
    add_coop(&app, 9999, ids[0]).await.problem(404);
    app.get(&format!("{PATH}/9999/members"), &admin)
        .await
        .problem(404);
}

#[actix_web::test]
async fn consortium_joins_all_kinds_with_one_lead() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 1).await;
    let fed = create(&app, consortium_body("blueberry")).await;
    let url = format!("{PATH}/{fed}/members");
    let admin = app.admin();
    app.post(
        &url,
        &admin,
        json!({"member_kind": "company", "name": "重庆某农业公司", "role": "lead"}),
    )
    .await
    .ok(201);
    app.post(
        &url,
        &admin,
        json!({"member_kind": "family_farm", "name": "张家庭农场"}),
    )
    .await
    .ok(201);
    app.post(
        &url,
        &admin,
        json!({"member_kind": "smallholder", "name": "李四"}),
    )
    .await
    .ok(201);
    // A second lead.
    app.post(
        &url,
        &admin,
        json!({"member_kind": "cooperative", "cooperative_id": ids[0], "role": "lead"}),
    )
    .await
    .problem(409);
    // A name is required for non-cooperatives, a cooperative_id refused.
    app.post(&url, &admin, json!({"member_kind": "company"}))
        .await
        .field_error("name");
    app.post(
        &url,
        &admin,
        json!({"member_kind": "company", "name": "x", "cooperative_id": ids[0]}),
    )
    .await
    .field_error("cooperative_id");
    add_coop(&app, fed, ids[0]).await.ok(201);
    let f = app
        .post(&format!("{PATH}/{fed}/activate"), &admin, json!({}))
        .await
        .ok(200);
    assert_eq!(f["member_count"], 4);
    assert_eq!(f["cooperative_member_count"], 1);
    assert_eq!(f["status"], "active");
    // Members changes bumped the version: create + 4 members + activate.
    assert_eq!(f["version"], 6);
}

#[actix_web::test]
async fn consortium_without_lead_cannot_activate() {
    let app = TestApp::new().await;
    let fed = create(&app, consortium_body("herbal_medicine")).await;
    app.post(
        &format!("{PATH}/{fed}/members"),
        &app.admin(),
        json!({"member_kind": "smallholder", "name": "李四"}),
    )
    .await
    .ok(201);
    let p = app
        .post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("lead"));
}

#[actix_web::test]
async fn removing_keeps_an_active_union_at_three() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 4).await;
    let fed = create(&app, union_body(1)).await;
    let mut members = Vec::new();
    for id in &ids[..3] {
        members.push(
            add_coop(&app, fed, *id).await.ok(201)["id"]
                .as_i64()
                .unwrap(),
        );
    }
    // Forming: removal is free.
    delete(
        &app,
        &format!("{PATH}/{fed}/members/{}", members[2]),
        &app.admin(),
    )
    .await
    .ok(204);
    members[2] = add_coop(&app, fed, ids[2]).await.ok(201)["id"]
        .as_i64()
        .unwrap();
    app.post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .ok(200);
    // Active with 3: removing one would leave 2.
    let p = delete(
        &app,
        &format!("{PATH}/{fed}/members/{}", members[0]),
        &app.admin(),
    )
    .await
    .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("with 2"), "{p}");
    // With 4, one may go.
    add_coop(&app, fed, ids[3]).await.ok(201);
    delete(
        &app,
        &format!("{PATH}/{fed}/members/{}", members[0]),
        &app.admin(),
    )
    .await
    .ok(204);
    let f = app
        .get(&format!("{PATH}/{fed}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(f["cooperative_member_count"], 3);
    // Gone, or of another federation: 404.
    delete(
        &app,
        &format!("{PATH}/{fed}/members/{}", members[0]),
        &app.admin(),
    )
    .await
    .problem(404);
    let other = create(&app, consortium_body("blueberry")).await;
    delete(
        &app,
        &format!("{PATH}/{other}/members/{}", members[1]),
        &app.admin(),
    )
    .await
    .problem(404);
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity=federation&entity_id={fed}&action=remove_member&count=true"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["total"], 2);
}

#[actix_web::test]
async fn members_can_be_removed_on_the_collection_path() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 4).await;
    let f = create(&app, union_body(1)).await;
    for c in &ids {
        add_coop(&app, f, *c).await.ok(201);
    }
    app.send(
        actix_web::http::Method::POST,
        &format!("{PATH}/{f}/activate"),
        Some(&app.admin()),
        None,
    )
    .await
    .ok(200);
    let url = format!("{PATH}/{f}/members");
    app.delete(&url, &app.admin())
        .await
        .field_error("member_id");
    app.delete(&format!("{url}?member_id=1&cooperative_id=1"), &app.admin())
        .await
        .field_error("member_id");
    app.delete(&format!("{url}?cooperative_id=999"), &app.admin())
        .await
        .problem(404);
    app.delete(
        &format!("{url}?cooperative_id={}", ids[0]),
        &app.token(coophub::auth::Role::TownOfficer),
    )
    .await
    .problem(403);
    let r = app
        .delete(&format!("{url}?cooperative_id={}", ids[0]), &app.admin())
        .await;
    assert_eq!(r.status.as_u16(), 204);
    let members = app.get(&url, &app.admin()).await.ok(200);
    assert_eq!(members["items"].as_array().unwrap().len(), 3);
    let first = members["items"][0]["id"].as_i64().unwrap();
    // Three left in an active union: the next removal is refused.
    app.delete(&format!("{url}?member_id={first}"), &app.admin())
        .await
        .problem(409);
}

#[actix_web::test]
async fn move_memberships_moves_and_skips_duplicates() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 3).await;
    let (from, into, other) = (ids[0], ids[1], ids[2]);
    // F1: both source and target (source is lead) → skipped, target becomes lead.
    let f1 = create(&app, union_body(1)).await;
    app.post(
        &format!("{PATH}/{f1}/members"),
        &app.admin(),
        json!({"member_kind": "cooperative", "cooperative_id": from, "role": "lead"}),
    )
    .await
    .ok(201);
    add_coop(&app, f1, into).await.ok(201);
    add_coop(&app, f1, other).await.ok(201);
    // F2: only the source → moved.
    let f2 = create(&app, consortium_body("blueberry")).await;
    add_coop(&app, f2, from).await.ok(201);
    // F3: unrelated.
    let f3 = create(&app, consortium_body("herbal_medicine")).await;
    add_coop(&app, f3, other).await.ok(201);

    let outcome = {
        let mut conn = app.conn();
        move_memberships(&mut conn, from, into).unwrap()
    };
    assert_eq!(outcome.moved.len(), 1);
    assert_eq!(outcome.moved[0].federation_id, f2);
    assert_eq!(outcome.moved[0].cooperative_id, Some(into));
    assert_eq!(outcome.moved[0].name, "南川区测试2号专业合作社");
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].federation_id, f1);
    // F1 was still forming: no rule broken.
    assert!(outcome.unions_below_minimum.is_empty());

    let members = |fed: i64| {
        let app = &app;
        async move {
            app.get(&format!("{PATH}/{fed}/members"), &app.admin())
                .await
                .ok(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        m["cooperative_id"].as_i64().unwrap(),
                        m["role"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        members(f1).await,
        vec![(into, "lead".to_string()), (other, "member".to_string())]
    );
    assert_eq!(members(f2).await, vec![(into, "member".to_string())]);
    assert_eq!(members(f3).await, vec![(other, "member".to_string())]);

    // Nothing left to move; moving into itself is a no-op.
    let mut conn = app.conn();
    assert_eq!(
        move_memberships(&mut conn, from, into).unwrap(),
        Default::default()
    );
    assert_eq!(
        move_memberships(&mut conn, into, into).unwrap(),
        Default::default()
    );
}

#[actix_web::test]
async fn move_memberships_reports_an_active_union_left_below_three() {
    let app = TestApp::new().await;
    let ids = coops(&app, 1, 3).await;
    let fed = create(&app, union_body(1)).await;
    for id in &ids {
        add_coop(&app, fed, *id).await.ok(201);
    }
    let before = app
        .post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .ok(200);
    let outcome = {
        let mut conn = app.conn();
        move_memberships(&mut conn, ids[0], ids[1]).unwrap()
    };
    assert!(outcome.moved.is_empty());
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.unions_below_minimum, vec![fed]);
    let after = app
        .get(&format!("{PATH}/{fed}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(after["cooperative_member_count"], 2);
    assert!(after["version"].as_i64().unwrap() > before["version"].as_i64().unwrap());
}
