//! Every failure is a problem document, including actix's own.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{coop_body, TestApp, TOWN_A};

fn post_raw(path: &str, token: &str, content_type: &str, body: &'static str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", content_type.to_string()))
        .set_payload(body)
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::new().await;
    let r = app
        .request(post_raw(
            "/api/v1/cooperatives",
            &app.admin(),
            "application/json",
            "{\"name\": ",
        ))
        .await;
    let p = r.problem(400);
    assert!(p["detail"].as_str().unwrap().contains("malformed JSON"));
}

#[actix_web::test]
async fn unknown_field_is_400_naming_it() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    body["colour"] = json!("green");
    let r = app.post("/api/v1/cooperatives", &app.admin(), body).await;
    let p = r.problem(400);
    assert_eq!(p["errors"][0]["field"], "colour");
    assert_eq!(p["errors"][0]["code"], "unknown_field");
}

#[actix_web::test]
async fn wrong_type_and_missing_field_are_422_naming_it() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    body["registered_capital_fen"] = json!("lots");
    app.post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .field_error("registered_capital_fen");
    let mut body = coop_body(1, TOWN_A);
    body.as_object_mut().unwrap().remove("name");
    app.post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .field_error("name");
    let mut body = coop_body(1, TOWN_A);
    body["established_on"] = json!("2015-02-30");
    app.post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .field_error("established_on");
}

#[actix_web::test]
async fn bad_path_and_query_are_400() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/cooperatives/abc", &app.admin()).await;
    r.problem(400);
    let r = app
        .get("/api/v1/cooperatives?limit=ten", &app.admin())
        .await;
    let p = r.problem(400);
    assert_eq!(p["errors"][0]["field"], "limit");
    let r = app
        .get("/api/v1/cooperatives?status=sleeping", &app.admin())
        .await;
    let p = r.problem(400);
    assert_eq!(p["errors"][0]["field"], "status");
}

#[actix_web::test]
async fn unknown_route_is_404_and_wrong_method_405() {
    let app = TestApp::new().await;
    app.get("/api/v1/no-such-thing", &app.admin())
        .await
        .problem(404);
    let r = app
        .send(Method::DELETE, "/api/v1/towns", Some(&app.admin()), None)
        .await;
    r.problem(405);
    assert_eq!(
        r.header("allow").as_deref(),
        Some("GET"),
        "RFC 9110: a 405 says what is allowed"
    );
    let r = app.send(Method::POST, "/healthz", None, None).await;
    r.problem(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
    // A path template with several methods lists them all, and a path parameter matches.
    let r = app
        .send(
            Method::DELETE,
            "/api/v1/cooperatives/7",
            Some(&app.admin()),
            None,
        )
        .await;
    r.problem(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET, PATCH"));
    let r = app
        .send(
            Method::PUT,
            "/api/v1/cooperatives",
            Some(&app.admin()),
            None,
        )
        .await;
    assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
    // A literal route met by a parameterised one of the same shape is still a 405 ...
    let r = app
        .send(
            Method::PATCH,
            "/api/v1/counselors/coverage",
            Some(&app.admin()),
            None,
        )
        .await;
    r.problem(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
    // ... while a parameter that is not a number on a real route stays a 400.
    app.get("/api/v1/counselors/abc", &app.admin())
        .await
        .problem(400);
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::new().await;
    let r = app
        .request(post_raw(
            "/api/v1/cooperatives",
            &app.admin(),
            "text/plain",
            "hello",
        ))
        .await;
    r.problem(415);
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .set_payload("username=a&password=b")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded")),
        )
        .await;
    r.problem(415);
}

#[actix_web::test]
async fn body_over_the_limit_is_413() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    body["business_scope"] = json!("x".repeat(coophub::app::JSON_BODY_LIMIT + 10));
    let r = app.post("/api/v1/cooperatives", &app.admin(), body).await;
    r.problem(413);
}

#[actix_web::test]
async fn too_long_field_is_422() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    body["business_scope"] = json!("x".repeat(2001));
    app.post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .field_error("business_scope");
}

