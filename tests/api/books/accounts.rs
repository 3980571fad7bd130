//! Member accounts: a year's transactions one by one and from a CSV file.

use actix_web::test::TestRequest;
use chrono::Datelike;
use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::books::coop_token;
use crate::common::{id_number, Resp, TestApp, TOWN_A, TOWN_B};

fn last_year() -> i32 {
    chrono::Utc::now().date_naive().year() - 1
}

fn tx_url(coop: i64, member: i64, year: i32) -> String {
    format!("/api/v1/cooperatives/{coop}/members/{member}/transactions/{year}")
}

async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: &str) -> Resp {
    app.request(
        TestRequest::post()
            .uri(&format!("/api/v1/imports/member-transactions?{query}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .set_payload(body.to_string()),
    )
    .await
}

#[actix_web::test]
async fn transactions_of_a_year_make_the_account() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let m = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    let y = last_year();
    let r = app
        .put(
            &tx_url(c, m, y),
            &app.admin(),
            json!({"amount_fen": 1_234_567, "quantity": 850, "unit": "kg"}),
        )
        .await;
    let a = r.ok(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(a["transactions"]["amount_fen"], 1_234_567);
    assert_eq!(a["transactions"]["quantity"], 850);
    assert_eq!(a["contribution_fen"], 100_000);
    assert_eq!(a["reserve_share_fen"], 0);
    assert_eq!(a["distribution_status"], json!(null));
    // Replaced at the version read; a stale one is refused.
    let stale = app
        .request(
            TestRequest::put()
                .uri(&tx_url(c, m, y))
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-Match", "\"5\""))
                .set_json(json!({"amount_fen": 1})),
        )
        .await;
    stale.problem(412);
    let again = app
        .put(&tx_url(c, m, y), &app.admin(), json!({"amount_fen": 2_000}))
        .await
        .ok(200);
    assert_eq!(again["version"], 2);
    assert_eq!(again["transactions"]["quantity"], json!(null));
    let read = app
        .get(
            &format!("/api/v1/cooperatives/{c}/members/{m}/account?year={y}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(read["transactions"]["amount_fen"], 2_000);
    // Another year has its own (empty) account.
    let empty = app
        .get(
            &format!(
                "/api/v1/cooperatives/{c}/members/{m}/account?year={}",
                y - 1
            ),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(empty["transactions"]["amount_fen"], 0);
    assert_eq!(empty["version"], 0);

    // Bad input, each named.
    app.put(&tx_url(c, m, y), &app.admin(), json!({"amount_fen": -1}))
        .await
        .field_error("amount_fen");
    app.put(
        &tx_url(c, m, y),
        &app.admin(),
        json!({"amount_fen": 1, "quantity": -5}),
    )
    .await
    .field_error("quantity");
    app.put(
        &tx_url(c, m, y),
        &app.admin(),
        json!({"amount_fen": 1, "unit": "x".repeat(21)}),
    )
    .await
    .field_error("unit");
    // The member joined on 2020-03-01: not a member in 2019; the year after next has not begun.
    app.put(&tx_url(c, m, 2019), &app.admin(), json!({"amount_fen": 1}))
        .await
        .field_error("year");
    app.put(&tx_url(c, m, y + 2), &app.admin(), json!({"amount_fen": 1}))
        .await
        .field_error("year");
    app.put(
        &tx_url(c, m, 99_999),
        &app.admin(),
        json!({"amount_fen": 1}),
    )
    .await
    .field_error("year");
    app.get(
        &format!("/api/v1/cooperatives/{c}/members/{m}/account?year=3000"),
        &app.admin(),
    )
    .await
    .field_error("year");
    app.put(&tx_url(c, 999, y), &app.admin(), json!({"amount_fen": 1}))
        .await
        .problem(404);
}

#[actix_web::test]
async fn accounts_roles_and_scope() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let a = app.add_member(mine, 1, "farmer").await["id"]
        .as_i64()
        .unwrap();
    let b = app.add_member(other, 2, "farmer").await["id"]
        .as_i64()
        .unwrap();
    let y = last_year();
    let body = json!({"amount_fen": 10});
    let officer = app.token(Role::TownOfficer);
    app.put(&tx_url(mine, a, y), &officer, body.clone())
        .await
        .ok(201);
    app.put(&tx_url(other, b, y), &officer, body.clone())
        .await
        .problem(404);
    // A member id of another cooperative under mine: 404.
    app.put(&tx_url(mine, b, y), &app.admin(), body.clone())
        .await
        .problem(404);
    let own = coop_token(&app, mine);
    app.put(&tx_url(mine, a, y), &own, body.clone())
        .await
        .ok(200);
    app.get(
        &format!("/api/v1/cooperatives/{other}/members/{b}/account"),
        &own,
    )
    .await
    .problem(404);
    let observer = app.token(Role::Observer);
    app.get(
        &format!("/api/v1/cooperatives/{mine}/members/{a}/account"),
        &observer,
    )
    .await
    .ok(200);
    app.put(&tx_url(mine, a, y), &observer, body.clone())
        .await
        .problem(403);
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.put(&tx_url(mine, a, y), &app.token(role), body.clone())
            .await
            .problem(403);
        app.get(
            &format!("/api/v1/cooperatives/{mine}/members/{a}/account"),
            &app.token(role),
        )
        .await
        .problem(403);
    }
}

#[actix_web::test]
async fn a_years_transactions_from_csv_all_or_nothing() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let m1 = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    let m2 = app.add_member(c, 2, "farmer").await["id"].as_i64().unwrap();
    let stranger = app.add_member(other, 3, "farmer").await["id"]
        .as_i64()
        .unwrap();
    let y = last_year();
    let q = format!("cooperative_id={c}&year={y}");
    // Bad lines, each named; nothing written.
    let bad = format!(
        "member_id,id_number,amount_fen,quantity\n{m1},,100,\n{stranger},,5,\n{m1},,7,\n,{},-3,\n,,1,\n",
        id_number(2)
    );
    let r = import(&app, &app.admin(), &q, "text/csv", &bad).await;
    let p = r.problem(422);
    let errs: Vec<(u64, String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        errs.contains(&(3, "member_id".into(), "unknown".into())),
        "{errs:?}"
    );
    assert!(
        errs.contains(&(4, "member_id".into(), "duplicate_in_file".into())),
        "{errs:?}"
    );
    assert!(
        errs.contains(&(5, "amount_fen".into(), "range".into())),
        "{errs:?}"
    );
    assert!(
        errs.contains(&(6, "member_id".into(), "required".into())),
        "{errs:?}"
    );
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .ends_with("nothing was imported"));
    let account = format!("/api/v1/cooperatives/{c}/members/{m1}/account?year={y}");
    assert_eq!(
        app.get(&account, &app.admin()).await.ok(200)["transactions"]["amount_fen"],
        0,
        "nothing written"
    );
    // A good file: by member id and by ID number (BOM and all).
    let good = format!(
        "\u{feff}member_id,id_number,amount_fen,quantity,unit\n{m1},,1234567,850,kg\n,{},99801,60,kg\n",
        id_number(2)
    );
    let done = import(&app, &app.admin(), &q, "text/csv; charset=utf-8", &good)
        .await
        .ok(201);
    assert_eq!(done["imported"], 2);
    assert_eq!(done["member_ids"], json!([m1, m2]));
    assert!(!String::from_utf8_lossy(&serde_json::to_vec(&done).unwrap()).contains(&id_number(2)));
    let a = app.get(&account, &app.admin()).await.ok(200);
    assert_eq!(a["transactions"]["amount_fen"], 1_234_567);
    assert_eq!(a["transactions"]["unit"], "kg");
    // Wrong body, header, query, roles and scope.
    import(&app, &app.admin(), &q, "application/json", &good)
        .await
        .problem(415);
    import(&app, &app.admin(), &q, "text/csv", "name,amount\nx,1\n")
        .await
        .field_error("header");
    import(&app, &app.admin(), &q, "text/csv", "member_id,amount_fen\n")
        .await
        .field_error("body");
    import(
        &app,
        &app.admin(),
        &format!("cooperative_id={c}&year=3000"),
        "text/csv",
        &good,
    )
    .await
    .field_error("year");
    import(
        &app,
        &app.admin(),
        &format!("cooperative_id={c}&year={}", y + 2),
        "text/csv",
        &good,
    )
    .await
    .field_error("year");
    let missing = import(
        &app,
        &app.admin(),
        &format!("cooperative_id={c}"),
        "text/csv",
        &good,
    )
    .await
    .problem(400);
    assert_eq!(missing["errors"][0]["field"], "year");
    let officer = app.token(Role::TownOfficer);
    import(&app, &officer, &q, "text/csv", &good).await.ok(201);
    import(
        &app,
        &officer,
        &format!("cooperative_id={other}&year={y}"),
        "text/csv",
        &good,
    )
    .await
    .problem(404);
    for role in [Role::Observer, Role::BankPartner, Role::ServiceCenter] {
        import(&app, &app.token(role), &q, "text/csv", &good)
            .await
            .problem(403);
    }
}
