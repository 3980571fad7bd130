//! The counselor corps over HTTP: records, who sees whom, logins; coverage, trainings and
//! visits in `activity`, evaluations and rankings in `evaluations`; the use cases without
//! HTTP in `service`.

mod activity;
mod evaluations;
mod service;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use chrono::{Datelike, Utc};
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{TestApp, TOWN_A, TOWN_B};

const PATH: &str = "/api/v1/counselors";

fn body(towns: &[&str]) -> Value {
    json!({
        "name": "王辅导",
        "phone": "+86 139-0000-1111",
        "source": "agri_tech_instructor",
        "level": "town",
        "town_codes": towns
    })
}

async fn create(app: &TestApp, b: Value) -> i64 {
    app.post(PATH, &app.admin(), b).await.ok(201)["id"]
        .as_i64()
        .unwrap()
}

fn counselor_token(app: &TestApp, id: i64) -> String {
    app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(id),
            ..Default::default()
        },
    )
}

fn coop_token(app: &TestApp, id: i64) -> String {
    app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(id),
            ..Default::default()
        },
    )
}

fn visit(coop: i64) -> Value {
    json!({"cooperative_id": coop, "visited_on": "2026-01-10", "topics": ["年报"], "findings": "2025年报尚未公示", "follow_up": "月底复查"})
}

fn this_year() -> i32 {
    Utc::now().year()
}

async fn put(app: &TestApp, path: &str, token: &str, b: Value) -> crate::common::Resp {
    app.send(Method::PUT, path, Some(token), Some(b)).await
}

