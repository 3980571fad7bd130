//! Bounded input: years, dates, ids and money outside their documented ranges are a 4xx
//! naming the field (never a panic or a 500), and the exports never break on stored values.

mod service;

use std::io::Cursor;

use coophub::domain::money::MAX_FEN;
use serde_json::{json, Value};

use crate::common::fixtures::books::{governance_body, report_body};
use crate::common::fixtures::registry::{csv_file, BOM};
use crate::common::{coop_body, exec, member_body, TestApp, TOWN_A};

#[actix_web::test]
async fn a_year_such_as_300000_in_a_path_or_query_is_a_422_on_year() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let report = format!("/api/v1/cooperatives/{c}/annual-reports");
    app.get(&format!("{report}/300000"), &admin)
        .await
        .field_error("year");
    // Drafting a report for such a year was a 500.
    app.put(&format!("{report}/300000"), &admin, report_body())
        .await
        .field_error("year");
    for step in ["submit", "publish"] {
        app.post(&format!("{report}/300000/{step}"), &admin, json!({}))
            .await
            .field_error("year");
    }
    app.put(&format!("{report}/1999"), &admin, report_body())
        .await
        .field_error("year");
    app.put(
        "/api/v1/counselors/1/evaluations/300000",
        &admin,
        json!({"score": 80, "rating": "good"}),
    )
    .await
    .field_error("year");
    for query in [
        "/api/v1/annual-reports?year=300000",
        "/api/v1/annual-reports/publication-rate?year=300000",
        "/api/v1/demonstration-applications?year=300000",
        "/api/v1/demonstration-directory?year=300000",
        "/api/v1/abnormal-listing-candidates?year=300000",
        "/api/v1/counselors/rankings?year=300000",
    ] {
        app.get(query, &admin).await.field_error("year");
    }
    // A year past i64 is the path's 400, not a 500; the bounds themselves are accepted.
    app.get(&format!("{report}/99999999999999999999"), &admin)
        .await
        .problem(400);
    app.get(&format!("{report}/2100"), &admin)
        .await
        .problem(404);
    app.get("/api/v1/annual-reports?year=2000", &admin)
        .await
        .ok(200);
    app.post(
        "/api/v1/demonstration-applications",
        &admin,
        json!({"cooperative_id": c, "level": "district", "year": 300000}),
    )
    .await
    .field_error("year");
}

#[actix_web::test]
async fn an_audit_instant_past_year_9999_is_a_422() {
    let app = TestApp::new().await;
    for q in [
        "since=-262143-01-01T00:00:00Z",
        "until=%2B262142-12-31T00:00:00Z",
    ] {
        let field = q.split('=').next().unwrap();
        app.get(&format!("/api/v1/audit-events?{q}"), &app.admin())
            .await
            .field_error(field);
    }
    app.get(
        "/api/v1/audit-events?since=0001-01-01T00:00:00Z",
        &app.admin(),
    )
    .await
    .ok(200);
}

#[actix_web::test]
async fn ids_out_of_range_are_404_or_400() {
    let app = TestApp::new().await;
    let admin = app.admin();
    for id in ["0", "-1", &i64::MAX.to_string()] {
        app.get(&format!("/api/v1/cooperatives/{id}"), &admin)
            .await
            .problem(404);
    }
    app.get("/api/v1/cooperatives/99999999999999999999", &admin)
        .await
        .problem(400);
    app.get("/api/v1/cooperatives/99999999999999999999/members", &admin)
        .await
        .problem(400);
}

