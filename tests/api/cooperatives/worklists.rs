//! `compliance_failing=` on the list and the CSV export, on four cooperatives whose failing
//! checks are known by construction.

use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{TestApp, TOWN_A, TOWN_B};

const LIST: &str = "/api/v1/cooperatives";
const CSV: &str = "/api/v1/exports/cooperatives.csv";

/// 1: five farmers (passes the member checks); 2: three farmers and two enterprises (fails
/// `farmer_share` and `non_farmer_cap`); 3: no members (fails `min_members` and
/// `farmer_share`); 4 (TOWN_B, abnormal): four farmers (fails `min_members`). None has
/// governance recorded: all fail `governance`.
async fn fixture(app: &TestApp) -> Vec<i64> {
    let mut ids = Vec::new();
    for (n, town) in [(1, TOWN_A), (2, TOWN_A), (3, TOWN_A), (4, TOWN_B)] {
        ids.push(app.create_coop(n, town).await["id"].as_i64().unwrap());
    }
    for n in 1..=5 {
        app.add_member(ids[0], n, "farmer").await;
    }
    for n in 1..=3 {
        app.add_member(ids[1], n, "farmer").await;
    }
    for n in 4..=5 {
        app.add_member(ids[1], n, "enterprise").await;
    }
    for n in 1..=4 {
        app.add_member(ids[3], n, "farmer").await;
    }
    app.post(
        &format!("/api/v1/cooperatives/{}/abnormal-listing", ids[3]),
        &app.admin(),
        json!({"reason": "未报年报"}),
    )
    .await
    .ok(201);
    ids
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn each_check_name_lists_the_cooperatives_failing_it() {
    let app = TestApp::new().await;
    let ids = fixture(&app).await;
    let admin = app.admin();
    let list = |query: String| {
        let admin = admin.clone();
        let app = &app;
        async move { app.get(&format!("{LIST}?{query}"), &admin).await.ok(200) }
    };
    for (checks, expected) in [
        ("farmer_share", vec![ids[1], ids[2]]),
        ("non_farmer_cap", vec![ids[1]]),
        ("min_members", vec![ids[2], ids[3]]),
        ("min_members,non_farmer_cap", vec![ids[1], ids[2], ids[3]]),
        ("governance", ids.clone()),
        ("representation", vec![]),
    ] {
        let page = list(format!("compliance_failing={checks}")).await;
        assert_eq!(ids_of(&page), expected, "{checks}");
        assert!(page["next_cursor"].is_null(), "{checks}");
    }
    // Combined with the other filters.
    let town = list(format!("compliance_failing=min_members&town_code={TOWN_A}")).await;
    assert_eq!(ids_of(&town), vec![ids[2]]);
    let abnormal = list("compliance_failing=min_members&status=abnormal".into()).await;
    assert_eq!(ids_of(&abnormal), vec![ids[3]]);
    let active = list("compliance_failing=farmer_share,min_members&status=active".into()).await;
    assert_eq!(ids_of(&active), vec![ids[1], ids[2]]);
    // A town officer's scope: TOWN_A only.
    let officer = app
        .get(
            &format!("{LIST}?compliance_failing=min_members"),
            &app.token(Role::TownOfficer),
        )
        .await
        .ok(200);
    assert_eq!(ids_of(&officer), vec![ids[2]]);
}

#[actix_web::test]
async fn a_filtered_list_pages_with_its_cursor() {
    let app = TestApp::new().await;
    let ids = fixture(&app).await;
    let admin = app.admin();
    let mut seen = Vec::new();
    let mut url = format!("{LIST}?compliance_failing=governance&limit=1");
    for _ in 0..10 {
        let page = app.get(&url, &admin).await.ok(200);
        let got = ids_of(&page);
        assert_eq!(got.len(), 1, "{page}");
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("{LIST}?compliance_failing=governance&limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // Two per page over the two failing `farmer_share`: one page, no cursor.
    let page = app
        .get(
            &format!("{LIST}?compliance_failing=farmer_share&limit=2"),
            &admin,
        )
        .await
        .ok(200);
    assert_eq!(ids_of(&page), vec![ids[1], ids[2]]);
    assert!(page["next_cursor"].is_null());
}

#[actix_web::test]
async fn the_csv_export_filters_and_names_the_failing_checks() {
    let app = TestApp::new().await;
    let ids = fixture(&app).await;
    let r = app
        .get(
            &format!("{CSV}?compliance_failing=non_farmer_cap"),
            &app.admin(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let mut reader = csv::Reader::from_reader(&r.body[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header.last().map(String::as_str), Some("failing_checks"));
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][10], ids[1].to_string());
    let failing: Vec<&str> = rows[0][15].split(';').collect();
    assert!(failing.contains(&"farmer_share") && failing.contains(&"non_farmer_cap"));
    assert!(!failing.contains(&"min_members"), "{failing:?}");
    // Unfiltered, every row carries its checks; the first passes the member checks.
    let all = app.get(CSV, &app.admin()).await;
    let mut reader = csv::Reader::from_reader(&all.body[3..]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[0][15].starts_with("governance;"), "{}", rows[0][15]);
}

#[actix_web::test]
async fn unknown_check_names_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin();
    for bad in ["nope", "farmer_share,nope", ",", "FARMER_SHARE"] {
        for base in [LIST, CSV, "/api/v1/exports/cooperatives.xlsx"] {
            app.get(&format!("{base}?compliance_failing={bad}"), &admin)
                .await
                .field_error("compliance_failing");
        }
    }
    let long = "a".repeat(301);
    app.get(&format!("{LIST}?compliance_failing={long}"), &admin)
        .await
        .field_error("compliance_failing");
}

/// The failing checks of a cooperative as its own compliance view tells them.
async fn failing_of(app: &TestApp, id: i64) -> String {
    let c = app
        .get(
            &format!("/api/v1/cooperatives/{id}/compliance"),
            &app.admin(),
        )
        .await
        .ok(200);
    c["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["check"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(";")
}

/// The export reads the facts of a whole chunk at once: each row still carries exactly the
/// checks its cooperative fails, whatever the others' records (governance, a published
/// report, an assembly held last year, recorded for some and not for others).
#[actix_web::test]
async fn the_export_names_each_cooperatives_own_failing_checks() {
    use crate::common::fixtures::books::{governance_body, report_body};
    use chrono::Datelike;
    let app = TestApp::new().await;
    let ids = fixture(&app).await;
    let admin = app.admin();
    let last = chrono::Utc::now().year() - 1;
    app.put(
        &format!("/api/v1/cooperatives/{}/governance", ids[0]),
        &admin,
        governance_body(),
    )
    .await
    .ok(201);
    let url = format!("/api/v1/cooperatives/{}/annual-reports/{last}", ids[0]);
    app.put(&url, &admin, report_body()).await.ok(201);
    for step in ["submit", "publish"] {
        app.post(&format!("{url}/{step}"), &admin, json!({}))
            .await
            .ok(200);
    }
    app.post(
        &format!("/api/v1/cooperatives/{}/meetings", ids[1]),
        &admin,
        json!({"kind": "member_assembly", "held_on": format!("{last}-03-15"),
            "members_total": 5, "attending": 5, "resolutions": [
            {"seq": 1, "subject": "budget", "votes_for": 5, "votes_against": 0, "abstentions": 0}]}),
    )
    .await
    .ok(201);

    let all = app.get(CSV, &admin).await;
    assert_eq!(all.status.as_u16(), 200);
    let mut reader = csv::Reader::from_reader(&all.body[3..]);
    let rows: Vec<(i64, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[10].parse().unwrap(), r[15].to_string())
        })
        .collect();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), ids);
    for (id, failing) in &rows {
        assert_eq!(failing, &failing_of(&app, *id).await, "cooperative {id}");
    }
    let of = |i: usize| rows[i].1.split(';').collect::<Vec<_>>();
    // The first: five farmers, its governance recorded (last year's report, published after
    // the deadline, still fails `annual_report`).
    assert_eq!(of(0), vec!["annual_report", "annual_assembly"]);
    for passed in ["min_members", "farmer_share", "governance"] {
        assert!(!of(0).contains(&passed), "{passed}: {:?}", of(0));
    }
    // The second: an assembly held last year, but its members fail the shares.
    assert!(!of(1).contains(&"annual_assembly"), "{:?}", of(1));
    assert!(of(1).contains(&"non_farmer_cap") && of(1).contains(&"governance"));
    for i in [0, 2, 3] {
        assert!(of(i).contains(&"annual_assembly"), "{i}: {:?}", of(i));
    }
    assert!(of(2).contains(&"min_members") && of(3).contains(&"min_members"));
    // Filtered exports carry the same column.
    let filtered = app
        .get(&format!("{CSV}?compliance_failing=annual_assembly"), &admin)
        .await;
    let mut reader = csv::Reader::from_reader(&filtered.body[3..]);
    let got: Vec<(i64, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[10].parse().unwrap(), r[15].to_string())
        })
        .collect();
    assert_eq!(
        got,
        rows.iter()
            .filter(|r| r.0 != ids[1])
            .cloned()
            .collect::<Vec<_>>()
    );
}
