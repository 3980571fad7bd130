//! Revocation at once: rotating or disabling a partner, or disabling a user, refuses every
//! token issued before, on this instance at once and on another within the cache's lifetime.

use std::time::Duration;

use actix_web::test::{call_service, init_service, TestRequest};
use coophub::cli::{create_user, CreateUser};
use coophub::{build_app, AppState};
use serde_json::json;

use crate::common::fixtures::{make_partner, token_form};
use crate::common::{exec, settings, TestApp};

/// A partner and a token of its, as the token endpoint issues it.
async fn partner_with_token(app: &TestApp) -> (i64, String) {
    let p = make_partner(app, "psbc").await;
    let t = token_form(
        app,
        p["client_id"].as_str().unwrap(),
        p["client_secret"].as_str().unwrap(),
    )
    .await
    .ok(200);
    (
        p["id"].as_i64().unwrap(),
        t["access_token"].as_str().unwrap().to_string(),
    )
}

#[actix_web::test]
async fn rotation_refuses_older_tokens_at_once() {
    let app = TestApp::new().await;
    let (id, old) = partner_with_token(&app).await;
    app.get("/api/v1/loans", &old).await.ok(200);
    let rotated = app
        .post(
            &format!("/api/v1/partners/{id}/rotate-secret"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(200);
    let p = app.get("/api/v1/loans", &old).await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
    let new = token_form(
        &app,
        rotated["client_id"].as_str().unwrap(),
        rotated["client_secret"].as_str().unwrap(),
    )
    .await
    .ok(200);
    let new = new["access_token"].as_str().unwrap();
    assert_eq!(app.state.jwt.decode(new).unwrap().ver, 2);
    app.get("/api/v1/loans", new).await.ok(200);
    // The old token stays refused.
    app.get("/api/v1/loans", &old).await.problem(401);
}

#[actix_web::test]
async fn disabling_refuses_tokens_at_once() {
    let app = TestApp::new().await;
    let (id, token) = partner_with_token(&app).await;
    app.get("/api/v1/loans", &token).await.ok(200);
    app.post(
        &format!("/api/v1/partners/{id}/disable"),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    app.get("/api/v1/loans", &token).await.problem(401);
}

#[actix_web::test]
async fn another_instance_sees_a_rotation_within_its_ttl() {
    let app = TestApp::new().await;
    let (id, token) = partner_with_token(&app).await;
    // A second instance over the same database, with a 100 ms cache.
    let mut s = settings(&app.state.settings.database_url);
    s.storage = app.state.settings.storage.clone();
    s.revocation_ttl_ms = 100;
    let other = init_service(build_app(AppState::new(app.state.pool.clone(), s).unwrap())).await;
    let get = |t: &str| {
        TestRequest::get()
            .uri("/api/v1/loans")
            .insert_header(("Authorization", format!("Bearer {t}")))
            .to_request()
    };
    // The other instance caches the partner's standing.
    assert_eq!(call_service(&other, get(&token)).await.status(), 200);
    app.post(
        &format!("/api/v1/partners/{id}/rotate-secret"),
        &app.admin(),
        json!({}),
    )
    .await
    .ok(200);
    // This instance refuses at once; the other one once its entry has run out.
    app.get("/api/v1/loans", &token).await.problem(401);
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(call_service(&other, get(&token)).await.status(), 401);
}

#[actix_web::test]
async fn a_user_disabled_by_sql_is_refused_within_the_ttl() {
    let app = TestApp::with_settings(|s| s.revocation_ttl_ms = 100).await;
    let args = CreateUser {
        username: "clerk".into(),
        role: "observer".into(),
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
    };
    create_user(&mut app.conn(), &args, "a long password").unwrap();
    let t = app
        .send(
            actix_web::http::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "clerk", "password": "a long password"})),
        )
        .await
        .ok(200);
    let token = t["access_token"].as_str().unwrap();
    assert_eq!(app.state.jwt.decode(token).unwrap().ver, 1);
    app.get("/api/v1/towns", token).await.ok(200);
    // Behind the service's back: no write of this process drops the cache entry.
    exec(
        &mut app.conn(),
        "UPDATE users SET disabled = TRUE WHERE username = 'clerk'",
    );
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    app.get("/api/v1/towns", token).await.problem(401);
}

#[actix_web::test]
async fn a_token_without_a_current_version_is_refused() {
    let app = TestApp::new().await;
    let user_id = app.caller(&app.admin()).user_id().unwrap();
    let mut c = app.state.jwt.decode(&app.admin()).unwrap();
    c.ver = 0;
    let stale = app.state.jwt.encode_claims(&c).unwrap();
    app.get("/api/v1/towns", &stale).await.problem(401);
    // Disabling through the model bumps the version: the current token is refused too.
    let admin = app.admin();
    app.get("/api/v1/towns", &admin).await.ok(200);
    app.write(|conn| {
        Ok(coophub::db::models::user::set_disabled(
            conn, user_id, true,
        )?)
    })
    .unwrap();
    app.state
        .revocation
        .forget(coophub::auth::revocation::SubjectKey::User(user_id));
    app.get("/api/v1/towns", &admin).await.problem(401);
}
