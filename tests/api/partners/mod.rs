mod revocation;

use actix_web::test::TestRequest;
use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::{make_partner, token_form};
use crate::common::TestApp;

#[actix_web::test]
async fn partner_secret_is_shown_once_and_hashed() {
    let app = TestApp::new().await;
    let p = make_partner(&app, "psbc").await;
    assert_eq!(p["bank_code"], "psbc");
    let secret = p["client_secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 32);
    let id = p["id"].as_i64().unwrap();
    let got = app
        .get(&format!("/api/v1/partners/{id}"), &app.admin())
        .await
        .ok(200);
    assert!(got.get("client_secret").is_none());
    let list = app.get("/api/v1/partners", &app.admin()).await.ok(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    // Only a hash is stored.
    use coophub::db::schema::partners;
    use diesel::prelude::*;
    let stored: String = partners::table
        .select(partners::secret_hash)
        .first(&mut *app.conn())
        .unwrap();
    assert!(!stored.contains(&secret));
}

#[actix_web::test]
async fn client_credentials_form_json_and_basic() {
    let app = TestApp::new().await;
    let p = make_partner(&app, "psbc").await;
    let (cid, secret) = (
        p["client_id"].as_str().unwrap(),
        p["client_secret"].as_str().unwrap(),
    );
    let t = token_form(&app, cid, secret).await.ok(200);
    assert_eq!(t["token_type"], "Bearer");
    assert!(t["expires_in"].as_i64().unwrap() <= 3600);
    let claims = app
        .state
        .jwt
        .decode(t["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.role, Role::BankPartner);
    assert_eq!(claims.bank_code.as_deref(), Some("psbc"));
    assert_eq!(claims.sub, format!("partner:{}", p["id"]));
    // The token works.
    app.get("/api/v1/loans", t["access_token"].as_str().unwrap())
        .await
        .ok(200);

    let r = app
        .send(
            actix_web::http::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})),
        )
        .await;
    r.ok(200);

    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{cid}:{secret}"));
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("Authorization", format!("Basic {basic}")))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("grant_type=client_credentials"),
        )
        .await;
    r.ok(200);
}

#[actix_web::test]
async fn wrong_secret_disabled_and_rotated_are_401() {
    let app = TestApp::new().await;
    let p = make_partner(&app, "psbc").await;
    let id = p["id"].as_i64().unwrap();
    let cid = p["client_id"].as_str().unwrap();
    let old = p["client_secret"].as_str().unwrap();
    token_form(&app, cid, "wrong").await.problem(401);
    token_form(&app, "cp_unknown", old).await.problem(401);

    let rotated = app
        .post(
            &format!("/api/v1/partners/{id}/rotate-secret"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(200);
    let new = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new, old);
    token_form(&app, cid, old).await.problem(401);
    token_form(&app, cid, new).await.ok(200);

    let d = app
        .post(
            &format!("/api/v1/partners/{id}/disable"),
            &app.admin(),
            json!({}),
        )
        .await
        .ok(200);
    assert_eq!(d["disabled"], true);
    token_form(&app, cid, new).await.problem(401);
}

#[actix_web::test]
async fn bad_token_requests() {
    let app = TestApp::new().await;
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("grant_type=implicit&client_id=a&client_secret=b"),
        )
        .await;
    let p = r.problem(400);
    assert_eq!(p["errors"][0]["field"], "grant_type");
    // Each grant names the field it misses.
    for (body, field) in [
        ("grant_type=password&password=x", "username"),
        ("grant_type=password&username=x", "password"),
        ("grant_type=refresh_token", "refresh_token"),
    ] {
        let r = app
            .request(
                TestRequest::post()
                    .uri("/api/v1/auth/token")
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .set_payload(body),
            )
            .await;
        assert_eq!(r.problem(400)["errors"][0]["field"], field, "{body}");
    }
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload("grant_type=client_credentials"),
        )
        .await;
    r.problem(400);
    let r = app
        .request(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .insert_header(("Content-Type", "text/plain"))
                .set_payload("x"),
        )
        .await;
    r.problem(415);
}

#[actix_web::test]
async fn only_the_district_manages_partners() {
    let app = TestApp::new().await;
    for role in [
        Role::BankPartner,
        Role::Observer,
        Role::TownOfficer,
        Role::Cooperative,
    ] {
        app.post(
            "/api/v1/partners",
            &app.token(role),
            json!({"bank_code": "psbc", "name": "x"}),
        )
        .await
        .problem(403);
        app.get("/api/v1/partners", &app.token(role))
            .await
            .problem(403);
    }
    app.post(
        "/api/v1/partners",
        &app.admin(),
        json!({"bank_code": "PS BC", "name": "x"}),
    )
    .await
    .field_error("bank_code");
    app.get("/api/v1/partners/999", &app.admin())
        .await
        .problem(404);
}
