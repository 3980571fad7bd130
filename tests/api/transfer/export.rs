//! The CSV and XLSX exports of the registry.

use std::io::Cursor;

use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::fixtures::registry::{csv_file, csv_row, BOM, CSV_HEADER};
use crate::common::{coop_body, uscc, Resp, TestApp, TOWN_A, TOWN_B};

const CSV: &str = "/api/v1/exports/cooperatives.csv";
const XLSX: &str = "/api/v1/exports/cooperatives.xlsx";

fn csv_rows(r: &Resp) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(r.body.starts_with(BOM.as_bytes()), "no BOM");
    let mut reader = csv::Reader::from_reader(&r.body[3..]);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[actix_web::test]
async fn csv_export_has_bom_headers_and_every_field() {
    let app = TestApp::new().await;
    let c = app.create_coop(1, TOWN_A).await;
    let r = app.get(CSV, &app.admin()).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        r.header("content-disposition").unwrap(),
        "attachment; filename=\"cooperatives.csv\""
    );
    let (header, rows) = csv_rows(&r);
    assert_eq!(
        header.join(","),
        format!("{CSV_HEADER},id,status,tier,demonstration_level,version,failing_checks")
    );
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row[0], c["name"]);
    assert_eq!(row[1], uscc(1));
    assert_eq!(row[3], "ancient_tree_tea");
    assert_eq!(row[10], c["id"].as_i64().unwrap().to_string());
    assert_eq!(row[11], "active");
    assert_eq!(row[12], "");
    assert_eq!(row[14], "1");
    // No members, no governance, no report: the checks it fails, `;`-separated.
    assert!(
        row[15].starts_with("min_members;farmer_share;governance;charter"),
        "{}",
        row[15]
    );
    // An empty registry is just the header row.
    let empty = app
        .get(&format!("{CSV}?town_code={TOWN_B}"), &app.admin())
        .await;
    assert_eq!(csv_rows(&empty).1.len(), 0);
    app.send(actix_web::http::Method::GET, CSV, None, None)
        .await
        .problem(401);
}

#[actix_web::test]
async fn csv_export_follows_filters_and_scope() {
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    app.create_coop(2, TOWN_B).await;
    let mut tea_and_rice = coop_body(3, TOWN_A);
    tea_and_rice["industry_codes"] = json!(["nanchuan_rice"]);
    app.post("/api/v1/cooperatives", &app.admin(), tea_and_rice)
        .await
        .ok(201);
    let usccs = |r: &Resp| -> Vec<String> { csv_rows(r).1.iter().map(|r| r[1].clone()).collect() };
    let admin = app.admin();
    assert_eq!(usccs(&app.get(CSV, &admin).await).len(), 3);
    assert_eq!(
        usccs(&app.get(&format!("{CSV}?town_code={TOWN_B}"), &admin).await),
        vec![uscc(2)]
    );
    assert_eq!(
        usccs(
            &app.get(&format!("{CSV}?industry=nanchuan_rice"), &admin)
                .await
        ),
        vec![uscc(3)]
    );
    assert_eq!(
        usccs(&app.get(&format!("{CSV}?status=abnormal"), &admin).await).len(),
        0
    );
    app.get(&format!("{CSV}?status=nonsense"), &admin)
        .await
        .problem(400);
    // A town officer's export holds only its town, whatever the filter asks.
    let officer = app.token(Role::TownOfficer);
    assert_eq!(usccs(&app.get(CSV, &officer).await), vec![uscc(1), uscc(3)]);
    assert!(usccs(
        &app.get(&format!("{CSV}?town_code={TOWN_B}"), &officer)
            .await
    )
    .is_empty());
    // A counselor: the towns covered; a cooperative: itself.
    let counselor_id = app.add_counselor(&[TOWN_B]);
    let counselor = app.token_for(
        Role::Counselor,
        Subject {
            counselor_id: Some(counselor_id),
            ..Default::default()
        },
    );
    assert_eq!(usccs(&app.get(CSV, &counselor).await), vec![uscc(2)]);
    assert_eq!(
        usccs(&app.get(CSV, &app.token(Role::Cooperative)).await),
        vec![uscc(1)]
    );
}

