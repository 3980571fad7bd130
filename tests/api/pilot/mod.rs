//! The dashboard's figures against a small data set computed by hand; the use case without
//! HTTP in `service`.

mod as_of;
mod coverage_on;
mod service;
mod tallies;

use chrono::Datelike;
use coophub::auth::Role;
use serde_json::json;

use crate::common::fixtures::{apply, product};
use crate::common::{TestApp, TOWN_A, TOWN_B};

#[actix_web::test]
async fn figures_match_a_hand_computed_data_set() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let last = chrono::Utc::now().year() - 1;
    // Four cooperatives: three in TOWN_A, one in TOWN_B.
    let mut ids = Vec::new();
    for (n, town) in [(1, TOWN_A), (2, TOWN_A), (3, TOWN_A), (4, TOWN_B)] {
        ids.push(app.create_coop(n, town).await["id"].as_i64().unwrap());
    }
    // Titles: one national (legacy), one district approved in 2022. Written directly: the API
    // grants no national title, and approves applications of the current year only.
    crate::common::exec(
        &mut app.conn(),
        &format!(
            "UPDATE cooperatives SET demonstration_level = 'national' WHERE id = {}",
            ids[0]
        ),
    );
    crate::common::exec(&mut app.conn(), &format!(
        "INSERT INTO demonstration_applications (cooperative_id, level, year, status, eligible, gates, version, created_at, updated_at) \
         VALUES ({}, 'district', 2022, 'approved', TRUE, '[]', 1, '2022-05-01 00:00:00', '2022-05-01 00:00:00')", ids[1]));
    crate::common::exec(
        &mut app.conn(),
        &format!(
            "UPDATE cooperatives SET demonstration_level = 'district' WHERE id = {}",
            ids[1]
        ),
    );
    // Reports for last year: ids[0] and ids[3] published; ids[2] on the abnormal list.
    for id in [ids[0], ids[3]] {
        let url = format!("/api/v1/cooperatives/{id}/annual-reports/{last}");
        app.put(&url, &admin, json!({"member_count": 5, "farmer_member_count": 5, "total_assets_fen": 0, "total_liabilities_fen": 0,
            "operating_revenue_fen": 0, "surplus_fen": 0, "surplus_returned_by_transactions_fen": 0})).await.ok(201);
        app.post(&format!("{url}/submit"), &admin, json!({}))
            .await
            .ok(200);
        app.post(&format!("{url}/publish"), &admin, json!({}))
            .await
            .ok(200);
    }
    app.post(
        &format!("/api/v1/cooperatives/{}/abnormal-listing", ids[2]),
        &admin,
        json!({"reason": "未报年报"}),
    )
    .await
    .ok(201);
    // One counselor covering TOWN_A.
    app.add_counselor(&[TOWN_A]);
    // An active consortium for blueberries.
    let fed = app.post("/api/v1/federations", &admin, json!({"name": "蓝莓产业化联合体", "kind": "industrial_consortium", "industry_code": "blueberry"})).await.ok(201)["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/federations/{fed}/members"),
        &admin,
        json!({"member_kind": "company", "name": "蓝莓公司", "role": "lead"}),
    )
    .await
    .ok(201);
    app.send(
        actix_web::http::Method::POST,
        &format!("/api/v1/federations/{fed}/activate"),
        Some(&admin),
        None,
    )
    .await
    .ok(200);
    // Loans: two applications at psbc (3,000,000 fen and 1,000,000 fen).
    let p = product(&app, "psbc", "equal_installment", true).await;
    apply(&app, ids[0], p, 3_000_000, 12).await;
    apply(&app, ids[3], p, 1_000_000, 12).await;
    // Service orders: two in TOWN_A, one completed and rated 4.
    let o1 = app
        .post(
            "/api/v1/service-orders",
            &admin,
            json!({"cooperative_id": ids[0], "service_type": "registration", "description": "x"}),
        )
        .await
        .ok(201);
    app.post(
        "/api/v1/service-orders",
        &admin,
        json!({"cooperative_id": ids[1], "service_type": "logistics", "description": "y"}),
    )
    .await
    .ok(201);
    let staff = app.token(Role::ServiceCenter);
    let url = format!("/api/v1/service-orders/{}", o1["id"]);
    app.post(&format!("{url}/accept"), &staff, json!({}))
        .await
        .ok(200);
    app.send(
        actix_web::http::Method::POST,
        &format!("{url}/start"),
        Some(&staff),
        None,
    )
    .await
    .ok(200);
    app.post(&format!("{url}/complete"), &staff, json!({}))
        .await
        .ok(200);
    let own = app.token_for(
        Role::Cooperative,
        coophub::auth::jwt::Subject {
            cooperative_id: Some(ids[0]),
            ..Default::default()
        },
    );
    app.post(&format!("{url}/rating"), &own, json!({"score": 4}))
        .await
        .ok(200);

    let p = app
        .get("/api/v1/pilot/progress", &app.token(Role::Observer))
        .await
        .ok(200);
    assert_eq!(p["phase"]["phase"], "completed");
    assert_eq!(p["cooperatives"]["total"], 4);
    assert_eq!(
        p["cooperatives"]["by_status"],
        json!({"abnormal": 1, "active": 3})
    );
    assert_eq!(p["demonstration"]["target_total"], 100);
    assert_eq!(p["demonstration"]["achieved"], 2);
    assert_eq!(
        p["demonstration"]["by_level"],
        json!({"district": 1, "national": 1})
    );
    assert_eq!(
        p["demonstration"]["by_year"]["2022"],
        json!({"target": 7, "achieved": 1})
    );
    assert_eq!(
        p["demonstration"]["by_year"]["2021"],
        json!({"target": 7, "achieved": 0})
    );
    assert_eq!(p["counselor_coverage"]["towns_total"], 34);
    assert_eq!(p["counselor_coverage"]["towns_covered"], 1);
    assert_eq!(
        p["counselor_coverage"]["towns_without_counselor"]
            .as_array()
            .unwrap()
            .len(),
        33
    );
    assert_eq!(p["federations_by_industry"]["specialty_total"], 5);
    assert_eq!(p["federations_by_industry"]["specialty_covered"], 1);
    assert_eq!(
        p["federations_by_industry"]["specialty_without_federation"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(p["loans"]["count"], 2);
    assert_eq!(p["loans"]["amount_fen"], 4_000_000);
    assert_eq!(p["loans"]["by_status"], json!({"submitted": 2}));
    assert_eq!(p["loans"]["by_bank"], json!({"psbc": 2}));
    assert_eq!(p["service_orders"]["count"], 2);
    assert_eq!(
        p["service_orders"]["by_status"],
        json!({"completed": 1, "submitted": 1})
    );
    assert_eq!(p["service_orders"]["average_rating"], 4.0);

    // Publication for last year: 3 expected (the abnormal one is not counted), 2 published.
    let now = app.get("/api/v1/pilot/progress", &admin).await.ok(200);
    let publication = &now["annual_report_publication"];
    assert_eq!(publication["year"], last);
    assert_eq!(
        (
            publication["expected"].as_i64(),
            publication["published"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(now["phase"]["phase"], "completed");

    // Narrowed to a town; a town officer sees only its town.
    let a = app
        .get(
            &format!("/api/v1/pilot/progress?town_code={TOWN_A}"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(a["cooperatives"]["total"], 3);
    assert_eq!(a["loans"]["count"], 1);
    assert_eq!(a["counselor_coverage"]["towns_total"], 1);
    assert_eq!(a["counselor_coverage"]["towns_covered"], 1);
    let officer = app
        .get("/api/v1/pilot/progress", &app.token(Role::TownOfficer))
        .await
        .ok(200);
    assert_eq!(officer["cooperatives"]["total"], 3);
    assert_eq!(officer["service_orders"]["count"], 2);
    let b = app
        .get(
            &format!("/api/v1/pilot/progress?town_code={TOWN_B}"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(b["annual_report_publication"]["published"], 1);
    app.get("/api/v1/pilot/progress?town_code=999", &admin)
        .await
        .field_error("town_code");
    app.get("/api/v1/pilot/progress?on=yesterday", &admin)
        .await
        .problem(400);
    for role in [Role::BankPartner, Role::ServiceCenter] {
        app.get("/api/v1/pilot/progress", &app.token(role))
            .await
            .problem(403);
    }

    // The spreadsheet: a real xlsx (a zip) with a sheet per section.
    let x = app.get("/api/v1/pilot/progress.xlsx", &admin).await;
    assert_eq!(x.status.as_u16(), 200);
    assert!(x
        .content_type()
        .starts_with("application/vnd.openxmlformats"));
    assert!(x.body.starts_with(b"PK"));
    let text = String::from_utf8_lossy(&x.body);
    assert!(text.contains("xl/worksheets/sheet7.xml"), "seven sheets");
    app.get("/api/v1/pilot/progress.xlsx", &app.token(Role::BankPartner))
        .await
        .problem(403);
}

/// Past SQLite's 32,766 bind parameters: the dashboard of a town with 37,000 cooperatives (and
/// of the district) is computed by sub-queries and counts in SQL, not from a list of ids.
#[actix_web::test]
async fn a_town_of_37000_cooperatives_is_no_problem() {
    let app = TestApp::new().await;
    let now = "2026-01-01 00:00:00";
    crate::common::exec(
        &mut app.conn(),
        &format!(
            "INSERT INTO cooperatives (name, uscc, town_code, legal_representative, phone, \
             established_on, registered_capital_fen, status, tier, created_at, updated_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 37000) \
             SELECT 'bulk', 'U' || CAST(i AS TEXT), '{TOWN_A}', '张三', '13812345678', \
             '2015-03-18', 1, CASE WHEN i % 10 = 0 THEN 'abnormal' ELSE 'active' END, \
             CASE WHEN i % 3 = 0 THEN 'standard' ELSE NULL END, '{now}', '{now}' FROM n"
        ),
    );
    let town = app
        .get(
            &format!("/api/v1/pilot/progress?town_code={TOWN_A}"),
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(town["cooperatives"]["total"], 37_000);
    // Every tenth is abnormal: 3,700; every third has a tier: 12,333.
    assert_eq!(town["cooperatives"]["by_status"]["abnormal"], 3_700);
    assert_eq!(town["cooperatives"]["by_status"]["active"], 33_300);
    assert_eq!(town["cooperatives"]["by_tier"]["standard"], 12_333);
    // 33,300 active cooperatives established in 2015 are expected to publish, none has.
    assert_eq!(town["annual_report_publication"]["expected"], 33_300);
    assert_eq!(town["annual_report_publication"]["published"], 0);
    let officer = app
        .get("/api/v1/pilot/progress", &app.token(Role::TownOfficer))
        .await
        .ok(200);
    assert_eq!(officer["cooperatives"]["total"], 37_000);
    let all = app
        .get("/api/v1/pilot/progress", &app.admin())
        .await
        .ok(200);
    assert_eq!(all["cooperatives"]["total"], 37_000);
    assert_eq!(all["annual_report_publication"]["expected"], 33_300);
}
