use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::common::TestApp;

#[actix_web::test]
async fn healthz_and_readyz_answer_without_a_token() {
    let app = TestApp::new().await;
    let r = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.ok(200)["status"], "ok");
    let r = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.ok(200)["status"], "ok");
}

#[actix_web::test]
async fn request_id_is_echoed_or_made() {
    let app = TestApp::new().await;
    let r = app
        .request(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("X-Request-Id", "abc-123")),
        )
        .await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123"));
    let r = app.send(Method::GET, "/healthz", None, None).await;
    let made = r.header("x-request-id").expect("a request id is made");
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");
    // An unusable id (spaces would pollute logs) is replaced.
    let r = app
        .request(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("X-Request-Id", "a b")),
        )
        .await;
    assert_ne!(r.header("x-request-id").as_deref(), Some("a b"));
}

#[actix_web::test]
async fn request_id_is_also_on_errors() {
    let app = TestApp::new().await;
    let r = app
        .request(
            TestRequest::get()
                .uri("/api/v1/nope")
                .insert_header(("X-Request-Id", "rid-1")),
        )
        .await;
    r.problem(404);
    assert_eq!(r.header("x-request-id").as_deref(), Some("rid-1"));
}

#[actix_web::test]
async fn openapi_is_served_and_equals_the_committed_file() {
    let app = TestApp::new().await;
    let r = app
        .send(Method::GET, "/api-docs/openapi.json", None, None)
        .await;
    let served = r.ok(200);
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("openapi/openapi.json")
            .expect("openapi/openapi.json is committed"),
    )
    .expect("committed file is JSON");
    assert_eq!(
        served, committed,
        "regenerate with: cargo run -- openapi > openapi/openapi.json"
    );
    assert_eq!(served["openapi"], "3.1.0");
    // And byte for byte what `coophub openapi` prints.
    assert_eq!(
        coophub::openapi_json(),
        std::fs::read_to_string("openapi/openapi.json").unwrap(),
        "regenerate with: cargo run -- openapi > openapi/openapi.json"
    );
}

#[actix_web::test]
async fn every_operation_is_documented_for_integrators() {
    let doc = serde_json::to_value(coophub::openapi()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{name} lacks a summary");
            assert!(op["description"].is_string(), "{name} lacks a description");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} lacks an operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{name} documents no 4xx"
            );
            for (code, resp) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    assert!(
                        resp["content"]["application/problem+json"]["example"].is_object(),
                        "{name} {code} lacks a problem example"
                    );
                }
            }
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            if !public {
                assert!(
                    responses.contains_key("401"),
                    "{name} is secured but documents no 401"
                );
            }
        }
    }
}

#[actix_web::test]
async fn swagger_ui_is_bundled() {
    let app = TestApp::new().await;
    let r = app.send(Method::GET, "/swagger-ui/", None, None).await;
    assert_eq!(r.status.as_u16(), 200);
    let html = String::from_utf8_lossy(&r.body);
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "Swagger UI must not load from a CDN"
    );
    let r = app
        .send(
            Method::GET,
            "/swagger-ui/swagger-initializer.js",
            None,
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let js = String::from_utf8_lossy(&r.body);
    assert!(js.contains("/api-docs/openapi.json"));
    assert!(
        js.contains("\"validatorUrl\": \"none\"")
            || js.contains("validatorUrl\":\"none")
            || js.contains("none"),
        "{js}"
    );
}

/// Two Rust types with one name would share one component and one would document the other's
/// shape (the member ledger once showed a federation member): every schema name is unique.
#[test]
fn schema_names_are_unique_per_shape() {
    let doc: serde_json::Value = serde_json::from_str(&coophub::openapi_json()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let member = &schemas["MemberOut"]["properties"];
    assert!(
        member.get("id_number_masked").is_some(),
        "the ledger's member"
    );
    assert!(schemas["FederationMemberOut"]["properties"]
        .get("federation_id")
        .is_some());
    assert!(schemas["MemberCreate"]["properties"]
        .get("id_number")
        .is_some());
    assert!(schemas["FederationMemberCreate"]["properties"]
        .get("member_kind")
        .is_some());
}
