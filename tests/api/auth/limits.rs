//! Login limits: attempts are counted before any check, per client and per account; proxy
//! headers only when trusted; every refusal costs one Argon2 verification.

use actix_web::test::TestRequest;
use coophub::cli::{create_user, CreateUser};
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::common::fixtures::make_partner;
use crate::common::{exec, Resp, TestApp};

fn observer(username: &str) -> CreateUser {
    CreateUser {
        username: username.into(),
        role: "observer".into(),
        town_code: None,
        cooperative_id: None,
        bank_code: None,
        counselor_id: None,
    }
}

/// A login from `peer`, with extra headers.
async fn login_from(
    app: &TestApp,
    peer: &str,
    headers: &[(&str, &str)],
    username: &str,
    password: &str,
) -> Resp {
    let mut r = TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{peer}:40000").parse().unwrap())
        .set_json(json!({"username": username, "password": password}));
    for (k, v) in headers {
        r = r.insert_header((*k, *v));
    }
    app.request(r).await
}

fn assert_429(r: &Resp) {
    r.problem(429);
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
}

#[actix_web::test]
async fn a_concurrent_burst_gets_at_most_five_verdicts() {
    let app = TestApp::new().await;
    create_user(&mut app.conn(), &observer("clerk"), "a long password").unwrap();
    let before = app.state.login_limiter.verifications();
    let burst = (0..20).map(|i| {
        let app = &app;
        async move { login_from(app, "198.51.100.7", &[], "clerk", &format!("guess {i}")).await }
    });
    let answers = join_all(burst).await;
    let verdicts = answers.iter().filter(|r| r.status == 401).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!(verdicts + refused, 20);
    assert!(verdicts <= 5, "{verdicts} verdicts");
    assert_eq!(verdicts, 5, "the first five are judged");
    for r in answers.iter().filter(|r| r.status == 429) {
        assert_429(r);
    }
    // Only the judged attempts ran Argon2.
    assert_eq!(app.state.login_limiter.verifications() - before, 5);
}

#[actix_web::test]
async fn an_account_is_limited_across_client_addresses() {
    let app = TestApp::new().await;
    create_user(&mut app.conn(), &observer("clerk"), "a long password").unwrap();
    for peer in ["198.51.100.1", "198.51.100.2"] {
        for i in 0..5 {
            login_from(&app, peer, &[], "clerk", &format!("guess {i}"))
                .await
                .problem(401);
        }
    }
    // A third address, the account is full: refused unchecked, even the right password.
    let r = login_from(&app, "198.51.100.3", &[], "clerk", "a long password").await;
    assert_429(&r);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 60, "the account window is ten minutes: {wait}");
    // Another account from that address is judged.
    login_from(&app, "198.51.100.3", &[], "other", "guess")
        .await
        .problem(401);
}

#[actix_web::test]
async fn forwarded_for_is_ignored_without_the_setting() {
    let app = TestApp::new().await;
    for i in 0..5 {
        let xff = format!("203.0.113.{i}");
        login_from(
            &app,
            "198.51.100.9",
            &[("x-forwarded-for", &xff)],
            &format!("u{i}"),
            "x",
        )
        .await
        .problem(401);
    }
    let r = login_from(
        &app,
        "198.51.100.9",
        &[
            ("x-forwarded-for", "203.0.113.99"),
            ("forwarded", "for=203.0.113.98"),
        ],
        "u9",
        "x",
    )
    .await;
    assert_429(&r);
}

#[actix_web::test]
async fn with_a_trusted_proxy_the_right_most_hop_counts() {
    let app = TestApp::with_settings(|s| s.trust_proxy = true).await;
    let proxy = "10.0.0.2";
    for i in 0..5 {
        // The client forges the left part; the proxy appends the real address.
        let xff = format!("192.0.2.{i}, 203.0.113.5");
        login_from(
            &app,
            proxy,
            &[("x-forwarded-for", &xff)],
            &format!("u{i}"),
            "x",
        )
        .await
        .problem(401);
    }
    let forged = login_from(
        &app,
        proxy,
        &[("x-forwarded-for", "192.0.2.77, 203.0.113.5")],
        "u7",
        "x",
    )
    .await;
    assert_429(&forged);
    // Another real client behind the same proxy is judged.
    login_from(
        &app,
        proxy,
        &[("x-forwarded-for", "203.0.113.5, 203.0.113.6")],
        "u8",
        "x",
    )
    .await
    .problem(401);
}

