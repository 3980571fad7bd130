//! Problem details in Chinese by `Accept-Language`.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::common::{coop_body, Resp, TestApp, TOWN_A};

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn in_language(app: &TestApp, req: TestRequest, lang: &str) -> Resp {
    app.request(req.insert_header(("Accept-Language", lang)))
        .await
}

fn authed(app: &TestApp, req: TestRequest) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {}", app.admin())))
}

#[actix_web::test]
async fn zh_cn_gives_chinese_titles_details_and_field_messages() {
    let app = TestApp::new().await;
    // 422 with field messages: a wrong USCC check character and a bad phone.
    let mut body = coop_body(1, TOWN_A);
    body["uscc"] = json!("93500119MA5U7K3L70");
    body["phone"] = json!("12345");
    let req = authed(&app, TestRequest::post().uri("/api/v1/cooperatives")).set_json(&body);
    let r = in_language(&app, req, "zh-CN,zh;q=0.9,en;q=0.8").await;
    let p = r.problem(422);
    assert_eq!(p["title"], "字段校验未通过");
    assert_eq!(p["detail"], "2 个字段无效");
    assert_eq!(r.header("content-language").as_deref(), Some("zh-CN"));
    assert!(r
        .header("vary")
        .unwrap_or_default()
        .contains("Accept-Language"));
    let messages: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert!(
        messages.contains(&("phone", "须为以 1 开头的 11 位手机号码，可带 +86")),
        "{messages:?}"
    );
    let uscc = messages.iter().find(|(f, _)| *f == "uscc").unwrap().1;
    assert!(uscc.starts_with("校验码错误：应为 "), "{uscc}");
    // Codes and fields stay as they are: they are for programs.
    assert!(p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["code"].is_string()));

    // The same request in English (no header).
    let req = authed(&app, TestRequest::post().uri("/api/v1/cooperatives")).set_json(&body);
    let r = app.request(req).await;
    let p = r.problem(422);
    assert_eq!(p["detail"], "2 fields are invalid");
    assert_eq!(r.header("content-language").as_deref(), Some("en"));
}

#[actix_web::test]
async fn every_kind_of_problem_is_chinese_on_request() {
    let app = TestApp::new().await;
    let id = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let cases: Vec<(u16, TestRequest)> = vec![
        // 401: no token.
        (401, TestRequest::get().uri("/api/v1/cooperatives")),
        // 403: an observer may not register.
        (
            403,
            TestRequest::post()
                .uri("/api/v1/cooperatives")
                .insert_header((
                    "Authorization",
                    format!("Bearer {}", app.token(coophub::auth::Role::Observer)),
                ))
                .set_json(coop_body(2, TOWN_A)),
        ),
        // 404 out of scope or missing.
        (
            404,
            authed(&app, TestRequest::get().uri("/api/v1/cooperatives/999999")),
        ),
        // 404 of no route (actix's own, made a problem).
        (
            404,
            authed(&app, TestRequest::get().uri("/api/v1/nothing-here")),
        ),
        // 405 with Allow.
        (
            405,
            authed(&app, TestRequest::delete().uri("/api/v1/towns")),
        ),
        // 400 malformed JSON.
        (
            400,
            authed(&app, TestRequest::post().uri("/api/v1/cooperatives"))
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{\"name\":"),
        ),
        // 409 a duplicate USCC.
        (
            409,
            authed(&app, TestRequest::post().uri("/api/v1/cooperatives"))
                .set_json(coop_body(1, TOWN_A)),
        ),
        // 412 a stale If-Match.
        (
            412,
            authed(
                &app,
                TestRequest::patch().uri(&format!("/api/v1/cooperatives/{id}")),
            )
            .insert_header(("If-Match", "\"7\""))
            .set_json(json!({"phone": "13900002222"})),
        ),
        // 415 a CSV import sent as JSON.
        (
            415,
            authed(
                &app,
                TestRequest::post().uri("/api/v1/imports/cooperatives"),
            )
            .set_json(json!({})),
        ),
        // 422 a limit out of range.
        (
            422,
            authed(
                &app,
                TestRequest::get().uri("/api/v1/cooperatives?limit=999"),
            ),
        ),
    ];
    for (status, req) in cases {
        let r = in_language(&app, req, "zh").await;
        let p: Value = r.problem(status);
        for key in ["title", "detail"] {
            let s = p[key].as_str().unwrap();
            assert!(has_chinese(s), "{status} {key} is not Chinese: {s}");
        }
        for e in p["errors"].as_array().into_iter().flatten() {
            let m = e["message"].as_str().unwrap();
            assert!(has_chinese(m), "{status} message is not Chinese: {m}");
        }
        assert_eq!(r.header("content-language").as_deref(), Some("zh-CN"));
    }
}

#[actix_web::test]
async fn q_values_decide_and_successes_are_untouched() {
    let app = TestApp::new().await;
    let missing = || authed(&app, TestRequest::get().uri("/api/v1/cooperatives/999999"));
    let p = in_language(&app, missing(), "en-US,en;q=0.9,zh-CN;q=0.8")
        .await
        .problem(404);
    assert_eq!(p["title"], "Not Found");
    let p = in_language(&app, missing(), "en;q=0.2, zh-CN;q=0.8")
        .await
        .problem(404);
    assert_eq!(p["title"], "未找到");
    assert_eq!(p["detail"], "没有该记录，或它不在您的权限范围内");
    let p = in_language(&app, missing(), "zh;q=0, fr")
        .await
        .problem(404);
    assert_eq!(p["title"], "Not Found");
    // A success is never rewritten and carries no Content-Language.
    let r = in_language(
        &app,
        TestRequest::default().method(Method::GET).uri("/healthz"),
        "zh-CN",
    )
    .await;
    assert_eq!(r.ok(200)["status"], "ok");
    assert_eq!(r.header("content-language"), None);
}