#[actix_web::test]
async fn a_date_before_1900_is_refused_where_it_enters_and_written_as_text_if_stored() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    let admin = app.admin();
    let mut body = coop_body(1, TOWN_A);
    body["established_on"] = json!("1899-12-31");
    app.post("/api/v1/cooperatives", &admin, body.clone())
        .await
        .field_error("established_on");
    body["established_on"] = json!("1900-01-01");
    let c = app.post("/api/v1/cooperatives", &admin, body).await.ok(201)["id"]
        .as_i64()
        .unwrap();
    let mut member = member_body(1, "farmer");
    member["joined_on"] = json!("1899-12-31");
    let members = format!("/api/v1/cooperatives/{c}/members");
    app.post(&members, &admin, member)
        .await
        .field_error("joined_on");
    let mut governance = governance_body();
    governance["charter_adopted_on"] = json!("1066-10-14");
    app.put(
        &format!("/api/v1/cooperatives/{c}/governance"),
        &admin,
        governance,
    )
    .await
    .field_error("charter_adopted_on");
    // An import with such a date names its line and field.
    let csv =
        csv_file(&[crate::common::fixtures::registry::csv_row(2, TOWN_A)
            .replace("2015-03-18", "1899-12-31")]);
    let p = app.import(csv).await.field_error("established_on");
    assert_eq!(p["errors"][0]["line"], 2, "{p}");

    // A date stored before the bound (older data) no longer breaks the district's workbook.
    app.write(|conn| {
        exec(
            conn,
            "UPDATE cooperatives SET established_on = '1899-12-31'",
        );
        Ok(())
    })
    .unwrap();
    let r = app.get("/api/v1/exports/cooperatives.xlsx", &admin).await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(r.body.to_vec())).unwrap();
    let range = book.worksheet_range("合作社名录").unwrap();
    assert_eq!(
        range.rows().nth(1).unwrap()[8],
        Data::String("1899-12-31".into())
    );
}

#[actix_web::test]
async fn money_over_the_maximum_is_refused_and_the_maximum_is_accepted() {
    let app = TestApp::new().await;
    let admin = app.admin();
    let mut body = coop_body(1, TOWN_A);
    body["registered_capital_fen"] = json!(MAX_FEN + 1);
    let p = app
        .post("/api/v1/cooperatives", &admin, body.clone())
        .await
        .field_error("registered_capital_fen");
    assert!(p.to_string().contains("10000000000000"), "{p}");
    body["registered_capital_fen"] = json!(MAX_FEN);
    let c = app.post("/api/v1/cooperatives", &admin, body).await.ok(201)["id"]
        .as_i64()
        .unwrap();
    let members = format!("/api/v1/cooperatives/{c}/members");
    let mut member = member_body(1, "farmer");
    member["contribution_fen"] = json!(MAX_FEN + 1);
    app.post(&members, &admin, member.clone())
        .await
        .field_error("contribution_fen");
    // i64::MAX and past it are refused too, never wrapped.
    member["contribution_fen"] = json!(i64::MAX);
    app.post(&members, &admin, member.clone())
        .await
        .field_error("contribution_fen");
    member["contribution_fen"] = json!(MAX_FEN);
    app.post(&members, &admin, member).await.ok(201);
    let mut report = report_body();
    report["total_assets_fen"] = json!(MAX_FEN + 1);
    let year = crate::common::fixtures::books::due_year();
    app.put(
        &format!("/api/v1/cooperatives/{c}/annual-reports/{year}"),
        &admin,
        report,
    )
    .await
    .field_error("total_assets_fen");
    app.post(
        "/api/v1/service-types",
        &admin,
        json!({"code": "huge", "name": "巨额", "free": false, "price_fen": MAX_FEN + 1}),
    )
    .await
    .field_error("price_fen");
}

/// Every `_fen` field a request body or query takes states the one maximum, and every year
/// parameter the one range, in the OpenAPI document.
#[actix_web::test]
async fn the_openapi_document_states_every_bound() {
    let doc = serde_json::to_value(coophub::openapi()).unwrap();
    let mut request_schemas = std::collections::BTreeSet::new();
    let mut checked_years = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(r) =
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                request_schemas.insert(r.rsplit('/').next().unwrap().to_string());
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "year" {
                    assert_eq!(p["schema"]["minimum"], 2000, "{p}");
                    assert_eq!(p["schema"]["maximum"], 2100, "{p}");
                    checked_years += 1;
                }
            }
        }
    }
    assert!(checked_years >= 10, "{checked_years} year parameters");
    let mut checked_fen = 0;
    for name in &request_schemas {
        let schema = &doc["components"]["schemas"][name];
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            if field.ends_with("_fen") {
                assert_eq!(prop["maximum"], json!(MAX_FEN), "{name}.{field}: {prop}");
                checked_fen += 1;
            }
            if field == "year" {
                // Demonstration ratings began in 2021 (the first rating year); every other
                // year is the calendar's 2000–2100.
                let first = if matches!(name.as_str(), "ApplicationIn" | "MonitoringIn") {
                    2021
                } else {
                    2000
                };
                assert_eq!(
                    (prop["minimum"].clone(), prop["maximum"].clone()),
                    (json!(first), json!(2100)),
                    "{name}.year"
                );
            }
        }
    }
    assert!(
        checked_fen >= 15,
        "{checked_fen} money fields in {request_schemas:?}"
    );
}

