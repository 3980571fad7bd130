//! CSV import and CSV/XLSX export of the cooperative registry.

mod export;
mod service;

use std::collections::HashSet;

use actix_web::test::TestRequest;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::registry::{csv_file, csv_row, BOM, CSV_HEADER, IMPORT};
use crate::common::{uscc, TestApp, TOWN_A, TOWN_B};

/// The errors of a 422 as (line, field, code).
fn cell_errors(p: &Value) -> Vec<(i64, String, String)> {
    p["errors"]
        .as_array()
        .expect("errors[]")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(-1),
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(errors: &[(i64, String, String)], line: i64, field: &str, code: &str) -> bool {
    errors
        .iter()
        .any(|(l, f, c)| *l == line && f == field && c == code)
}

#[actix_web::test]
async fn import_registers_every_row_and_audits_it() {
    let app = TestApp::new().await;
    let mut third = csv_row(3, TOWN_B);
    // No address or business scope: empty cells are absent values.
    third = third.replace(",\"金山村3组, 二号院\",茶叶种植与销售", ",,");
    let r = app
        .import(csv_file(&[csv_row(1, TOWN_A), csv_row(2, TOWN_A), third]))
        .await;
    let out = r.ok(201);
    assert_eq!(out["created"], 3);
    assert_eq!(out["ignored_columns"], json!([]));
    let ids: Vec<i64> = out["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let c = app
        .get(&format!("/api/v1/cooperatives/{}", ids[0]), &app.admin())
        .await
        .ok(200);
    assert_eq!(c["uscc"], uscc(1));
    assert_eq!(c["name"], "南川区测试1号专业合作社");
    assert_eq!(
        c["industry_codes"],
        json!(["ancient_tree_tea", "blueberry"])
    );
    assert_eq!(c["address"], "金山村3组, 二号院");
    assert_eq!(c["established_on"], "2015-03-18");
    assert_eq!(c["registered_capital_fen"], 50_000_000);
    assert_eq!(c["status"], "active");
    assert_eq!(c["version"], 1);
    let c3 = app
        .get(&format!("/api/v1/cooperatives/{}", ids[2]), &app.admin())
        .await
        .ok(200);
    assert_eq!(c3["town_code"], TOWN_B);
    assert_eq!(c3["address"], Value::Null);
    assert_eq!(c3["business_scope"], Value::Null);
    let audit = app
        .get(
            "/api/v1/audit-events?entity=cooperative&action=import&count=true",
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["total"], 3);
    assert_eq!(audit["items"][0]["actor_role"], "district_admin");
}

#[actix_web::test]
async fn one_bad_row_writes_nothing_and_names_line_and_field() {
    let app = TestApp::new().await;
    let bad = csv_row(2, TOWN_A)
        .replace("13812345678", "12345")
        .replace(TOWN_A, "500119999")
        .replace("2015-03-18", "18/03/2015");
    let unknown_industry = csv_row(3, TOWN_A).replace("blueberry", "unicorns");
    let r = app
        .import(csv_file(&[
            csv_row(1, TOWN_A),
            bad,
            unknown_industry,
            csv_row(4, TOWN_A),
        ]))
        .await;
    let p = r.problem(422);
    let errors = cell_errors(&p);
    assert!(has(&errors, 3, "phone", "phone"), "{errors:?}");
    assert!(
        has(&errors, 3, "established_on", "invalid_value"),
        "{errors:?}"
    );
    assert!(has(&errors, 3, "town_code", "unknown_code"), "{errors:?}");
    assert!(
        has(&errors, 4, "industry_codes.1", "unknown_code"),
        "{errors:?}"
    );
    assert!(
        errors.iter().all(|(l, _, _)| *l == 3 || *l == 4),
        "{errors:?}"
    );
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    assert_eq!(app.coop_count().await, 0);
    let audit = app
        .get(
            "/api/v1/audit-events?action=import&count=true",
            &app.admin(),
        )
        .await
        .ok(200);
    assert_eq!(audit["total"], 0);
}

#[actix_web::test]
async fn a_single_bad_uscc_is_reported_on_its_line() {
    let app = TestApp::new().await;
    let good = uscc(2);
    let bad_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let r = app
        .import(csv_file(&[
            csv_row(1, TOWN_A),
            csv_row(2, TOWN_A).replace(&good, &bad_check),
        ]))
        .await;
    let p = r.problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(3, "uscc".to_string(), "checksum".to_string())]
    );
    assert!(p["detail"].as_str().unwrap().starts_with("line 3, uscc"));
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn with_and_without_bom() {
    let app = TestApp::new().await;
    app.import(format!("{BOM}{}", csv_file(&[csv_row(1, TOWN_A)])))
        .await
        .ok(201);
    app.import(csv_file(&[csv_row(2, TOWN_A)])).await.ok(201);
    // CRLF line ends and a charset parameter, as Excel and browsers send them.
    let crlf = csv_file(&[csv_row(3, TOWN_A)]).replace('\n', "\r\n");
    app.import_as(&app.admin(), "text/csv; charset=UTF-8", crlf)
        .await
        .ok(201);
    assert_eq!(app.coop_count().await, 3);
    let names: HashSet<String> = app
        .all_coops()
        .await
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains("南川区测试1号专业合作社"), "{names:?}");
}