/// The fields a 422 names, in order.
fn fields_of(p: &serde_json::Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .expect("errors[]")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_422_names_every_missing_and_mistyped_field_at_once() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    let obj = body.as_object_mut().unwrap();
    obj.remove("name");
    obj.remove("legal_representative");
    obj.insert("registered_capital_fen".into(), json!("a lot"));
    obj.insert("established_on".into(), json!("2015-02-30"));
    let p = app
        .post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .problem(422);
    let fields = fields_of(&p);
    for f in [
        "name",
        "legal_representative",
        "registered_capital_fen",
        "established_on",
    ] {
        assert!(
            fields.contains(&f.to_string()),
            "{f} missing from {fields:?}"
        );
    }
    assert_eq!(fields.len(), 4, "{p:#}");
    let capital = &p["errors"].as_array().unwrap()[fields
        .iter()
        .position(|f| f == "registered_capital_fen")
        .unwrap()];
    assert_eq!(capital["code"], "invalid_type");
    let name = &p["errors"].as_array().unwrap()[fields.iter().position(|f| f == "name").unwrap()];
    assert_eq!(name["code"], "required");
}

#[actix_web::test]
async fn field_rules_and_domain_checks_come_in_one_answer() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    // A wrong check character, a bad phone, an unknown town and an unknown industry.
    let good = body["uscc"].as_str().unwrap().to_string();
    let last = if good.ends_with('0') { '1' } else { '0' };
    body["uscc"] = json!(format!("{}{last}", &good[..17]));
    body["phone"] = json!("12345");
    body["town_code"] = json!("500119999");
    body["industry_codes"] = json!(["ancient_tree_tea", "durian"]);
    let p = app
        .post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .problem(422);
    let fields = fields_of(&p);
    assert_eq!(
        fields,
        vec!["phone", "uscc", "town_code", "industry_codes.1"],
        "{p:#}"
    );
    // A patch likewise: a bad USCC and an unknown town together.
    let id = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let p = app
        .patch(
            &format!("/api/v1/cooperatives/{id}"),
            &app.admin(),
            json!({"uscc": "93500119MA00000000", "town_code": "500119999", "name": ""}),
        )
        .await
        .problem(422);
    assert_eq!(fields_of(&p), vec!["name", "uscc", "town_code"], "{p:#}");
    // Nothing was written.
    let c = app
        .get(&format!("/api/v1/cooperatives/{id}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(c["version"], 1);
}

#[actix_web::test]
async fn integral_numbers_written_as_floats_are_integers_and_others_are_not() {
    let app = TestApp::new().await;
    let mut body = coop_body(1, TOWN_A);
    // JSON Schema's integer includes 5.0e7; the answer holds the integer.
    body["registered_capital_fen"] = json!(50_000_000.0);
    let c = app
        .post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .ok(201);
    assert_eq!(c["registered_capital_fen"], json!(50_000_000));
    let mut body = coop_body(2, TOWN_A);
    body["registered_capital_fen"] = json!(0.5);
    app.post("/api/v1/cooperatives", &app.admin(), body)
        .await
        .field_error("registered_capital_fen");
}

#[actix_web::test]
async fn an_optional_body_may_be_json_null() {
    use crate::common::fixtures::{act, apply, product};
    let app = TestApp::new().await;
    let coop = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let p = product(&app, "psbc", "bullet", false).await;
    let id = apply(&app, coop, p, 1_000_000, 6).await;
    let r = act(&app, &app.admin(), id, "review", json!(null)).await;
    assert_eq!(r.ok(200)["status"], "under_review");
}

#[actix_web::test]
async fn an_empty_if_match_is_malformed_not_unmet() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/cooperatives/{id}");
    let body = json!({"address": "金山村5组"});
    // Not an entity tag at all: malformed (400); a tag of no version of ours: unmet (412).
    for (if_match, status) in [("", 400), ("null", 400), ("\"7\"", 412)] {
        app.patch_if_match(&path, &app.admin(), if_match, body.clone())
            .await
            .problem(status);
    }
}