#[actix_web::test]
async fn disabled_and_unknown_users_get_the_same_answer_after_the_same_work() {
    let app = TestApp::new().await;
    create_user(&mut app.conn(), &observer("old"), "a long password").unwrap();
    exec(
        &mut app.conn(),
        "UPDATE users SET disabled = TRUE WHERE username = 'old'",
    );
    let limiter = app.state.login_limiter.clone();
    let n = limiter.verifications();
    let disabled = login_from(&app, "198.51.100.20", &[], "old", "a long password").await;
    assert_eq!(
        limiter.verifications(),
        n + 1,
        "the disabled user's password is checked"
    );
    let unknown = login_from(&app, "198.51.100.21", &[], "nobody", "a long password").await;
    assert_eq!(limiter.verifications(), n + 2, "a dummy hash is checked");
    let (a, b): (Value, Value) = (disabled.problem(401), unknown.problem(401));
    assert_eq!(a, b);
    assert_eq!(disabled.body, unknown.body);
}

/// A client-credentials request from `peer`.
async fn token_from(app: &TestApp, peer: &str, client_id: &str, secret: &str) -> Resp {
    app.request(
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(format!(
                "grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
            )),
    )
    .await
}

#[actix_web::test]
async fn client_credentials_are_limited_per_address_and_per_client_id() {
    let app = TestApp::new().await;
    let p = make_partner(&app, "psbc").await;
    let (cid, secret) = (
        p["client_id"].as_str().unwrap(),
        p["client_secret"].as_str().unwrap(),
    );
    // Five wrong secrets from one address; the sixth attempt is not checked.
    for _ in 0..5 {
        token_from(&app, "198.51.100.30", cid, "wrong")
            .await
            .problem(401);
    }
    assert_429(&token_from(&app, "198.51.100.30", cid, secret).await);
    // Five more from another address fill the client id's limit.
    for _ in 0..5 {
        token_from(&app, "198.51.100.31", cid, "wrong")
            .await
            .problem(401);
    }
    assert_429(&token_from(&app, "198.51.100.32", cid, secret).await);
    // An unknown client id from a fresh address is judged: the same 401.
    token_from(&app, "198.51.100.33", "cp_unknown", "x")
        .await
        .problem(401);
}

#[actix_web::test]
async fn the_limits_hold_across_instances() {
    use actix_web::test::{call_service, init_service, read_body};
    use coophub::{build_app, AppState};

    let app = TestApp::new().await;
    create_user(&mut app.conn(), &observer("clerk"), "a long password").unwrap();
    // A second instance over the same database: its own (empty) per-process limiter.
    let mut s = crate::common::settings(&app.state.settings.database_url);
    s.storage = app.state.settings.storage.clone();
    let other = init_service(build_app(AppState::new(app.state.pool.clone(), s).unwrap())).await;
    let on_other = |password: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .peer_addr("198.51.100.9:40000".parse().unwrap())
            .set_json(json!({"username": "clerk", "password": password}))
            .to_request()
    };
    // A success gives its slots back on both layers: it does not count.
    login_from(&app, "198.51.100.9", &[], "clerk", "a long password")
        .await
        .ok(200);
    for i in 0..3 {
        login_from(&app, "198.51.100.9", &[], "clerk", &format!("guess {i}"))
            .await
            .problem(401);
    }
    for i in 3..5 {
        let r = call_service(&other, on_other(&format!("guess {i}"))).await;
        assert_eq!(r.status(), 401);
    }
    // Five failures from this client in all, on two instances: the sixth is refused unchecked,
    // on the instance that has seen only two.
    let before = app.state.login_limiter.verifications();
    let r = call_service(&other, on_other("a long password")).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let body: Value = serde_json::from_slice(&read_body(r).await).unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(app.state.login_limiter.verifications(), before);
}
