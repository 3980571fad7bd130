//! Surplus distributions: worked by hand, adopted with the assembly's resolution, posted to
//! the members' accounts, and read by compliance.

use chrono::Datelike;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::books::coop_token;
use crate::common::{member_body, TestApp, TOWN_A, TOWN_B};

fn last_year() -> i32 {
    chrono::Utc::now().date_naive().year() - 1
}

fn dist_url(coop: i64, year: i32) -> String {
    format!("/api/v1/cooperatives/{coop}/surplus-distributions/{year}")
}

/// Seven farmers with these contributions (fen); returns their ids in joining order.
async fn seven(app: &TestApp, coop: i64) -> Vec<i64> {
    let contributions = [100_000, 100_000, 100_000, 300_000, 50_000, 200_000, 150_000];
    let mut ids = Vec::new();
    for (n, c) in contributions.iter().enumerate() {
        let mut body = member_body(n as u32 + 1, "farmer");
        body["contribution_fen"] = json!(c);
        let m = app
            .post(
                &format!("/api/v1/cooperatives/{coop}/members"),
                &app.admin(),
                body,
            )
            .await
            .ok(201);
        ids.push(m["id"].as_i64().unwrap());
    }
    ids
}

async fn trade(app: &TestApp, coop: i64, member: i64, year: i32, amount: i64) {
    let r = app
        .put(
            &format!("/api/v1/cooperatives/{coop}/members/{member}/transactions/{year}"),
            &app.admin(),
            json!({"amount_fen": amount}),
        )
        .await;
    assert!(
        r.status.is_success(),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}

fn column(d: &Value, name: &str) -> Vec<i64> {
    d["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[name].as_i64().unwrap())
        .collect()
}

fn surplus_check(v: &Value) -> Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "surplus_return")
        .cloned()
        .unwrap()
}

