use actix_web::test::TestRequest;

use crate::common::{coop_body, TestApp, TOWN_A};

async fn get_if_none_match(app: &TestApp, path: &str, field: &str) -> crate::common::Resp {
    app.request(
        TestRequest::get()
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {}", app.admin())))
            .insert_header(("If-None-Match", field)),
    )
    .await
}

#[actix_web::test]
async fn if_none_match_gives_304_with_no_body_and_the_same_etag() {
    let app = TestApp::new().await;
    let id = app
        .post("/api/v1/cooperatives", &app.admin(), coop_body(1, TOWN_A))
        .await
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/cooperatives/{id}");
    let first = app.get(&path, &app.admin()).await;
    first.ok(200);
    let tag = first.header("etag").unwrap();
    assert_eq!(tag, "\"1\"");

    for field in [tag.as_str(), "W/\"1\"", "\"9\", W/\"1\"", "*"] {
        let r = get_if_none_match(&app, &path, field).await;
        assert_eq!(r.status.as_u16(), 304, "If-None-Match: {field}");
        assert!(r.body.is_empty(), "a 304 has no body");
        assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
        assert!(r.header("x-request-id").is_some());
    }
    // Another tag: the resource whole.
    let r = get_if_none_match(&app, &path, "\"2\"").await;
    assert_eq!(r.ok(200)["id"], id);

    // After a change the old tag no longer matches.
    let r = app
        .request(
            TestRequest::patch()
                .uri(&path)
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-Match", "\"1\""))
                .set_json(serde_json::json!({"phone": "13900002222"})),
        )
        .await;
    r.ok(200);
    let r = get_if_none_match(&app, &path, "\"1\"").await;
    assert_eq!(r.ok(200)["version"], 2);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
}

#[actix_web::test]
async fn if_none_match_never_hides_errors_nor_untagged_answers() {
    let app = TestApp::new().await;
    // A missing record stays a 404 even with `*`.
    let r = get_if_none_match(&app, "/api/v1/cooperatives/999999", "*").await;
    r.problem(404);
    // A list has no ETag: `*` does not turn it into a 304.
    let r = get_if_none_match(&app, "/api/v1/cooperatives", "*").await;
    r.ok(200);
    // A change is not a GET: If-None-Match does not apply to it here.
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/cooperatives")
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-None-Match", "*"))
                .set_json(coop_body(2, TOWN_A)),
        )
        .await;
    r.ok(201);
}

#[test]
fn the_document_states_if_none_match_on_every_tagged_read() {
    let doc = serde_json::to_value(coophub::app::openapi()).unwrap();
    let mut tagged = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if op["responses"]["200"]["headers"].get("ETag").is_none() {
            assert!(op["responses"].get("304").is_none(), "{path}");
            continue;
        }
        tagged += 1;
        let params = op["parameters"].as_array().unwrap();
        assert!(
            params
                .iter()
                .any(|p| p["in"] == "header" && p["name"] == "If-None-Match"),
            "{path} lacks If-None-Match"
        );
        assert!(
            op["responses"]["304"]["headers"].get("ETag").is_some(),
            "{path}"
        );
    }
    // getCooperative, getMember, getSurplusDistribution, getGovernance, getAnnualReport,
    // getFederation, getCounselor, getLoan, getLoanProduct, getUser, getDocument,
    // downloadDocument.
    assert_eq!(tagged, 12);
}

#[actix_web::test]
async fn a_malformed_if_none_match_on_a_tagged_read_is_400_naming_it() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let path = format!("/api/v1/cooperatives/{id}");
    for field in [
        "1",
        "\"1\",,\"2\"",
        "W/1",
        &format!("\"{}\"", "9".repeat(1100)),
    ] {
        let r = get_if_none_match(&app, &path, field).await;
        let p = r.problem(400);
        assert_eq!(p["errors"][0]["field"], "If-None-Match", "{field}");
        assert_eq!(p["errors"][0]["code"], "invalid_value", "{field}");
    }
    // A list with blanks around its commas is well formed.
    let r = get_if_none_match(&app, &path, " \"5\" ,\tW/\"1\" ").await;
    assert_eq!(r.status.as_u16(), 304);
}
