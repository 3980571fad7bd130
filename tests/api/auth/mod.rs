mod limits;

use actix_web::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use coophub::auth::jwt::{Claims, JwtKeys, Subject};
use coophub::auth::Role;
use coophub::cli::{create_user, CreateUser};
use serde_json::json;

use crate::common::{TestApp, TOWN_A};

fn user(username: &str, role: &str) -> CreateUser {
    CreateUser {
        username: username.into(),
        role: role.into(),
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
    }
}

async fn login(app: &TestApp, username: &str, password: &str) -> crate::common::Resp {
    app.send(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

#[actix_web::test]
async fn login_gives_a_working_token() {
    let app = TestApp::new().await;
    let mut args = user("jinshan", "town_officer");
    args.town_code = Some(TOWN_A.into());
    create_user(&mut app.conn(), &args, "a long password").unwrap();
    let r = login(&app, "jinshan", "a long password").await;
    let body = r.ok(200);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() <= 3600);
    let token = body["access_token"].as_str().unwrap();
    let claims = app.state.jwt.decode(token).unwrap();
    assert_eq!(claims.role, Role::TownOfficer);
    assert_eq!(claims.town_code.as_deref(), Some(TOWN_A));
    assert_eq!(claims.iss, "coophub");
    assert!(claims.exp - claims.iat <= 3600);
    app.get("/api/v1/towns", token).await.ok(200);
}

#[actix_web::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::new().await;
    create_user(
        &mut app.conn(),
        &user("admin", "district_admin"),
        "a long password",
    )
    .unwrap();
    let wrong = login(&app, "admin", "not the password").await;
    let unknown = login(&app, "nobody", "not the password").await;
    let a = wrong.problem(401);
    let b = unknown.problem(401);
    assert_eq!(a, b);
    assert_eq!(
        wrong.header("www-authenticate"),
        unknown.header("www-authenticate")
    );
}

#[actix_web::test]
async fn sixth_failure_in_a_minute_is_429_with_retry_after() {
    let app = TestApp::new().await;
    create_user(
        &mut app.conn(),
        &user("admin", "district_admin"),
        "a long password",
    )
    .unwrap();
    for i in 0..5 {
        login(&app, "admin", &format!("guess {i}"))
            .await
            .problem(401);
    }
    let r = login(&app, "admin", "guess 6").await;
    r.problem(429);
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // While blocked, even the right password is refused.
    login(&app, "admin", "a long password").await.problem(429);
}

#[actix_web::test]
async fn disabled_user_cannot_log_in() {
    let app = TestApp::new().await;
    create_user(&mut app.conn(), &user("old", "observer"), "a long password").unwrap();
    // Raw SQL: no endpoint or command disables a user yet.
    crate::common::exec(
        &mut app.conn(),
        "UPDATE users SET disabled = TRUE WHERE username = 'old'",
    );
    login(&app, "old", "a long password").await.problem(401);
}

#[actix_web::test]
async fn an_unknown_stored_role_is_an_error_not_a_default() {
    let app = TestApp::new().await;
    create_user(&mut app.conn(), &user("odd", "observer"), "a long password").unwrap();
    // Raw SQL: the API and the CLI only ever write known roles.
    crate::common::exec(
        &mut app.conn(),
        "UPDATE users SET role = 'root' WHERE username = 'odd'",
    );
    let err = app
        .write(|conn| coophub::service::auth::authenticate(conn, "odd", "a long password"))
        .unwrap_err();
    assert!(
        matches!(err, coophub::error::ApiError::Internal(ref m) if m.contains("root")),
        "{err:?}"
    );
    login(&app, "odd", "a long password").await.problem(500);
}

#[actix_web::test]
async fn login_validates_its_body() {
    let app = TestApp::new().await;
    let r = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a"})),
        )
        .await;
    r.field_error("password");
}

fn claims(role: Role) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "1".into(),
        name: "x".into(),
        role,
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
        // The subject "1" is made by `TestApp::subject_version` at version 1.
        ver: 1,
        sid: None,
        iss: "coophub".into(),
        aud: "coophub-api".into(),
        iat: now,
        exp: now + 600,
    }
}

async fn assert_refused(app: &TestApp, token: &str) {
    let r = app.get("/api/v1/towns", token).await;
    r.problem(401);
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
}

#[actix_web::test]
async fn bad_tokens_are_401() {
    let app = TestApp::new().await;
    assert_eq!(app.subject_version("1"), 1);
    // A good one works, so the refusals below are about the token.
    app.get(
        "/api/v1/towns",
        &app.state
            .jwt
            .encode_claims(&claims(Role::Observer))
            .unwrap(),
    )
    .await
    .ok(200);

    // alg: none
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(Role::DistrictAdmin)).unwrap());
    assert_refused(&app, &format!("{header}.{payload}.")).await;

    // signed with another key
    let other = JwtKeys::new(b"another-secret-another-secret-another");
    assert_refused(
        &app,
        &other.encode_claims(&claims(Role::DistrictAdmin)).unwrap(),
    )
    .await;

    // expired (beyond the small leeway)
    let mut c = claims(Role::Observer);
    c.iat -= 3000;
    c.exp = chrono::Utc::now().timestamp() - 120;
    assert_refused(&app, &app.state.jwt.encode_claims(&c).unwrap()).await;

    // wrong issuer, wrong audience
    let mut c = claims(Role::Observer);
    c.iss = "someone-else".into();
    assert_refused(&app, &app.state.jwt.encode_claims(&c).unwrap()).await;
    let mut c = claims(Role::Observer);
    c.aud = "another-api".into();
    assert_refused(&app, &app.state.jwt.encode_claims(&c).unwrap()).await;

    // tampered payload: an observer's token made to say district_admin
    let good = app
        .state
        .jwt
        .encode_claims(&claims(Role::Observer))
        .unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(Role::DistrictAdmin)).unwrap());
    assert_refused(&app, &format!("{}.{}.{}", parts[0], forged, parts[2])).await;

    // garbage, and a role without its scope claim
    assert_refused(&app, "not-a-token").await;
    assert_refused(
        &app,
        &app.state
            .jwt
            .encode_claims(&claims(Role::TownOfficer))
            .unwrap(),
    )
    .await;
}

#[actix_web::test]
async fn missing_or_non_bearer_authorization_is_401() {
    let app = TestApp::new().await;
    app.send(Method::GET, "/api/v1/towns", None, None)
        .await
        .problem(401);
    let r = app
        .request(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/towns")
                .insert_header(("Authorization", "Basic YWRtaW46YWRtaW4=")),
        )
        .await;
    r.problem(401);
}

#[actix_web::test]
async fn token_helper_scopes_match_roles() {
    let app = TestApp::new().await;
    let t = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(9),
            ..Default::default()
        },
    );
    assert_eq!(app.state.jwt.decode(&t).unwrap().cooperative_id, Some(9));
}
