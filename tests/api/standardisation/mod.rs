use chrono::Datelike;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{TestApp, TOWN_A, TOWN_B};

fn this_year() -> i32 {
    chrono::Utc::now().year()
}

fn governance() -> Value {
    json!({
        "charter_adopted_on": "2015-03-01", "member_assembly": true, "board_chair": "张三",
        "board_members": ["张三", "李四"], "supervisors": ["赵六"],
        "bookkeeping": "agent", "bookkeeper": "钱七", "disclosure_channels": ["bulletin_board"]
    })
}

fn draft(members: i32, farmers: i32, surplus: i64, returned: i64) -> Value {
    json!({
        "member_count": members, "farmer_member_count": farmers, "total_assets_fen": 1_000_000,
        "total_liabilities_fen": 200_000, "operating_revenue_fen": 3_000_000, "surplus_fen": surplus,
        "surplus_returned_by_transactions_fen": returned
    })
}

#[actix_web::test]
async fn governance_put_get_and_conflicts() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/governance");
    app.get(&url, &app.admin()).await.problem(404);
    let r = app.put(&url, &app.admin(), governance()).await;
    let g = r.ok(201);
    assert_eq!(g["version"], 1);
    assert_eq!(g["supervisors"], json!(["赵六"]));
    assert_eq!(app.get(&url, &app.admin()).await.ok(200), g);
    // A supervisor who is also a director, chair or bookkeeper → 422 on supervisors.
    for who in ["李四", "张三", "钱七"] {
        let mut body = governance();
        body["supervisors"] = json!(["赵六", who]);
        let p = app
            .put(&url, &app.admin(), body)
            .await
            .field_error("supervisors");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains(who));
    }
    let mut bad = governance();
    bad["bookkeeping"] = json!("abacus");
    app.put(&url, &app.admin(), bad)
        .await
        .field_error("bookkeeping");
    let mut bad = governance();
    bad["charter_adopted_on"] = json!("2999-01-01");
    app.put(&url, &app.admin(), bad)
        .await
        .field_error("charter_adopted_on");
    // Replace, with a stale If-Match refused.
    let stale = actix_web::test::TestRequest::put()
        .uri(&url)
        .insert_header(("Authorization", format!("Bearer {}", app.admin())))
        .insert_header(("If-Match", "\"7\""))
        .set_json(governance());
    app.request(stale).await.problem(412);
    assert_eq!(
        app.put(&url, &app.admin(), governance()).await.ok(200)["version"],
        2
    );
    // Scope and roles.
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let officer = app.token(Role::TownOfficer);
    app.put(
        &format!("/api/v1/cooperatives/{other}/governance"),
        &officer,
        governance(),
    )
    .await
    .problem(404);
    app.put(&url, &officer, governance()).await.ok(200);
    app.put(&url, &app.token(Role::Observer), governance())
        .await
        .problem(403);
    app.get(&url, &app.token(Role::BankPartner))
        .await
        .problem(403);
}

#[actix_web::test]
async fn annual_report_lifecycle() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let last = this_year() - 1;
    let base = format!("/api/v1/cooperatives/{c}/annual-reports");
    // The current year has not ended.
    app.put(
        &format!("{base}/{}", this_year()),
        &app.admin(),
        draft(10, 9, 100, 60),
    )
    .await
    .field_error("year");
    // Before the cooperative existed.
    app.put(&format!("{base}/2010"), &app.admin(), draft(10, 9, 100, 60))
        .await
        .field_error("year");
    let url = format!("{base}/{last}");
    let created = app
        .put(&url, &app.admin(), draft(10, 9, 100, 60))
        .await
        .ok(201);
    assert_eq!(created["status"], "draft");
    assert_eq!(created["deadline"], format!("{}-06-30", last + 1));
    app.put(&url, &app.admin(), draft(10, 8, 100, 60))
        .await
        .ok(200);
    // Publishing a draft is illegal.
    app.post(&format!("{url}/publish"), &app.admin(), json!({}))
        .await
        .problem(409);
    let submitted = app
        .send(
            actix_web::http::Method::POST,
            &format!("{url}/submit"),
            Some(&app.admin()),
            None,
        )
        .await
        .ok(200);
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(
        submitted["submitted_on"],
        chrono::Utc::now().date_naive().to_string()
    );
    // No more edits, no second submission.
    app.put(&url, &app.admin(), draft(10, 9, 100, 60))
        .await
        .problem(409);
    app.post(&format!("{url}/submit"), &app.admin(), json!({}))
        .await
        .problem(409);
    let published = app
        .post(&format!("{url}/publish"), &app.admin(), json!({}))
        .await
        .ok(200);
    assert_eq!(published["status"], "published");
    app.post(&format!("{url}/publish"), &app.admin(), json!({}))
        .await
        .problem(409);
    let all = app.get(&base, &app.admin()).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    app.get(&format!("{base}/{}", last - 5), &app.admin())
        .await
        .problem(404);
}