#[actix_web::test]
async fn the_pilot_dashboard_for_a_far_date_is_refused_and_its_size_bounded() {
    let app = TestApp::new().await;
    let admin = app.admin();
    // A bare `+` is a space in a query string: the date cannot be read (400 naming `on`);
    // encoded, it is a date past the bound (422 on `on`).
    let p = app
        .get("/api/v1/pilot/progress?on=+262142-12-31", &admin)
        .await
        .problem(400);
    assert_eq!(p["errors"][0]["field"], "on", "{p}");
    for path in ["progress", "progress.xlsx"] {
        // Past today or before 2020 (the as-of bound) as well as past the calendar's.
        for on in [
            "%2B262142-12-31",
            "2101-01-01",
            "2100-12-31",
            "1899-12-31",
            "2019-12-31",
        ] {
            app.get(&format!("/api/v1/pilot/{path}?on={on}"), &admin)
                .await
                .field_error("on");
        }
    }
    let today = chrono::Utc::now().date_naive();
    let r = app
        .get(&format!("/api/v1/pilot/progress?on={today}"), &admin)
        .await;
    let out = r.ok(200);
    let years = out["demonstration"]["by_year"].as_object().unwrap();
    use chrono::Datelike;
    let this_year = today.year().to_string();
    assert_eq!(years.keys().next_back(), Some(&this_year));
    assert!(years.len() <= 80, "{} years", years.len());
    assert!(r.body.len() < 64 * 1024, "{} bytes", r.body.len());
}

#[actix_web::test]
async fn a_csv_of_5000_bad_lines_lists_1000_errors_and_counts_the_rest() {
    let app = TestApp::new().await;
    let bad: Vec<String> = (0..5000).map(|i| format!("bad {i},x")).collect();
    let r = app.import(format!("{BOM}{}", csv_file(&bad))).await;
    let p = r.problem(422);
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1001);
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[999]["line"], 1001);
    let last = &errors[1000];
    assert_eq!(
        (last["field"].as_str(), last["code"].as_str()),
        (Some("file"), Some("errors_truncated"))
    );
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .starts_with("4000 more errors"),
        "{last}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("4000 more errors"),
        "{p}"
    );
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn the_members_csv_export_guards_formula_cells() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let mut member = member_body(1, "farmer");
    let formula = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    member["name"] = json!(formula);
    let members = format!("/api/v1/cooperatives/{c}/members");
    app.post(&members, &app.admin(), member).await.ok(201);
    app.add_member(c, 2, "farmer").await;
    let r = app.get(&format!("{members}.csv"), &app.admin()).await;
    assert_eq!(r.status.as_u16(), 200);
    let text = String::from_utf8_lossy(&r.body).to_string();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|rec| rec.unwrap()[1].to_string())
        .collect();
    assert!(names.contains(&format!("'{formula}")), "{names:?}");
    assert!(names.contains(&"成员2".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('=')), "{names:?}");
}

#[actix_web::test]
async fn bookkeeping_takes_self_as_the_contract_writes_it() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let url = format!("/api/v1/cooperatives/{c}/governance");
    let mut body: Value = governance_body();
    body["bookkeeping"] = json!("self");
    let out = app.put(&url, &app.admin(), body.clone()).await.ok(201);
    assert_eq!(out["bookkeeping"], "self");
    assert_eq!(
        app.get(&url, &app.admin()).await.ok(200)["bookkeeping"],
        "self"
    );
    // The old spelling is read as the same value; the answer is the contract's.
    body["bookkeeping"] = json!("self_kept");
    let etag = app.get(&url, &app.admin()).await.header("etag").unwrap();
    let r = app
        .request(
            actix_web::test::TestRequest::put()
                .uri(&url)
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("If-Match", etag))
                .set_json(&body),
        )
        .await;
    assert_eq!(r.ok(200)["bookkeeping"], "self");
    body["bookkeeping"] = json!("myself");
    app.put(&url, &app.admin(), body)
        .await
        .field_error("bookkeeping");
}