#[actix_web::test]
async fn create_get_list_and_patch() {
    let app = TestApp::new().await;
    let r = app.post(PATH, &app.admin(), body(&[TOWN_A, TOWN_B])).await;
    let c = r.ok(201);
    let id = c["id"].as_i64().unwrap();
    assert_eq!(r.header("location").unwrap(), format!("{PATH}/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(c["phone"], "13900001111");
    assert_eq!(c["active"], true);
    assert_eq!(c["area"], Value::Null);
    let mut towns = vec![TOWN_A, TOWN_B];
    towns.sort();
    assert_eq!(c["town_codes"], json!(towns));
    assert_eq!(
        app.get(&format!("{PATH}/{id}"), &app.admin()).await.ok(200),
        c
    );

    let mut d = body(&[TOWN_B]);
    d["level"] = json!("district");
    d["source"] = json!("first_secretary");
    d["area"] = json!("东片区");
    create(&app, d).await;
    let admin = app.admin();
    let count = |q: &str| format!("{PATH}?count=true&{q}");
    assert_eq!(app.get(&count(""), &admin).await.ok(200)["total"], 2);
    assert_eq!(
        app.get(&count(&format!("town_code={TOWN_A}")), &admin)
            .await
            .ok(200)["total"],
        1
    );
    assert_eq!(
        app.get(&count("level=district"), &admin).await.ok(200)["total"],
        1
    );
    assert_eq!(
        app.get(&count("source=agri_tech_instructor"), &admin)
            .await
            .ok(200)["total"],
        1
    );
    app.get(&count("level=village"), &admin).await.problem(400);

    let url = format!("{PATH}/{id}");
    let p = app
        .patch(
            &url,
            &admin,
            json!({"town_codes": [TOWN_B], "name": "王新"}),
        )
        .await
        .ok(200);
    assert_eq!(p["town_codes"], json!([TOWN_B]));
    assert_eq!(p["version"], 2);
    let stale = TestRequest::patch()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {admin}")))
        .insert_header(("If-Match", "\"1\""))
        .set_json(json!({"name": "x"}));
    app.request(stale).await.problem(412);
    app.patch(&url, &admin, json!({"area": "西片区"}))
        .await
        .field_error("area");
    let p = app
        .patch(&url, &admin, json!({"level": "district", "area": "西片区"}))
        .await
        .ok(200);
    assert_eq!(p["area"], "西片区");
    app.patch(&url, &admin, json!({"town_codes": []}))
        .await
        .field_error("town_codes");
    app.patch(&format!("{PATH}/9999"), &admin, json!({"name": "x"}))
        .await
        .problem(404);
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity=counselor&entity_id={id}&count=true"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(audit["total"], 3);
}

#[actix_web::test]
async fn bad_input_is_422_naming_the_field() {
    let app = TestApp::new().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("source", json!("volunteer"), "source"),
        ("level", json!("village"), "level"),
        ("phone", json!("12345"), "phone"),
        ("town_codes", json!([]), "town_codes"),
        ("town_codes", json!([TOWN_A, "500119999"]), "town_codes.1"),
        ("area", json!("东片区"), "area"),
        ("name", json!(""), "name"),
    ];
    for (key, value, field) in cases {
        let mut b = body(&[TOWN_A]);
        b[key] = value;
        app.post(PATH, &app.admin(), b).await.field_error(field);
    }
    let list = app
        .get(&format!("{PATH}?count=true"), &app.admin())
        .await
        .ok(200);
    assert_eq!(list["total"], 0);
}

#[actix_web::test]
async fn who_sees_which_counselors() {
    let app = TestApp::new().await;
    let a = create(&app, body(&[TOWN_A])).await;
    let b = create(&app, body(&[TOWN_B])).await;
    // A counselor: only themselves.
    let t = counselor_token(&app, a);
    let list = app.get(PATH, &t).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], a);
    app.get(&format!("{PATH}/{a}"), &t).await.ok(200);
    app.get(&format!("{PATH}/{b}"), &t).await.problem(404);
    app.get(&format!("{PATH}/{b}/visits"), &t)
        .await
        .problem(404);
    // A cooperative: the counselors of its town.
    let coop = app.create_coop(1, TOWN_B).await["id"].as_i64().unwrap();
    let ct = coop_token(&app, coop);
    let list = app.get(PATH, &ct).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], b);
    app.get(&format!("{PATH}/{a}"), &ct).await.problem(404);
    app.get(&format!("{PATH}/{b}/trainings"), &ct).await.ok(200);
    // Town officers and observers read every counselor.
    for role in [Role::TownOfficer, Role::Observer] {
        let t = app.token(role);
        assert_eq!(
            app.get(PATH, &t).await.ok(200)["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        app.get(&format!("{PATH}/{b}/evaluations"), &t)
            .await
            .ok(200);
    }
    // Banks and the service center: no.
    for role in [Role::BankPartner, Role::ServiceCenter] {
        let t = app.token(role);
        for p in ["", "/coverage", "/rankings?year=2025"] {
            app.get(&format!("{PATH}{p}"), &t).await.problem(403);
        }
        app.get(&format!("{PATH}/{a}"), &t).await.problem(403);
        app.get(&format!("/api/v1/cooperatives/{coop}/visits"), &t)
            .await
            .problem(403);
    }
    // Nobody but the district manages counselors, a counselor not even themselves.
    for t in [
        app.token(Role::TownOfficer),
        app.token(Role::Observer),
        ct.clone(),
        counselor_token(&app, a),
    ] {
        app.post(PATH, &t, body(&[TOWN_A])).await.problem(403);
        app.patch(&format!("{PATH}/{a}"), &t, json!({"name": "x"}))
            .await
            .problem(403);
        app.post(
            &format!("{PATH}/{a}/trainings"),
            &t,
            json!({"title": "t", "held_on": "2026-01-01", "hours": 2}),
        )
        .await
        .problem(403);
        put(
            &app,
            &format!("{PATH}/{a}/evaluations/2025"),
            &t,
            json!({"score": 90, "rating": "excellent"}),
        )
        .await
        .problem(403);
    }
}

#[actix_web::test]
async fn a_counselor_login_reads_covered_towns_and_records_visits() {
    let app = TestApp::new().await;
    let id = create(&app, body(&[TOWN_A])).await;
    let home = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let away = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let url = format!("{PATH}/{id}/login");
    let creds = json!({"username": "wang.fudao", "password": "a long password"});
    let made = app.post(&url, &app.admin(), creds.clone()).await.ok(201);
    assert_eq!(made["role"], "counselor");
    assert_eq!(made["counselor_id"], id);
    assert!(made.get("password").is_none());
    // One login per counselor, one user per name.
    app.post(
        &url,
        &app.admin(),
        json!({"username": "other.name", "password": "a long password"}),
    )
    .await
    .problem(409);
    let other = create(&app, body(&[TOWN_B])).await;
    app.post(
        &format!("{PATH}/{other}/login"),
        &app.admin(),
        creds.clone(),
    )
    .await
    .problem(409);
    app.post(
        &format!("{PATH}/{other}/login"),
        &app.admin(),
        json!({"username": "x.y.z", "password": "short"}),
    )
    .await
    .field_error("password");
    app.post(
        &format!("{PATH}/{other}/login"),
        &app.admin(),
        json!({"username": "a b", "password": "a long password"}),
    )
    .await
    .field_error("username");
    app.post(
        &format!("{PATH}/9999/login"),
        &app.admin(),
        json!({"username": "nobody", "password": "a long password"}),
    )
    .await
    .problem(404);
    app.post(
        &format!("{PATH}/{other}/login"),
        &app.token(Role::TownOfficer),
        json!({"username": "nobody", "password": "a long password"}),
    )
    .await
    .problem(403);

    let token = app
        .send(Method::POST, "/api/v1/auth/login", None, Some(creds))
        .await
        .ok(200)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let coops = app.get("/api/v1/cooperatives", &token).await.ok(200);
    let ids: Vec<i64> = coops["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![home]);
    app.get(&format!("/api/v1/cooperatives/{away}"), &token)
        .await
        .problem(404);
    app.post(
        "/api/v1/cooperatives",
        &token,
        crate::common::coop_body(3, TOWN_A),
    )
    .await
    .problem(403);
    app.post(&format!("{PATH}/{id}/visits"), &token, visit(home))
        .await
        .ok(201);
    app.post(&format!("{PATH}/{id}/visits"), &token, visit(away))
        .await
        .problem(404);
    // Coverage moves, and the login's scope with it.
    app.patch(
        &format!("{PATH}/{id}"),
        &app.admin(),
        json!({"town_codes": [TOWN_B]}),
    )
    .await
    .ok(200);
    let coops = app.get("/api/v1/cooperatives", &token).await.ok(200);
    assert_eq!(coops["items"][0]["id"], away);
    app.post(&format!("{PATH}/{id}/visits"), &token, visit(away))
        .await
        .ok(201);
    // Deactivated: the login sees no cooperative any more.
    app.patch(
        &format!("{PATH}/{id}"),
        &app.admin(),
        json!({"active": false}),
    )
    .await
    .ok(200);
    let coops = app.get("/api/v1/cooperatives", &token).await.ok(200);
    assert_eq!(coops["items"], json!([]));
    app.get(&format!("/api/v1/cooperatives/{away}"), &token)
        .await
        .problem(404);
}