#[actix_web::test]
async fn figures_are_checked() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!(
        "/api/v1/cooperatives/{c}/annual-reports/{}",
        this_year() - 1
    );
    app.put(&url, &app.admin(), draft(10, 11, 100, 60))
        .await
        .field_error("farmer_member_count");
    app.put(&url, &app.admin(), draft(10, 9, 100, 101))
        .await
        .field_error("surplus_returned_by_transactions_fen");
    let mut neg = draft(10, 9, 100, 60);
    neg["total_assets_fen"] = json!(-1);
    app.put(&url, &app.admin(), neg)
        .await
        .field_error("total_assets_fen");
    let mut unknown = draft(10, 9, 100, 60);
    unknown["profit"] = json!(1);
    app.put(&url, &app.admin(), unknown).await.problem(400);
    app.get(&url, &app.admin()).await.problem(404);
}

#[actix_web::test]
async fn late_filing_and_who_may_date_it() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let older = this_year() - 2;
    let own = app.token_for(
        Role::Cooperative,
        Subject {
            cooperative_id: Some(c),
            ..Default::default()
        },
    );
    let base = format!("/api/v1/cooperatives/{c}/annual-reports");
    app.put(&format!("{base}/{older}"), &own, draft(10, 9, 100, 60))
        .await
        .ok(201);
    // The cooperative may not back-date, nor publish.
    let late_day = format!("{}-07-15", older + 1);
    app.post(
        &format!("{base}/{older}/submit"),
        &own,
        json!({"submitted_on": late_day}),
    )
    .await
    .problem(403);
    // Future dates and dates before the filing window are refused.
    app.post(
        &format!("{base}/{older}/submit"),
        &app.admin(),
        json!({"submitted_on": "2999-01-01"}),
    )
    .await
    .field_error("submitted_on");
    app.post(
        &format!("{base}/{older}/submit"),
        &app.admin(),
        json!({"submitted_on": format!("{older}-12-01")}),
    )
    .await
    .field_error("submitted_on");
    app.post(
        &format!("{base}/{older}/submit"),
        &app.admin(),
        json!({"when": "x"}),
    )
    .await
    .problem(400);
    let r = app
        .post(
            &format!("{base}/{older}/submit"),
            &app.admin(),
            json!({"submitted_on": late_day}),
        )
        .await
        .ok(200);
    assert_eq!(r["late"], true);
    app.post(&format!("{base}/{older}/publish"), &own, json!({}))
        .await
        .problem(403);
    app.post(
        &format!("{base}/{older}/publish"),
        &app.admin(),
        json!({"published_on": format!("{}-07-01", older + 1)}),
    )
    .await
    .field_error("published_on");
    app.post(
        &format!("{base}/{older}/publish"),
        &app.token(Role::TownOfficer),
        json!({"published_on": format!("{}-07-20", older + 1)}),
    )
    .await
    .ok(200);

    // On time: submitted by 30 June.
    let last = this_year() - 1;
    let on_time = format!("{}-06-30", last + 1);
    app.put(
        &format!("{base}/{last}"),
        &app.admin(),
        draft(10, 9, 100, 60),
    )
    .await
    .ok(201);
    let r = app
        .post(
            &format!("{base}/{last}/submit"),
            &app.admin(),
            json!({"submitted_on": on_time}),
        )
        .await
        .ok(200);
    assert_eq!(r["late"], false);

    // The district list filters by year, status, lateness and town.
    let list = |q: String| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/annual-reports?{q}&count=true"),
                &app.admin(),
            )
            .await
            .ok(200)["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(list("late=true".into()).await, 1);
    assert_eq!(list(format!("year={last}")).await, 1);
    assert_eq!(list("status=published".into()).await, 1);
    assert_eq!(list(format!("town_code={TOWN_B}")).await, 0);
    app.get("/api/v1/annual-reports?status=lost", &app.admin())
        .await
        .problem(400);
    app.get("/api/v1/annual-reports", &app.token(Role::ServiceCenter))
        .await
        .problem(403);
}