#[actix_web::test]
async fn seven_members_worked_by_hand_then_adopted_and_posted() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let m = seven(&app, c).await;
    let y = last_year();
    // Transactions of the year, Σ = 100000 + 33333 + 33333 + 250001 + 7 + 0 + 83326 = 500000
    // (member 6 traded nothing and has no record).
    for (i, amount) in [100_000, 33_333, 33_333, 250_001, 7].iter().enumerate() {
        trade(&app, c, m[i], y, *amount).await;
    }
    trade(&app, c, m[6], y, 83_326).await;

    let compliance = format!("/api/v1/cooperatives/{c}/compliance");
    let before = surplus_check(&app.get(&compliance, &app.admin()).await.ok(200));
    assert_eq!(before["source"], "declared", "{before}");

    // Distributable = 1000002 − 0 − 99999 = 900003.
    // By transactions: ceil(900003 × 6000 / 10000) = ceil(540001.8) = 540002; by shares 360001.
    let r = app
        .put(
            &dist_url(c, y),
            &app.admin(),
            json!({"surplus_fen": 1_000_002, "loss_makeup_fen": 0, "reserve_fen": 99_999,
                "distributable_fen": 900_003, "by_transactions_bp": 6000}),
        )
        .await;
    let d = r.ok(201);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(d["status"], "draft");
    assert_eq!(d["distributable_fen"], 900_003);
    assert_eq!(d["by_transactions_fen"], 540_002);
    assert_eq!(d["by_shares_fen"], 360_001);
    assert_eq!(d["allocations"].as_array().unwrap().len(), 7);
    // 540002 × t / 500000, floors and remainders:
    //   m1 54000200000 → 108000 r 200000   m2 17999886666 → 35999 r 386666
    //   m3 17999886666 → 35999 r 386666    m4 135001040002 → 270002 r 40002
    //   m5 3780014 → 7 r 280014            m6 0 → 0 r 0
    //   m7 44996206652 → 89992 r 206652
    // Floors sum to 539999; the 3 fen left go to the largest remainders: m2, m3 (386666),
    // then m5 (280014).
    assert_eq!(
        column(&d, "by_transactions_fen"),
        [108_000, 36_000, 36_000, 270_002, 8, 0, 89_992]
    );
    // 360001 × contribution / 1000000 (Σ contributions = 1000000):
    //   m1–m3 36000 r 100000 each, m4 108000 r 300000, m5 18000 r 50000, m6 72000 r 200000,
    //   m7 54000 r 150000; floors 360000, the 1 fen left to m4 (300000).
    assert_eq!(
        column(&d, "by_shares_fen"),
        [36_000, 36_000, 36_000, 108_001, 18_000, 72_000, 54_000]
    );
    // The reserve 99999 × t / 500000:
    //   m1 19999 r 400000, m2 6666 r 266667, m3 6666 r 266667, m4 49999 r 349999,
    //   m5 1 r 199993, m6 0, m7 16665 r 16674; floors 99996, 3 fen left: m1 (400000),
    //   m4 (349999), then of m2 and m3 (tied at 266667) the lower id, m2.
    assert_eq!(
        column(&d, "reserve_share_fen"),
        [20_000, 6_667, 6_666, 50_000, 1, 0, 16_665]
    );
    assert_eq!(
        column(&d, "by_transactions_fen").iter().sum::<i64>(),
        540_002
    );
    assert_eq!(column(&d, "by_shares_fen").iter().sum::<i64>(), 360_001);
    assert_eq!(column(&d, "reserve_share_fen").iter().sum::<i64>(), 99_999);
    assert_eq!(column(&d, "total_fen")[3], 270_002 + 108_001);

    // Adoption needs a passed surplus_distribution resolution of an assembly held after the
    // year: a failed one, another subject, a board's and a missing one are refused.
    let after_year = format!("{}-01-01", y + 1);
    let failed = app
        .hold_assembly(c, &after_year, 7, "surplus_distribution", 3)
        .await;
    let other = app.hold_assembly(c, &after_year, 7, "budget", 7).await;
    let adopt = format!("{}/adopt", dist_url(c, y));
    for (meeting, seq) in [(&failed, 1), (&other, 1), (&failed, 9)] {
        app.post(
            &adopt,
            &app.admin(),
            json!({"meeting_id": meeting["id"], "resolution_seq": seq}),
        )
        .await
        .field_error("resolution_seq");
    }
    let board = app
        .post(
            &format!("/api/v1/cooperatives/{c}/meetings"),
            &app.admin(),
            json!({"kind": "board", "held_on": after_year, "members_total": 3, "attending": 3,
                "resolutions": [{"seq": 1, "subject": "surplus_distribution", "votes_for": 3,
                "votes_against": 0, "abstentions": 0}]}),
        )
        .await
        .ok(201);
    app.post(
        &adopt,
        &app.admin(),
        json!({"meeting_id": board["id"], "resolution_seq": 1}),
    )
    .await
    .field_error("resolution_seq");
    // 4 of 7: 8 > 7, more than half of all members.
    let passed = app
        .hold_assembly(c, &after_year, 7, "surplus_distribution", 4)
        .await;
    let adopted = app
        .post(
            &adopt,
            &app.admin(),
            json!({"meeting_id": passed["id"], "resolution_seq": 1}),
        )
        .await
        .ok(200);
    assert_eq!(adopted["status"], "adopted");
    assert_eq!(adopted["adopted_on"], after_year);
    assert_eq!(
        column(&adopted, "by_transactions_fen"),
        column(&d, "by_transactions_fen")
    );

    // Posted: member 4's account shows its reserve share and allocation.
    let account = app
        .get(
            &format!("/api/v1/cooperatives/{c}/members/{}/account?year={y}", m[3]),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(account["reserve_share_fen"], 50_000);
    assert_eq!(account["contribution_fen"], 300_000);
    assert_eq!(account["transactions"]["amount_fen"], 250_001);
    assert_eq!(account["surplus_allocated_fen"]["by_transactions"], 270_002);
    assert_eq!(account["surplus_allocated_fen"]["by_shares"], 108_001);
    assert_eq!(account["distribution_status"], "adopted");

    // Compliance flips from declared to the distribution: 540002 of 900003 = 60.0%.
    let after = surplus_check(&app.get(&compliance, &app.admin()).await.ok(200));
    assert_eq!(after["source"], "distribution", "{after}");
    assert_eq!(after["passed"], true);
    assert_eq!(after["figures"]["by_transactions_fen"], 540_002);

    // The books of the year are closed now.
    app.put(
        &dist_url(c, y),
        &app.admin(),
        json!({"surplus_fen": 1, "loss_makeup_fen": 0, "reserve_fen": 0, "by_transactions_bp": 6000}),
    )
    .await
    .problem(409);
    app.post(
        &adopt,
        &app.admin(),
        json!({"meeting_id": passed["id"], "resolution_seq": 1}),
    )
    .await
    .problem(409);
    app.put(
        &format!("/api/v1/cooperatives/{c}/members/{}/transactions/{y}", m[0]),
        &app.admin(),
        json!({"amount_fen": 1}),
    )
    .await
    .problem(409);
}

