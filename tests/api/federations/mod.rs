//! Federations over HTTP: registration, reads, changes, roles, the view by industry; members,
//! activation and mergers in `members`; the use cases without HTTP in `service`.

mod members;
mod service;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
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
async fn one_422_names_the_field_rules_and_the_domain_checks_together() {
    let app = TestApp::new().await;
    let mut body = union_body(1);
    body["name"] = json!("");
    body["uscc"] = json!("93500119MA5U7K3L7");
    body["industry_code"] = json!("unicorns");
    body["town_code"] = json!("500119999");
    let p = app.post(PATH, &app.admin(), body).await.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["name", "uscc", "industry_code", "town_code"],
        "{p:#}"
    );
    let id = create(&app, union_body(2)).await;
    let p = app
        .patch(
            &format!("{PATH}/{id}"),
            &app.admin(),
            json!({"name": "", "uscc": null, "town_code": "500119999"}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "uscc", "town_code"], "{p:#}");
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