#[actix_web::test]
async fn publication_rate_counts_only_cooperatives_not_on_the_abnormal_list() {
    let app = TestApp::new().await;
    let last = this_year() - 1;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(app.create_coop(n, TOWN_A).await["id"].as_i64().unwrap());
    }
    for id in &ids[..2] {
        let url = format!("/api/v1/cooperatives/{id}/annual-reports/{last}");
        app.put(&url, &app.admin(), draft(10, 9, 100, 60))
            .await
            .ok(201);
        app.post(&format!("{url}/submit"), &app.admin(), json!({}))
            .await
            .ok(200);
        app.post(&format!("{url}/publish"), &app.admin(), json!({}))
            .await
            .ok(200);
    }
    let rate = app
        .get(
            &format!("/api/v1/annual-reports/publication-rate?year={last}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(
        (rate["expected"].as_i64(), rate["published"].as_i64()),
        (Some(4), Some(2))
    );
    assert_eq!(rate["rate"], 0.5);
    app.post(
        &format!("/api/v1/cooperatives/{}/abnormal-listing", ids[3]),
        &app.admin(),
        json!({"reason": "未报年报"}),
    )
    .await
    .ok(201);
    let rate = app
        .get(
            &format!("/api/v1/annual-reports/publication-rate?year={last}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(
        (rate["expected"].as_i64(), rate["published"].as_i64()),
        (Some(3), Some(2))
    );
}

#[actix_web::test]
async fn compliance_is_computed_from_the_data() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/compliance");
    let check = |v: &Value, name: &str| -> bool {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("{name}"))["passed"]
            .as_bool()
            .unwrap()
    };
    let empty = app.get(&url, &app.admin()).await.ok(200);
    assert_eq!(empty["checks"].as_array().unwrap().len(), 9);
    assert!(!check(&empty, "annual_assembly"));
    assert!(check(&empty, "representation"));
    assert!(!check(&empty, "min_members"));
    assert!(!check(&empty, "governance"));
    assert!(!check(&empty, "charter"));
    assert_eq!(empty["passed_all"], false);
    // Four farmers and one enterprise: 5 members, 80% farmers, 1 capped non-farmer.
    for n in 0..4 {
        app.add_member(c, n, "farmer").await;
    }
    app.add_member(c, 10, "enterprise").await;
    app.put(
        &format!("/api/v1/cooperatives/{c}/governance"),
        &app.admin(),
        governance(),
    )
    .await
    .ok(201);
    let last = this_year() - 1;
    let report = format!("/api/v1/cooperatives/{c}/annual-reports/{last}");
    app.put(&report, &app.admin(), draft(5, 4, 1000, 600))
        .await
        .ok(201);
    app.post(
        &format!("{report}/submit"),
        &app.admin(),
        json!({"submitted_on": format!("{}-03-01", last + 1)}),
    )
    .await
    .ok(200);
    app.post(
        &format!("{report}/publish"),
        &app.admin(),
        json!({"published_on": format!("{}-03-02", last + 1)}),
    )
    .await
    .ok(200);
    app.hold_assembly(c, &format!("{last}-03-15"), 5, "budget", 5)
        .await;
    let full = app.get(&url, &app.admin()).await.ok(200);
    for name in [
        "min_members",
        "farmer_share",
        "non_farmer_cap",
        "governance",
        "charter",
        "surplus_return",
        "annual_report",
        "annual_assembly",
        "representation",
    ] {
        assert!(check(&full, name), "{name}: {full}");
    }
    assert_eq!(full["passed_all"], true);
    let share = full["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "farmer_share")
        .unwrap();
    assert_eq!(share["figures"]["farmers"], 4);
    assert!(share["reason"].as_str().unwrap().contains("80.0%"));
    // A second enterprise breaks two rules at once.
    app.add_member(c, 11, "enterprise").await;
    let now = app.get(&url, &app.admin()).await.ok(200);
    assert!(!check(&now, "farmer_share"));
    assert!(!check(&now, "non_farmer_cap"));
    // Scope and roles.
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    app.get(
        &format!("/api/v1/cooperatives/{other}/compliance"),
        &app.token(Role::TownOfficer),
    )
    .await
    .problem(404);
    app.get(&url, &app.token(Role::TownOfficer)).await.ok(200);
    app.get(&url, &app.token(Role::BankPartner))
        .await
        .problem(403);
}

#[actix_web::test]
async fn report_and_governance_reads_are_scoped() {
    let app = TestApp::new().await;
    let other = app.create_coop(2, TOWN_B).await["id"].as_i64().unwrap();
    let last = this_year() - 1;
    let url = format!("/api/v1/cooperatives/{other}/annual-reports/{last}");
    app.put(&url, &app.admin(), draft(5, 5, 0, 0)).await.ok(201);
    let officer = app.token(Role::TownOfficer);
    app.get(&url, &officer).await.problem(404);
    app.get(
        &format!("/api/v1/cooperatives/{other}/annual-reports"),
        &officer,
    )
    .await
    .problem(404);
    app.put(&url, &officer, draft(5, 5, 0, 0))
        .await
        .problem(404);
    app.post(&format!("{url}/submit"), &officer, json!({}))
        .await
        .problem(404);
    app.put(&url, &app.token(Role::Observer), draft(5, 5, 0, 0))
        .await
        .problem(403);
    app.put(&url, &app.token(Role::BankPartner), draft(5, 5, 0, 0))
        .await
        .problem(403);
    app.get(
        "/api/v1/annual-reports/publication-rate",
        &app.token(Role::BankPartner),
    )
    .await
    .problem(403);
    let rate = app
        .get("/api/v1/annual-reports/publication-rate", &officer)
        .await
        .ok(200);
    assert_eq!(
        rate["expected"], 0,
        "another town's cooperative is not counted for this officer"
    );
    app.get(
        "/api/v1/annual-reports/publication-rate?year=abc",
        &app.admin(),
    )
    .await
    .problem(400);
}

mod service;