#[actix_web::test]
async fn csv_export_spans_chunks_and_reimports_into_a_fresh_database() {
    let app = TestApp::new().await;
    // More than two export chunks of 500.
    let rows: Vec<String> = (1..=1203)
        .map(|n| csv_row(n, if n % 3 == 0 { TOWN_B } else { TOWN_A }))
        .collect();
    app.import(csv_file(&rows)).await.ok(201);
    // A name that would start a spreadsheet formula survives the round trip.
    let mut risky = coop_body(5000, TOWN_A);
    risky["name"] = json!("=HYPERLINK(\"http://x\")合作社");
    risky["address"] = json!("'引号开头");
    app.post("/api/v1/cooperatives", &app.admin(), risky)
        .await
        .ok(201);
    let export = app.get(CSV, &app.admin()).await;
    assert_eq!(export.status.as_u16(), 200);
    let (_, exported) = csv_rows(&export);
    assert_eq!(exported.len(), 1204);
    let ids: Vec<i64> = exported.iter().map(|r| r[10].parse().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "in id order, no repeats");
    assert!(exported[1203][0].starts_with("'="), "formula guarded");

    let fresh = TestApp::new().await;
    let out = fresh.import(export.body.to_vec()).await.ok(201);
    assert_eq!(out["created"], 1204);
    let strip = |mut v: Value| {
        for k in ["id", "created_at", "updated_at"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let before: Vec<Value> = app.all_coops().await.into_iter().map(strip).collect();
    let after: Vec<Value> = fresh.all_coops().await.into_iter().map(strip).collect();
    assert_eq!(before.len(), 1204);
    assert_eq!(before, after);
    assert_eq!(after[1203]["name"], "=HYPERLINK(\"http://x\")合作社");
    assert_eq!(after[1203]["address"], "'引号开头");
}

#[actix_web::test]
async fn xlsx_export_is_a_workbook_with_chinese_headers() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    app.create_coop(1, TOWN_A).await;
    app.create_coop(2, TOWN_B).await;
    let r = app.get(XLSX, &app.admin()).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(
        r.content_type(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        r.header("content-disposition").unwrap(),
        "attachment; filename=\"cooperatives.xlsx\""
    );
    assert!(r.body.starts_with(b"PK"), "a zip file");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(r.body.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), vec!["合作社名录".to_string()]);
    let range = book.worksheet_range("合作社名录").unwrap();
    assert_eq!(range.height(), 3);
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[0], "编号");
    assert_eq!(header[1], "合作社名称");
    assert_eq!(header[2], "统一社会信用代码");
    let first = range.rows().nth(1).unwrap();
    assert_eq!(first[2], Data::String(uscc(1)));
    assert_eq!(first[3], Data::String("金山镇".into()));
    assert_eq!(first[5], Data::String("古树茶".into()));
    assert_eq!(first[9], Data::Float(500_000.0));
    assert_eq!(first[12], Data::String("正常".into()));

    // A town officer's workbook holds only its town.
    let r = app.get(XLSX, &app.token(Role::TownOfficer)).await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(r.body.to_vec())).unwrap();
    let range = book.worksheet_range("合作社名录").unwrap();
    assert_eq!(range.height(), 2);
    assert_eq!(range.rows().nth(1).unwrap()[2], Data::String(uscc(1)));
    // Filters apply.
    let r = app
        .get(&format!("{XLSX}?town_code={TOWN_B}"), &app.admin())
        .await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(r.body.to_vec())).unwrap();
    assert_eq!(book.worksheet_range("合作社名录").unwrap().height(), 2);
}