#[actix_web::test]
async fn bad_figures_are_refused() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let y = last_year();
    let ok = json!({"surplus_fen": 1000, "loss_makeup_fen": 100, "reserve_fen": 100, "by_transactions_bp": 6000});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    // No transactions recorded yet: nothing to return 60% by.
    let p = app
        .put(&dist_url(c, y), &app.admin(), ok.clone())
        .await
        .field_error("by_transactions_bp");
    assert_eq!(p["errors"][0]["code"], "no_transactions");
    let m = app.add_member(c, 1, "farmer").await["id"].as_i64().unwrap();
    trade(&app, c, m, y, 5_000).await;
    let p = app
        .put(
            &dist_url(c, y),
            &app.admin(),
            with("by_transactions_bp", json!(5999)),
        )
        .await
        .field_error("by_transactions_bp");
    assert_eq!(p["errors"][0]["code"], "below_minimum");
    app.put(
        &dist_url(c, y),
        &app.admin(),
        with("reserve_fen", json!(901)),
    )
    .await
    .field_error("reserve_fen");
    app.put(
        &dist_url(c, y),
        &app.admin(),
        with("distributable_fen", json!(801)),
    )
    .await
    .field_error("distributable_fen");
    app.put(
        &dist_url(c, y),
        &app.admin(),
        with("surplus_fen", json!(-1)),
    )
    .await
    .field_error("surplus_fen");
    app.put(
        &dist_url(c, y),
        &app.admin(),
        with("surplus_fen", json!(10_000_000_000_001_i64)),
    )
    .await
    .field_error("surplus_fen");
    app.put(&dist_url(c, y + 1), &app.admin(), ok.clone())
        .await
        .field_error("year");
    app.put(&dist_url(c, 3000), &app.admin(), ok.clone())
        .await
        .field_error("year");
    assert_eq!(
        app.put(&dist_url(c, y), &app.admin(), with("bonus", json!(1)))
            .await
            .status
            .as_u16(),
        400
    );
    app.get(&dist_url(c, y), &app.admin()).await.problem(404);
    // Good figures: 800 distributable, 480 by transactions, 320 by shares, all to the one member.
    let d = app
        .put(&dist_url(c, y), &app.admin(), ok.clone())
        .await
        .ok(201);
    assert_eq!(column(&d, "total_fen"), [800]);
    // If-Match: a stale version is refused.
    let stale = app
        .request(
            actix_web::test::TestRequest::put()
                .uri(&dist_url(c, y))
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-Match", "\"7\""))
                .set_json(ok.clone()),
        )
        .await;
    stale.problem(412);
    app.put(&dist_url(c, y), &app.admin(), ok).await.ok(200);
    app.post(
        &format!("{}/adopt", dist_url(c, y)),
        &app.admin(),
        json!({"meeting_id": 0, "resolution_seq": 1}),
    )
    .await
    .field_error("meeting_id");
    app.post(
        &format!("{}/adopt", dist_url(c, y - 1)),
        &app.admin(),
        json!({"meeting_id": 1, "resolution_seq": 1}),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn roles_and_scope() {
    let app = TestApp::new().await;
    let mine = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let y = last_year();
    for c in [mine, other] {
        let m = app.add_member(c, c as u32 * 10, "farmer").await["id"]
            .as_i64()
            .unwrap();
        trade(&app, c, m, y, 1_000).await;
    }
    let body = json!({"surplus_fen": 100, "loss_makeup_fen": 0, "reserve_fen": 0, "by_transactions_bp": 10000});
    let officer = app.token(Role::TownOfficer);
    app.put(&dist_url(mine, y), &officer, body.clone())
        .await
        .ok(201);
    app.put(&dist_url(other, y), &officer, body.clone())
        .await
        .problem(404);
    app.put(&dist_url(other, y), &app.admin(), body.clone())
        .await
        .ok(201);
    app.get(&dist_url(other, y), &officer).await.problem(404);
    let own = coop_token(&app, mine);
    app.put(&dist_url(mine, y), &own, body.clone())
        .await
        .ok(200);
    app.get(&dist_url(other, y), &own).await.problem(404);
    app.get(&dist_url(mine, y), &app.token(Role::Observer))
        .await
        .ok(200);
    app.put(&dist_url(mine, y), &app.token(Role::Observer), body.clone())
        .await
        .problem(403);
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get(&dist_url(mine, y), &app.token(role))
            .await
            .problem(403);
        app.put(&dist_url(mine, y), &app.token(role), body.clone())
            .await
            .problem(403);
        app.post(
            &format!("{}/adopt", dist_url(mine, y)),
            &app.token(role),
            json!({"meeting_id": 1, "resolution_seq": 1}),
        )
        .await
        .problem(403);
    }
    app.put(&dist_url(999, y), &app.admin(), body)
        .await
        .problem(404);
}
