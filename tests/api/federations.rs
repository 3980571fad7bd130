use actix_web::http::Method;
use actix_web::test::TestRequest;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use coophub::db::models::federation::move_memberships;
use serde_json::{json, Value};

use crate::common::{uscc, TestApp, TOWN_A};

const PATH: &str = "/api/v1/federations";

fn union_body(n: u32) -> Value {
    json!({
        "name": format!("南川区古树茶专业合作社联合社{n}"),
        "kind": "union_cooperative",
        "industry_code": "ancient_tree_tea",
        "uscc": uscc(900 + n),
        "town_code": TOWN_A
    })
}

fn consortium_body(industry: &str) -> Value {
    json!({"name": "南川区蓝莓产业化联合体", "kind": "industrial_consortium", "industry_code": industry})
}

async fn create(app: &TestApp, body: Value) -> i64 {
    app.post(PATH, &app.admin(), body).await.ok(201)["id"]
        .as_i64()
        .unwrap()
}

async fn add_coop(app: &TestApp, fed: i64, coop: i64) -> crate::common::Resp {
    app.post(
        &format!("{PATH}/{fed}/members"),
        &app.admin(),
        json!({"member_kind": "cooperative", "cooperative_id": coop}),
    )
    .await
}

/// Registers `n` cooperatives numbered from `from`; returns their ids.
async fn coops(app: &TestApp, from: u32, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in from..from + n {
        ids.push(app.create_coop(i, TOWN_A).await["id"].as_i64().unwrap());
    }
    ids
}

async fn delete(app: &TestApp, path: &str, token: &str) -> crate::common::Resp {
    app.send(Method::DELETE, path, Some(token), None).await
}

#[actix_web::test]
async fn create_get_and_audit() {
    let app = TestApp::new().await;
    let r = app.post(PATH, &app.admin(), union_body(1)).await;
    let f = r.ok(201);
    let id = f["id"].as_i64().unwrap();
    assert_eq!(r.header("location").unwrap(), format!("{PATH}/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(f["status"], "forming");
    assert_eq!(f["kind"], "union_cooperative");
    assert_eq!(f["uscc"], uscc(901));
    assert_eq!(f["member_count"], 0);
    assert_eq!(f["has_lead"], false);
    assert_eq!(
        app.get(&format!("{PATH}/{id}"), &app.admin()).await.ok(200),
        f
    );
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity=federation&entity_id={id}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["items"][0]["action"], "create");
    // A consortium needs no USCC.
    let c = app
        .post(PATH, &app.admin(), consortium_body("blueberry"))
        .await
        .ok(201);
    assert_eq!(c["uscc"], Value::Null);
    assert_eq!(c["town_code"], Value::Null);
}

#[actix_web::test]
async fn bad_input_is_422_naming_the_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let not_coop = coophub::domain::uscc::complete("91500119MA5U7K3L7").unwrap();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("kind", json!("guild"), "kind"),
        ("industry_code", json!("unicorns"), "industry_code"),
        ("town_code", json!("500119999"), "town_code"),
        ("uscc", json!(not_coop), "uscc"),
        ("uscc", json!("93500119MA5U7K3L7"), "uscc"),
        ("uscc", Value::Null, "uscc"),
        ("name", json!(""), "name"),
    ];
    for (key, value, field) in cases {
        let mut body = union_body(1);
        body[key] = value;
        app.post(PATH, &app.admin(), body).await.field_error(field);
    }
    let mut body = consortium_body("blueberry");
    body["uscc"] = json!("not-a-code");
    app.post(PATH, &app.admin(), body).await.field_error("uscc");
    let mut body = union_body(1);
    body["extra"] = json!(1);
    app.post(PATH, &app.admin(), body).await.problem(400);
    let list = app
        .get(&format!("{PATH}?count=true"), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 0);
}

#[actix_web::test]
async fn duplicate_uscc_is_409_against_federations_and_cooperatives() {
    let app = TestApp::new().await;
    create(&app, union_body(1)).await;
    let mut again = union_body(1);
    again["name"] = json!("另一个");
    app.post(PATH, &app.admin(), again).await.problem(409);
    let c = app.create_coop(5, TOWN_A).await;
    let mut body = union_body(2);
    body["uscc"] = c["uscc"].clone();
    app.post(PATH, &app.admin(), body).await.problem(409);
}

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
    crate::common::exec(
        &mut app.conn(),
        &format!(
            "UPDATE cooperatives SET status = 'merged' WHERE id = {}",
            ids[1]
        ),
    );
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
async fn by_industry_shows_what_is_covered() {
    let app = TestApp::new().await;
    let view = app
        .get(&format!("{PATH}/by-industry"), &app.admin())
        .await
        .ok(200);
    assert_eq!(view["specialty_total"], 5);
    assert_eq!(view["specialty_covered"], 0);
    assert_eq!(
        view["specialty_industries_without_federation"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // An active union for tea; a consortium for blueberries still forming.
    let ids = coops(&app, 1, 3).await;
    let fed = create(&app, union_body(1)).await;
    for id in &ids {
        add_coop(&app, fed, *id).await.ok(201);
    }
    app.post(&format!("{PATH}/{fed}/activate"), &app.admin(), json!({}))
        .await
        .ok(200);
    create(&app, consortium_body("blueberry")).await;
    let view = app
        .get(&format!("{PATH}/by-industry"), &app.token(Role::Observer))
        .await
        .ok(200);
    assert_eq!(view["specialty_covered"], 1);
    let without: Vec<&str> = view["specialty_industries_without_federation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        without,
        vec![
            "herbal_medicine",
            "square_bamboo_shoot",
            "nanchuan_rice",
            "blueberry"
        ]
    );
    let tea = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["industry_code"] == "ancient_tree_tea")
        .unwrap();
    assert_eq!(tea["covered"], true);
    assert_eq!(tea["active_union_cooperatives"], 1);
    let blue = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["industry_code"] == "blueberry")
        .unwrap();
    assert_eq!(blue["covered"], false);
    assert_eq!(blue["federations"][0]["status"], "forming");
}

