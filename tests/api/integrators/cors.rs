use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::common::TestApp;

const FRONT: &str = "https://front.example.org";

async fn with_origins() -> TestApp {
    TestApp::with_settings(|s| {
        s.integrations.cors_origins = vec![FRONT.into(), "http://localhost:5173".into()];
    })
    .await
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

#[actix_web::test]
async fn an_allowed_origin_gets_the_cors_headers_on_answers_and_problems() {
    let app = with_origins().await;
    let r = app
        .request(
            TestRequest::get()
                .uri("/api/v1/towns")
                .insert_header(("Origin", FRONT))
                .insert_header(("Authorization", format!("Bearer {}", app.admin()))),
        )
        .await;
    r.ok(200);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(FRONT)
    );
    let exposed = list(r.header("access-control-expose-headers"));
    for h in ["etag", "location", "x-request-id", "retry-after"] {
        assert!(exposed.contains(&h.to_string()), "{h} not in {exposed:?}");
    }
    // A problem (no token here) is readable by the front end too.
    let r = app
        .request(
            TestRequest::get()
                .uri("/api/v1/towns")
                .insert_header(("Origin", FRONT)),
        )
        .await;
    r.problem(401);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some(FRONT)
    );
}

#[actix_web::test]
async fn a_disallowed_origin_gets_no_cors_headers() {
    let app = with_origins().await;
    let r = app
        .request(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("Origin", "https://evil.example.com")),
        )
        .await;
    // The answer itself is not withheld (a browser withholds it without the header).
    r.ok(200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // Its preflight is refused, as a problem document.
    let r = app
        .request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/cooperatives")
                .insert_header(("Origin", "https://evil.example.com"))
                .insert_header(("Access-Control-Request-Method", "POST")),
        )
        .await;
    r.problem(400);
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn a_preflight_is_answered_with_the_allowed_methods_and_headers() {
    let app = with_origins().await;
    let r = app
        .request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/cooperatives/1")
                .insert_header(("Origin", "http://localhost:5173"))
                .insert_header(("Access-Control-Request-Method", "PATCH"))
                .insert_header((
                    "Access-Control-Request-Headers",
                    "authorization, content-type, if-match, if-none-match, idempotency-key, accept-language",
                )),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("http://localhost:5173")
    );
    let methods = list(r.header("access-control-allow-methods"));
    for m in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&m.to_string()), "{m} not in {methods:?}");
    }
    let headers = list(r.header("access-control-allow-headers"));
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
        "accept-language",
    ] {
        assert!(headers.contains(&h.to_string()), "{h} not in {headers:?}");
    }
    assert!(r.header("access-control-max-age").is_some());
    // A header the API does not read is not allowed.
    let r = app
        .request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/cooperatives")
                .insert_header(("Origin", FRONT))
                .insert_header(("Access-Control-Request-Method", "POST"))
                .insert_header(("Access-Control-Request-Headers", "x-secret-sauce")),
        )
        .await;
    r.problem(400);
}

#[actix_web::test]
async fn cors_is_off_by_default() {
    let app = TestApp::new().await;
    let r = app
        .request(
            TestRequest::get()
                .uri("/healthz")
                .insert_header(("Origin", FRONT)),
        )
        .await;
    r.ok(200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("access-control-expose-headers"), None);
    // No preflight answer either: OPTIONS is just a method no route has.
    let r = app
        .request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri("/api/v1/cooperatives")
                .insert_header(("Origin", FRONT))
                .insert_header(("Access-Control-Request-Method", "POST")),
        )
        .await;
    assert_eq!(r.status.as_u16(), 405);
    assert_eq!(r.header("access-control-allow-origin"), None);
}