#[actix_web::test]
async fn unknown_columns_are_ignored_and_order_is_free() {
    let app = TestApp::new().await;
    let body = format!(
        "id,remark,phone,name,uscc,status,town_code,industry_codes,legal_representative,established_on,registered_capital_fen,version\n\
         99,备注,13812345678,合作社甲,{},abnormal,{TOWN_A},herbal_medicine,李四,2020-01-02,0,7\n",
        uscc(1)
    );
    let out = app.import(body).await.ok(201);
    assert_eq!(
        out["ignored_columns"],
        json!(["id", "remark", "status", "version"])
    );
    let c = &app.all_coops().await[0];
    assert_eq!(c["name"], "合作社甲");
    assert_eq!(c["status"], "active");
    assert_eq!(c["version"], 1);
    assert_eq!(c["address"], Value::Null);
    assert_ne!(c["id"], 99);
}

#[actix_web::test]
async fn header_problems_are_reported_on_line_1() {
    let app = TestApp::new().await;
    let p = app.import("name,uscc,phone\nx,y,z\n").await.problem(422);
    let errors = cell_errors(&p);
    for col in [
        "town_code",
        "industry_codes",
        "legal_representative",
        "established_on",
        "registered_capital_fen",
    ] {
        assert!(has(&errors, 1, col, "required"), "{col}: {errors:?}");
    }
    let p = app
        .import(format!("{CSV_HEADER},name\n"))
        .await
        .problem(422);
    assert!(has(&cell_errors(&p), 1, "name", "duplicate_column"));
    app.import("").await.field_error("body");
    app.import(format!("{CSV_HEADER}\n,,,,,,,,,\n"))
        .await
        .field_error("body");
    // A row with the wrong number of cells.
    let p = app
        .import(csv_file(&[csv_row(1, TOWN_A), "a,b,c".into()]))
        .await
        .problem(422);
    assert!(has(&cell_errors(&p), 3, "row", "columns"));
    // Not UTF-8 (a GBK file saved by an old Excel).
    let mut gbk = csv_file(&[]).into_bytes();
    gbk.extend_from_slice(b"\xba\xcf\xd7\xf7\xc9\xe7,");
    gbk.extend_from_slice(csv_row(1, TOWN_A).split_once(',').unwrap().1.as_bytes());
    gbk.push(b'\n');
    let p = app.import(gbk).await.problem(422);
    assert!(has(&cell_errors(&p), 2, "name", "encoding"), "{p}");
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn duplicate_usccs_in_the_file_or_registered_are_errors() {
    let app = TestApp::new().await;
    let p = app
        .import(csv_file(&[
            csv_row(1, TOWN_A),
            csv_row(2, TOWN_A),
            csv_row(1, TOWN_B),
        ]))
        .await
        .problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(4, "uscc".to_string(), "duplicate_in_file".to_string())]
    );
    // The same code in lower case is the same code.
    let lower = csv_row(1, TOWN_B).replace(&uscc(1), &uscc(1).to_lowercase());
    let p = app
        .import(csv_file(&[csv_row(1, TOWN_A), lower]))
        .await
        .problem(422);
    assert!(has(&cell_errors(&p), 3, "uscc", "duplicate_in_file"));
    app.create_coop(5, TOWN_A).await;
    let p = app
        .import(csv_file(&[csv_row(4, TOWN_A), csv_row(5, TOWN_A)]))
        .await
        .problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(3, "uscc".to_string(), "already_registered".to_string())]
    );
    assert_eq!(app.coop_count().await, 1);
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::new().await;
    let body = csv_file(&[csv_row(1, TOWN_A)]);
    for ct in ["application/json", "text/plain", "text/csv; charset=gbk"] {
        app.import_as(&app.admin(), ct, body.clone())
            .await
            .problem(415);
    }
    let r = app
        .request(
            TestRequest::post()
                .uri(IMPORT)
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .set_payload(body),
        )
        .await;
    r.problem(415);
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn a_body_over_32_mib_is_413() {
    let app = TestApp::new().await;
    let line = csv_row(1, TOWN_A);
    let mut body = format!("{CSV_HEADER}\n");
    while body.len() <= 32 * 1024 * 1024 {
        body.push_str(&line);
        body.push('\n');
    }
    app.import(body.clone()).await.problem(413);
    // A client that under-declares the length is cut off while the body is read.
    let r = app
        .request(
            TestRequest::post()
                .uri(IMPORT)
                .insert_header(("Authorization", format!("Bearer {}", app.admin())))
                .insert_header(("Content-Type", "text/csv"))
                .set_payload(body)
                .insert_header(("Content-Length", "100")),
        )
        .await;
    r.problem(413);
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn roles_that_may_not_register_are_refused() {
    let app = TestApp::new().await;
    for role in [
        Role::Counselor,
        Role::Cooperative,
        Role::BankPartner,
        Role::ServiceCenter,
        Role::Observer,
    ] {
        app.import_as(
            &app.token(role),
            "text/csv",
            csv_file(&[csv_row(1, TOWN_A)]),
        )
        .await
        .problem(403);
    }
    let r = app
        .request(
            TestRequest::post()
                .uri(IMPORT)
                .insert_header(("Content-Type", "text/csv"))
                .set_payload(csv_file(&[csv_row(1, TOWN_A)])),
        )
        .await;
    r.problem(401);
    assert_eq!(app.coop_count().await, 0);
}

#[actix_web::test]
async fn town_officer_imports_only_its_own_town() {
    let app = TestApp::new().await;
    let officer = app.token(Role::TownOfficer);
    let p = app
        .import_as(
            &officer,
            "text/csv",
            csv_file(&[csv_row(1, TOWN_A), csv_row(2, TOWN_B), csv_row(3, TOWN_A)]),
        )
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("lines 3"), "{p}");
    assert_eq!(app.coop_count().await, 0);
    let out = app
        .import_as(
            &officer,
            "text/csv",
            csv_file(&[csv_row(1, TOWN_A), csv_row(3, TOWN_A)]),
        )
        .await
        .ok(201);
    assert_eq!(out["created"], 2);
    let audit = app
        .get("/api/v1/audit-events?action=import", &app.admin())
        .await
        .ok(200);
    assert_eq!(audit["items"][0]["actor_role"], "town_officer");
}
