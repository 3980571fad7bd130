//! Sessions: `/auth/me` for every role, refresh-token rotation and reuse detection, logout,
//! the password grant, and changing one's own password.

use actix_web::test::TestRequest;
use serde_json::{json, Value};

use super::{login, make_user, refresh_with, tokens, town_officer, PW};
use crate::common::fixtures::make_partner;
use crate::common::fixtures::token_form;
use crate::common::{exec, TestApp, TOWN_A};

async fn me(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/auth/me", token).await.ok(200)
}

#[actix_web::test]
async fn every_role_asks_who_it_is() {
    let app = TestApp::new().await;
    let coop = app.coop_id(1, TOWN_A).await;
    let counselor = app.add_counselor(&[TOWN_A]);
    let cases = [
        (
            json!({"username": "qu.admin", "role": "district_admin"}),
            "town_code",
            Value::Null,
        ),
        (
            json!({"username": "chen.town", "role": "town_officer", "town_code": TOWN_A}),
            "town_code",
            json!(TOWN_A),
        ),
        (
            json!({"username": "wang.fudao", "role": "counselor", "counselor_id": counselor}),
            "counselor_id",
            json!(counselor),
        ),
        (
            json!({"username": "coop.one", "role": "cooperative", "cooperative_id": coop}),
            "cooperative_id",
            json!(coop),
        ),
        (
            json!({"username": "bank.user", "role": "bank_partner", "bank_code": "psbc"}),
            "bank_code",
            json!("psbc"),
        ),
        (
            json!({"username": "center.one", "role": "service_center"}),
            "bank_code",
            Value::Null,
        ),
        (
            json!({"username": "obs.one", "role": "observer"}),
            "cooperative_id",
            Value::Null,
        ),
    ];
    for (mut body, field, value) in cases {
        body["password"] = json!(PW);
        let u = make_user(&app, body.clone()).await;
        let (access, _) = tokens(&app, body["username"].as_str().unwrap(), PW).await;
        let m = me(&app, &access).await;
        assert_eq!(m["username"], body["username"]);
        assert_eq!(m["role"], body["role"]);
        assert_eq!(m["user_id"], u["id"]);
        assert_eq!(m[field], value, "{body}");
        let expires =
            chrono::DateTime::parse_from_rfc3339(m["expires_at"].as_str().unwrap()).unwrap();
        let left = expires.timestamp() - chrono::Utc::now().timestamp();
        assert!((3500..=3600).contains(&left), "{left}");
    }
    // A partner bank's system, by client credentials.
    let p = make_partner(&app, "psbc").await;
    let t = token_form(
        &app,
        p["client_id"].as_str().unwrap(),
        p["client_secret"].as_str().unwrap(),
    )
    .await
    .ok(200);
    assert!(
        t.get("refresh_token").is_none(),
        "client credentials get no refresh token"
    );
    let m = me(&app, t["access_token"].as_str().unwrap()).await;
    assert_eq!(m["role"], "bank_partner");
    assert_eq!(m["bank_code"], "psbc");
    assert_eq!(m["username"], p["client_id"]);
    assert!(m["user_id"].is_null());
    app.get("/api/v1/auth/me", "not-a-token").await.problem(401);
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_chain() {
    let app = TestApp::new().await;
    town_officer(&app, "chen.town", TOWN_A).await;
    let t = login(&app, "chen.town", PW).await.ok(200);
    let first = t["refresh_token"].as_str().unwrap().to_string();
    assert!(
        first.starts_with("rt_") && first.len() >= 46,
        "256 bits: {first}"
    );
    assert_eq!(t["refresh_expires_in"], 14 * 86_400);
    // Stored only as a hash.
    let stored: Vec<String> = {
        use coophub::db::schema::refresh_tokens;
        use diesel::prelude::*;
        refresh_tokens::table
            .select(refresh_tokens::token_hash)
            .load(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], first);
    assert!(!stored[0].contains(&first[3..]));

    let r = refresh_with(&app, &first).await.ok(200);
    let second = r["refresh_token"].as_str().unwrap().to_string();
    let access2 = r["access_token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    app.get("/api/v1/cooperatives", &access2).await.ok(200);
    let r = refresh_with(&app, &second).await.ok(200);
    let third = r["refresh_token"].as_str().unwrap().to_string();
    let access3 = r["access_token"].as_str().unwrap().to_string();

    // The first token again: a copy is loose. The whole session ends: 401, and the live
    // refresh token and the session's access tokens are refused from now on.
    refresh_with(&app, &first).await.problem(401);
    refresh_with(&app, &third).await.problem(401);
    app.get("/api/v1/cooperatives", &access3).await.problem(401);
    app.get("/api/v1/cooperatives", &access2).await.problem(401);
    // Another session of the same user is not touched.
    let (other, other_refresh) = tokens(&app, "chen.town", PW).await;
    app.get("/api/v1/cooperatives", &other).await.ok(200);
    refresh_with(&app, &other_refresh).await.ok(200);
    // The reuse is in the audit trail.
    let events = app
        .get("/api/v1/audit-events?entity=session", &app.admin())
        .await
        .ok(200);
    assert!(events.to_string().contains("refresh_token_reuse"));

    // Unknown and expired tokens: 401.
    refresh_with(&app, "rt_not-a-token").await.problem(401);
    let (_, old) = tokens(&app, "chen.town", PW).await;
    exec(
        &mut app.conn(),
        "UPDATE refresh_tokens SET expires_at = '2020-01-01 00:00:00' WHERE spent_at IS NULL",
    );
    refresh_with(&app, &old).await.problem(401);
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::new().await;
    town_officer(&app, "chen.town", TOWN_A).await;
    let (access, refresh) = tokens(&app, "chen.town", PW).await;
    let out = |body: Value| {
        let app = &app;
        async move {
            app.send(
                actix_web::http::Method::POST,
                "/api/v1/auth/logout",
                None,
                Some(body),
            )
            .await
        }
    };
    out(json!({})).await.field_error("refresh_token");
    out(json!({"refresh_token": "x".repeat(201)}))
        .await
        .field_error("refresh_token");
    // An unknown token is not an error, and ends nothing.
    out(json!({"refresh_token": "rt_unknown"})).await.ok(204);
    app.get("/api/v1/cooperatives", &access).await.ok(200);
    out(json!({"refresh_token": refresh})).await.ok(204);
    app.get("/api/v1/cooperatives", &access).await.problem(401);
    refresh_with(&app, &refresh).await.problem(401);
    // Twice is fine.
    out(json!({"refresh_token": refresh})).await.ok(204);
}

#[actix_web::test]
async fn the_password_grant_logs_in_as_oauth2_tools_do() {
    let app = TestApp::new().await;
    town_officer(&app, "chen.town", TOWN_A).await;
    let form = |body: String| {
        let app = &app;
        async move {
            app.request(
                TestRequest::post()
                    .uri("/api/v1/auth/token")
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    // Swagger UI may send a client id; a public client's is ignored.
                    .set_payload(body),
            )
            .await
        }
    };
    let pw = url::form_urlencoded::byte_serialize(PW.as_bytes()).collect::<String>();
    let r = form(format!(
        "grant_type=password&username=chen.town&password={pw}&client_id=swagger&scope="
    ))
    .await;
    assert_eq!(r.header("cache-control").unwrap(), "no-store");
    let t = r.ok(200);
    assert_eq!(t["token_type"], "Bearer");
    assert!(t["refresh_token"].is_string());
    app.get("/api/v1/cooperatives", t["access_token"].as_str().unwrap())
        .await
        .ok(200);
    // The same limiter as /auth/login: five wrong answers, then 429 even for the right one.
    for _ in 0..5 {
        form("grant_type=password&username=chen.town&password=wrong-password".into())
            .await
            .problem(401);
    }
    let r = form(format!(
        "grant_type=password&username=chen.town&password={pw}"
    ))
    .await;
    r.problem(429);
    assert!(r.header("retry-after").is_some());
    login(&app, "chen.town", PW).await.problem(429);
}

#[actix_web::test]
async fn users_change_their_own_password() {
    let app = TestApp::new().await;
    town_officer(&app, "chen.town", TOWN_A).await;
    let (access, refresh) = tokens(&app, "chen.town", PW).await;
    let (elsewhere, _) = tokens(&app, "chen.town", PW).await;
    let url = "/api/v1/auth/password";
    let new_pw = "金佛山 方竹笋 harvest";
    app.post(
        url,
        &access,
        json!({"current_password": PW, "new_password": "short"}),
    )
    .await
    .field_error("new_password");
    app.post(
        url,
        &access,
        json!({"current_password": PW, "new_password": "chen.town forever"}),
    )
    .await
    .field_error("new_password");
    app.post(
        url,
        &access,
        json!({"current_password": "wrong wrong wrong", "new_password": new_pw}),
    )
    .await
    .problem(401);
    app.post(url, &access, json!({"current_password": PW}))
        .await
        .field_error("new_password");
    // Refusals changed nothing.
    app.get("/api/v1/cooperatives", &access).await.ok(200);
    let t = app
        .post(
            url,
            &access,
            json!({"current_password": PW, "new_password": new_pw}),
        )
        .await
        .ok(200);
    // Every earlier token is gone, on every device; the answer is a fresh session.
    app.get("/api/v1/cooperatives", &access).await.problem(401);
    app.get("/api/v1/cooperatives", &elsewhere)
        .await
        .problem(401);
    refresh_with(&app, &refresh).await.problem(401);
    app.get("/api/v1/cooperatives", t["access_token"].as_str().unwrap())
        .await
        .ok(200);
    refresh_with(&app, t["refresh_token"].as_str().unwrap())
        .await
        .ok(200);
    login(&app, "chen.town", PW).await.problem(401);
    login(&app, "chen.town", new_pw).await.ok(200);
    let events = app
        .get("/api/v1/audit-events?entity=user", &app.admin())
        .await
        .ok(200);
    assert!(events.to_string().contains("change_password"));
    assert!(!events.to_string().contains("方竹笋"));
    // A partner client has no password.
    let p = make_partner(&app, "psbc").await;
    let pt = token_form(
        &app,
        p["client_id"].as_str().unwrap(),
        p["client_secret"].as_str().unwrap(),
    )
    .await
    .ok(200);
    app.post(
        url,
        pt["access_token"].as_str().unwrap(),
        json!({"current_password": "x", "new_password": new_pw}),
    )
    .await
    .problem(403);
}
