//! `/users`: the district admin's account management, the password policy, and revocation at
//! once when a user is disabled, re-scoped or given a new password.

mod sessions;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{Resp, TestApp, TOWN_A, TOWN_B};

pub const PW: &str = "南川 tea hills 2026";

pub async fn make_user(app: &TestApp, body: Value) -> Value {
    app.post("/api/v1/users", &app.admin(), body).await.ok(201)
}

pub async fn town_officer(app: &TestApp, username: &str, town: &str) -> i64 {
    make_user(
        app,
        json!({"username": username, "role": "town_officer", "town_code": town, "password": PW}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

pub async fn login(app: &TestApp, username: &str, password: &str) -> Resp {
    app.send(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

/// Logs in; answers (access token, refresh token).
pub async fn tokens(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let t = login(app, username, password).await.ok(200);
    (
        t["access_token"].as_str().unwrap().to_string(),
        t["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[actix_web::test]
async fn the_admin_creates_reads_and_lists_users() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v1/users",
            &app.admin(),
            json!({"username": "chen.town", "role": "town_officer", "town_code": TOWN_A, "password": PW}),
        )
        .await;
    let u = r.ok(201);
    let id = u["id"].as_i64().unwrap();
    assert_eq!(r.header("location").unwrap(), format!("/api/v1/users/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(u["role"], "town_officer");
    assert_eq!(u["town_code"], TOWN_A);
    assert_eq!(u["disabled"], false);
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    // The new user logs in with that password.
    login(&app, "chen.town", PW).await.ok(200);

    let g = app.get(&format!("/api/v1/users/{id}"), &app.admin()).await;
    assert_eq!(g.ok(200)["username"], "chen.town");
    assert_eq!(g.header("etag").unwrap(), "\"1\"");
    app.get("/api/v1/users/999999", &app.admin())
        .await
        .problem(404);

    make_user(
        &app,
        json!({"username": "obs.one", "role": "observer", "password": PW, "disabled": true}),
    )
    .await;
    town_officer(&app, "wang.town", TOWN_B).await;
    let all = app
        .get("/api/v1/users?count=true", &app.admin())
        .await
        .ok(200);
    // Three made here, and the placeholder account behind the admin's test token.
    assert_eq!(all["total"], 4);
    let towns = app
        .get("/api/v1/users?role=town_officer", &app.admin())
        .await
        .ok(200);
    let names: Vec<&str> = towns["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["chen.town", "wang.town"]);
    let in_b = app
        .get(&format!("/api/v1/users?town_code={TOWN_B}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(in_b["items"].as_array().unwrap().len(), 1);
    assert_eq!(in_b["items"][0]["username"], "wang.town");
    let off = app
        .get("/api/v1/users?disabled=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(off["items"][0]["username"], "obs.one");
    assert_eq!(off["items"].as_array().unwrap().len(), 1);
    let page = app.get("/api/v1/users?limit=1", &app.admin()).await.ok(200);
    assert!(page["next_cursor"].is_string());
    app.get("/api/v1/users?role=root", &app.admin())
        .await
        .problem(400);
    app.get("/api/v1/users?limit=0", &app.admin())
        .await
        .field_error("limit");

    // In the audit trail, without the password or its hash.
    let events = app
        .get("/api/v1/audit-events?entity=user", &app.admin())
        .await
        .ok(200);
    let text = events.to_string();
    assert!(text.contains("chen.town"));
    assert!(!text.contains("argon2") && !text.contains("tea hills"));
}

#[actix_web::test]
async fn only_the_district_admin_manages_users() {
    let app = TestApp::new().await;
    let id = town_officer(&app, "chen.town", TOWN_A).await;
    for role in Role::ALL.into_iter().filter(|r| *r != Role::DistrictAdmin) {
        let t = app.token(role);
        app.get("/api/v1/users", &t).await.problem(403);
        app.get(&format!("/api/v1/users/{id}"), &t)
            .await
            .problem(403);
        app.post(
            "/api/v1/users",
            &t,
            json!({"username": "x.y.z", "role": "observer", "password": PW}),
        )
        .await
        .problem(403);
        app.patch(
            &format!("/api/v1/users/{id}"),
            &t,
            json!({"disabled": true}),
        )
        .await
        .problem(403);
        app.post(
            &format!("/api/v1/users/{id}/password"),
            &t,
            json!({"new_password": "another long secret"}),
        )
        .await
        .problem(403);
    }
    // Nothing changed.
    let u = app
        .get(&format!("/api/v1/users/{id}"), &app.admin())
        .await
        .ok(200);
    assert_eq!(u["disabled"], false);
    app.get("/api/v1/users", "").await.problem(401);
}

#[actix_web::test]
async fn bad_users_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        let app = &app;
        async move { app.post("/api/v1/users", &admin, body).await }
    };
    // The policy: length, the username inside, a common password (each names `password`).
    for pw in [
        "short pw",
        "i am chen.town here",
        "qwerty123456",
        "LeaveMeAlone",
    ] {
        let p = post(json!({"username": "chen.town", "role": "observer", "password": pw}))
            .await
            .field_error("password");
        assert!(p.to_string().contains("password"), "{pw}");
    }
    // Every problem at once: the missing town and the common password.
    let p =
        post(json!({"username": "chen.town", "role": "town_officer", "password": "qwerty123456"}))
            .await;
    p.field_error("town_code");
    p.field_error("password");
    post(json!({"username": "chen.town", "role": "town_officer", "town_code": "999999999", "password": PW}))
        .await
        .field_error("town_code");
    post(json!({"username": "chen.town", "role": "observer", "town_code": TOWN_A, "password": PW}))
        .await
        .field_error("town_code");
    post(json!({"username": "c", "role": "observer", "password": PW}))
        .await
        .field_error("username");
    post(json!({"username": "chen town", "role": "observer", "password": PW}))
        .await
        .field_error("username");
    post(json!({"username": "coop.one", "role": "cooperative", "cooperative_id": 4242, "password": PW}))
        .await
        .field_error("cooperative_id");
    post(json!({"username": "bank.one", "role": "bank_partner", "bank_code": "PSBC!", "password": PW}))
        .await
        .field_error("bank_code");
    post(
        json!({"username": "couns.one", "role": "counselor", "counselor_id": 4242, "password": PW}),
    )
    .await
    .field_error("counselor_id");
    post(json!({"username": "chen.town", "role": "root", "password": PW}))
        .await
        .field_error("role");
    post(json!({"username": "chen.town", "role": "observer", "password": PW, "is_admin": true}))
        .await
        .problem(400);
    // Nothing was written.
    let all = app
        .get("/api/v1/users?role=observer&count=true", &app.admin())
        .await
        .ok(200);
    assert_eq!(
        all["total"], 1,
        "only the placeholder behind the admin token"
    );

    // A taken username, and a second login for one counselor: 409.
    make_user(
        &app,
        json!({"username": "chen.town", "role": "observer", "password": PW}),
    )
    .await;
    post(json!({"username": "chen.town", "role": "observer", "password": PW}))
        .await
        .problem(409);
    let c = app.add_counselor(&[TOWN_A]);
    make_user(
        &app,
        json!({"username": "couns.one", "role": "counselor", "counselor_id": c, "password": PW}),
    )
    .await;
    post(json!({"username": "couns.two", "role": "counselor", "counselor_id": c, "password": PW}))
        .await
        .problem(409);
}

#[actix_web::test]
async fn disabling_a_user_mid_session_refuses_its_next_request() {
    let app = TestApp::new().await;
    let id = town_officer(&app, "chen.town", TOWN_A).await;
    let (access, refresh) = tokens(&app, "chen.town", PW).await;
    app.get("/api/v1/cooperatives", &access).await.ok(200);
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin(),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.ok(200)["disabled"], true);
    assert_eq!(r.header("etag").unwrap(), "\"2\"");
    // The very next request, and the refresh token, are refused.
    app.get("/api/v1/cooperatives", &access).await.problem(401);
    refresh_with(&app, &refresh).await.problem(401);
    login(&app, "chen.town", PW).await.problem(401);
    // Enabled again: the old tokens stay dead, a new login works.
    app.patch(
        &format!("/api/v1/users/{id}"),
        &app.admin(),
        json!({"disabled": false}),
    )
    .await
    .ok(200);
    app.get("/api/v1/cooperatives", &access).await.problem(401);
    let (again, _) = tokens(&app, "chen.town", PW).await;
    app.get("/api/v1/cooperatives", &again).await.ok(200);
}

pub async fn refresh_with(app: &TestApp, refresh: &str) -> Resp {
    app.request(
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(format!("grant_type=refresh_token&refresh_token={refresh}")),
    )
    .await
}

#[actix_web::test]
async fn a_scope_change_takes_effect_at_once() {
    let app = TestApp::new().await;
    let a = app.coop_id(1, TOWN_A).await;
    let b = app.coop_id(2, TOWN_B).await;
    let id = town_officer(&app, "chen.town", TOWN_A).await;
    let (access, _) = tokens(&app, "chen.town", PW).await;
    app.get(&format!("/api/v1/cooperatives/{a}/members"), &access)
        .await
        .ok(200);
    app.get(&format!("/api/v1/cooperatives/{b}/members"), &access)
        .await
        .problem(404);

    // A stale If-Match loses; the right one wins.
    let url = format!("/api/v1/users/{id}");
    app.patch_if_match(&url, &app.admin(), "\"7\"", json!({"town_code": TOWN_B}))
        .await
        .problem(412);
    let r = app
        .patch_if_match(&url, &app.admin(), "\"1\"", json!({"town_code": TOWN_B}))
        .await;
    assert_eq!(r.ok(200)["town_code"], TOWN_B);
    // The old token is refused at once; a new login sees the new town only.
    app.get(&format!("/api/v1/cooperatives/{a}/members"), &access)
        .await
        .problem(401);
    let (moved, _) = tokens(&app, "chen.town", PW).await;
    app.get(&format!("/api/v1/cooperatives/{b}/members"), &moved)
        .await
        .ok(200);
    app.get(&format!("/api/v1/cooperatives/{a}/members"), &moved)
        .await
        .problem(404);
    let me = app.get("/api/v1/auth/me", &moved).await.ok(200);
    assert_eq!(me["town_code"], TOWN_B);

    // Another role: the old scope is cleared, the new one required and checked.
    app.patch(&url, &app.admin(), json!({"role": "cooperative"}))
        .await
        .field_error("cooperative_id");
    app.patch(
        &url,
        &app.admin(),
        json!({"role": "observer", "town_code": TOWN_A}),
    )
    .await
    .field_error("town_code");
    app.patch(&url, &app.admin(), json!({"town_code": "999999999"}))
        .await
        .field_error("town_code");
    app.patch(&url, &app.admin(), json!({"town_code": null}))
        .await
        .field_error("town_code");
    app.patch(&url, &app.admin(), json!({"username": "x"}))
        .await
        .problem(400);
    let u = app
        .patch(
            &url,
            &app.admin(),
            json!({"role": "cooperative", "cooperative_id": a}),
        )
        .await
        .ok(200);
    assert_eq!(u["role"], "cooperative");
    assert!(u["town_code"].is_null());
    assert_eq!(u["cooperative_id"], a);
    // An empty patch changes nothing and revokes nothing.
    let (coop_token, _) = tokens(&app, "chen.town", PW).await;
    let same = app.patch(&url, &app.admin(), json!({})).await;
    assert_eq!(same.header("etag").unwrap(), "\"3\"");
    app.get(&format!("/api/v1/cooperatives/{a}"), &coop_token)
        .await
        .ok(200);
    app.patch("/api/v1/users/999999", &app.admin(), json!({}))
        .await
        .problem(404);
}

#[actix_web::test]
async fn the_district_is_never_locked_out() {
    let app = TestApp::new().await;
    let boss = make_user(
        &app,
        json!({"username": "qu.admin", "role": "district_admin", "password": PW}),
    )
    .await;
    let boss_id = boss["id"].as_i64().unwrap();
    let (own, _) = tokens(&app, "qu.admin", PW).await;
    // Not themselves…
    app.patch(
        &format!("/api/v1/users/{boss_id}"),
        &own,
        json!({"disabled": true}),
    )
    .await
    .problem(409);
    app.patch(
        &format!("/api/v1/users/{boss_id}"),
        &own,
        json!({"role": "observer"}),
    )
    .await
    .problem(409);
    // …and not the last enabled district admin (the test admin token's account is an observer).
    app.patch(
        &format!("/api/v1/users/{boss_id}"),
        &app.admin(),
        json!({"disabled": true}),
    )
    .await
    .problem(409);
    make_user(
        &app,
        json!({"username": "qu.admin2", "role": "district_admin", "password": PW}),
    )
    .await;
    app.patch(
        &format!("/api/v1/users/{boss_id}"),
        &app.admin(),
        json!({"disabled": true}),
    )
    .await
    .ok(200);
    app.get("/api/v1/users", &own).await.problem(401);
}

#[actix_web::test]
async fn an_admin_resets_a_password_and_every_token_goes() {
    let app = TestApp::new().await;
    let id = town_officer(&app, "chen.town", TOWN_A).await;
    let (access, refresh) = tokens(&app, "chen.town", PW).await;
    let url = format!("/api/v1/users/{id}/password");
    app.post(
        &url,
        &app.admin(),
        json!({"new_password": "my chen.town pass"}),
    )
    .await
    .field_error("new_password");
    app.post(&url, &app.admin(), json!({"new_password": "qwerty123456"}))
        .await
        .field_error("new_password");
    app.post(&url, &app.admin(), json!({"password": "x"}))
        .await
        .problem(400);
    app.post(
        "/api/v1/users/999999/password",
        &app.admin(),
        json!({"new_password": "金佛山 方竹笋 harvest"}),
    )
    .await
    .problem(404);
    // The refusals changed nothing: the session still works.
    app.get("/api/v1/cooperatives", &access).await.ok(200);
    app.post(
        &url,
        &app.admin(),
        json!({"new_password": "金佛山 方竹笋 harvest"}),
    )
    .await
    .ok(204);
    app.get("/api/v1/cooperatives", &access).await.problem(401);
    refresh_with(&app, &refresh).await.problem(401);
    login(&app, "chen.town", PW).await.problem(401);
    login(&app, "chen.town", "金佛山 方竹笋 harvest")
        .await
        .ok(200);
    let events = app
        .get(
            &format!("/api/v1/audit-events?entity=user&entity_id={id}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert!(events.to_string().contains("reset_password"));
    assert!(!events.to_string().contains("方竹笋"));
}

#[actix_web::test]
async fn account_refusals_are_in_chinese_on_request() {
    let app = TestApp::new().await;
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/users")
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"))
                .set_json(json!({"username": "chen.town", "role": "town_officer", "password": "qwerty123456"})),
        )
        .await;
    let p = r.field_error("password");
    let messages: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"属于最常见的一万个密码之一"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"角色 town_officer 必须填写"),
        "{messages:?}"
    );
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("Accept-Language", "zh"))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("grant_type=refresh_token&refresh_token=rt_nothing"),
        )
        .await;
    assert_eq!(
        r.problem(401)["detail"],
        "刷新令牌无效（未知、已过期、已使用或已撤销）"
    );
}