#[actix_web::test]
async fn list_filters() {
    let app = TestApp::new().await;
    create(&app, union_body(1)).await;
    create(&app, consortium_body("blueberry")).await;
    let admin = app.admin();
    let count = |q: &str| format!("{PATH}?count=true&{q}");
    assert_eq!(
        app.get(&count("kind=industrial_consortium"), &admin)
            .await
            .ok(200)["total"],
        1
    );
    assert_eq!(
        app.get(&count("industry=ancient_tree_tea"), &admin)
            .await
            .ok(200)["total"],
        1
    );
    assert_eq!(
        app.get(&count(&format!("town_code={TOWN_A}")), &admin)
            .await
            .ok(200)["total"],
        1
    );
    assert_eq!(
        app.get(&count("status=active"), &admin).await.ok(200)["total"],
        0
    );
    app.get(&count("kind=guild"), &admin).await.problem(400);
    app.get(&format!("{PATH}?limit=0"), &admin)
        .await
        .field_error("limit");
}

#[actix_web::test]
async fn patch_changes_and_honours_if_match() {
    let app = TestApp::new().await;
    let fed = create(&app, union_body(1)).await;
    let url = format!("{PATH}/{fed}");
    let f = app
        .patch(
            &url,
            &app.admin(),
            json!({"name": "新名字", "town_code": null}),
        )
        .await
        .ok(200);
    assert_eq!(f["name"], "新名字");
    assert_eq!(f["town_code"], Value::Null);
    assert_eq!(f["version"], 2);
    app.patch(&url, &app.admin(), json!({"uscc": null}))
        .await
        .field_error("uscc");
    app.patch(&url, &app.admin(), json!({"industry_code": "x"}))
        .await
        .field_error("industry_code");
    app.patch(&url, &app.admin(), json!({"kind": "industrial_consortium"}))
        .await
        .problem(400);
    let stale = TestRequest::patch()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"name": "x"}));
    app.request(stale).await.problem(412);
    app.patch(&format!("{PATH}/9999"), &app.admin(), json!({"name": "x"}))
        .await
        .problem(404);
}

#[actix_web::test]
async fn roles_read_or_are_refused() {
    let app = TestApp::new().await;
    let fed = create(&app, union_body(1)).await;
    let counselor = app.add_counselor(&[TOWN_A]);
    let readers = [
        app.token(Role::TownOfficer),
        app.token_for(
            Role::Counselor,
            Subject {
                counselor_id: Some(counselor),
                ..Default::default()
            },
        ),
        app.token(Role::Cooperative),
        app.token(Role::Observer),
    ];
    for t in &readers {
        app.get(PATH, t).await.ok(200);
        app.get(&format!("{PATH}/{fed}"), t).await.ok(200);
        app.get(&format!("{PATH}/{fed}/members"), t).await.ok(200);
        app.get(&format!("{PATH}/by-industry"), t).await.ok(200);
        app.post(PATH, t, union_body(2)).await.problem(403);
        app.patch(&format!("{PATH}/{fed}"), t, json!({"name": "x"}))
            .await
            .problem(403);
        app.post(&format!("{PATH}/{fed}/activate"), t, json!({}))
            .await
            .problem(403);
        app.post(
            &format!("{PATH}/{fed}/members"),
            t,
            json!({"member_kind": "cooperative", "cooperative_id": 1}),
        )
        .await
        .problem(403);
        delete(&app, &format!("{PATH}/{fed}/members/1"), t)
            .await
            .problem(403);
    }
    for role in [Role::BankPartner, Role::ServiceCenter] {
        let t = app.token(role);
        app.get(PATH, &t).await.problem(403);
        app.get(&format!("{PATH}/{fed}"), &t).await.problem(403);
        app.get(&format!("{PATH}/by-industry"), &t)
            .await
            .problem(403);
        app.get(&format!("{PATH}/{fed}/members"), &t)
            .await
            .problem(403);
    }
    app.send(Method::GET, PATH, None, None).await.problem(401);
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
