//! CSV import and CSV/XLSX export of the cooperative registry.

use std::collections::HashSet;
use std::io::Cursor;

use actix_web::test::TestRequest;
use coophub::auth::jwt::Subject;
use coophub::auth::Role;
use serde_json::{json, Value};

use crate::common::{coop_body, uscc, Resp, TestApp, TOWN_A, TOWN_B};

const IMPORT: &str = "/api/v1/imports/cooperatives";
const CSV: &str = "/api/v1/exports/cooperatives.csv";
const XLSX: &str = "/api/v1/exports/cooperatives.xlsx";
const HEADER: &str = "name,uscc,town_code,industry_codes,legal_representative,phone,established_on,registered_capital_fen,address,business_scope";
const BOM: &str = "\u{feff}";

/// A CSV row like `coop_body(n, town)`.
fn row(n: u32, town: &str) -> String {
    format!(
        "南川区测试{n}号专业合作社,{},{town},ancient_tree_tea;blueberry,张三,13812345678,2015-03-18,50000000,\"金山村3组, 二号院\",茶叶种植与销售",
        uscc(n)
    )
}

fn file(rows: &[String]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

async fn import_as(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: impl Into<Vec<u8>>,
) -> Resp {
    app.request(
        TestRequest::post()
            .uri(IMPORT)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .set_payload(body.into()),
    )
    .await
}

async fn import(app: &TestApp, body: impl Into<Vec<u8>>) -> Resp {
    import_as(app, &app.admin(), "text/csv", body).await
}

async fn count(app: &TestApp) -> i64 {
    app.get("/api/v1/cooperatives?count=true&limit=1", &app.admin())
        .await
        .ok(200)["total"]
        .as_i64()
        .unwrap()
}

/// All cooperatives, in id order.
async fn all(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/cooperatives?limit=200&cursor={cursor}"),
                &app.admin(),
            )
            .await
            .ok(200);
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => return out,
        }
    }
}

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
    let mut third = row(3, TOWN_B);
    // No address or business scope: empty cells are absent values.
    third = third.replace(",\"金山村3组, 二号院\",茶叶种植与销售", ",,");
    let r = import(&app, file(&[row(1, TOWN_A), row(2, TOWN_A), third])).await;
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
    let bad = row(2, TOWN_A)
        .replace("13812345678", "12345")
        .replace(TOWN_A, "500119999")
        .replace("2015-03-18", "18/03/2015");
    let unknown_industry = row(3, TOWN_A).replace("blueberry", "unicorns");
    let r = import(
        &app,
        file(&[row(1, TOWN_A), bad, unknown_industry, row(4, TOWN_A)]),
    )
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
    assert_eq!(count(&app).await, 0);
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
    let r = import(
        &app,
        file(&[row(1, TOWN_A), row(2, TOWN_A).replace(&good, &bad_check)]),
    )
    .await;
    let p = r.problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(3, "uscc".to_string(), "checksum".to_string())]
    );
    assert!(p["detail"].as_str().unwrap().starts_with("line 3, uscc"));
    assert_eq!(count(&app).await, 0);
}

#[actix_web::test]
async fn with_and_without_bom() {
    let app = TestApp::new().await;
    import(&app, format!("{BOM}{}", file(&[row(1, TOWN_A)])))
        .await
        .ok(201);
    import(&app, file(&[row(2, TOWN_A)])).await.ok(201);
    // CRLF line ends and a charset parameter, as Excel and browsers send them.
    let crlf = file(&[row(3, TOWN_A)]).replace('\n', "\r\n");
    import_as(&app, &app.admin(), "text/csv; charset=UTF-8", crlf)
        .await
        .ok(201);
    assert_eq!(count(&app).await, 3);
    let names: HashSet<String> = all(&app)
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
    let out = import(&app, body).await.ok(201);
    assert_eq!(
        out["ignored_columns"],
        json!(["id", "remark", "status", "version"])
    );
    let c = &all(&app).await[0];
    assert_eq!(c["name"], "合作社甲");
    assert_eq!(c["status"], "active");
    assert_eq!(c["version"], 1);
    assert_eq!(c["address"], Value::Null);
    assert_ne!(c["id"], 99);
}

#[actix_web::test]
async fn header_problems_are_reported_on_line_1() {
    let app = TestApp::new().await;
    let p = import(&app, "name,uscc,phone\nx,y,z\n").await.problem(422);
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
    let p = import(&app, format!("{HEADER},name\n")).await.problem(422);
    assert!(has(&cell_errors(&p), 1, "name", "duplicate_column"));
    import(&app, "").await.field_error("body");
    import(&app, format!("{HEADER}\n,,,,,,,,,\n"))
        .await
        .field_error("body");
    // A row with the wrong number of cells.
    let p = import(&app, file(&[row(1, TOWN_A), "a,b,c".into()]))
        .await
        .problem(422);
    assert!(has(&cell_errors(&p), 3, "row", "columns"));
    // Not UTF-8 (a GBK file saved by an old Excel).
    let mut gbk = file(&[]).into_bytes();
    gbk.extend_from_slice(b"\xba\xcf\xd7\xf7\xc9\xe7,");
    gbk.extend_from_slice(row(1, TOWN_A).split_once(',').unwrap().1.as_bytes());
    gbk.push(b'\n');
    let p = import(&app, gbk).await.problem(422);
    assert!(has(&cell_errors(&p), 2, "name", "encoding"), "{p}");
    assert_eq!(count(&app).await, 0);
}

#[actix_web::test]
async fn duplicate_usccs_in_the_file_or_registered_are_errors() {
    let app = TestApp::new().await;
    let p = import(
        &app,
        file(&[row(1, TOWN_A), row(2, TOWN_A), row(1, TOWN_B)]),
    )
    .await
    .problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(4, "uscc".to_string(), "duplicate_in_file".to_string())]
    );
    // The same code in lower case is the same code.
    let lower = row(1, TOWN_B).replace(&uscc(1), &uscc(1).to_lowercase());
    let p = import(&app, file(&[row(1, TOWN_A), lower]))
        .await
        .problem(422);
    assert!(has(&cell_errors(&p), 3, "uscc", "duplicate_in_file"));
    app.create_coop(5, TOWN_A).await;
    let p = import(&app, file(&[row(4, TOWN_A), row(5, TOWN_A)]))
        .await
        .problem(422);
    assert_eq!(
        cell_errors(&p),
        vec![(3, "uscc".to_string(), "already_registered".to_string())]
    );
    assert_eq!(count(&app).await, 1);
}

#[actix_web::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::new().await;
    let body = file(&[row(1, TOWN_A)]);
    for ct in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "text/csv; charset=gbk",
    ] {
        import_as(&app, &app.admin(), ct, body.clone())
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
    assert_eq!(count(&app).await, 0);
}

#[actix_web::test]
async fn a_body_over_32_mib_is_413() {
    let app = TestApp::new().await;
    let line = row(1, TOWN_A);
    let mut body = format!("{HEADER}\n");
    while body.len() <= 32 * 1024 * 1024 {
        body.push_str(&line);
        body.push('\n');
    }
    import(&app, body.clone()).await.problem(413);
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
    assert_eq!(count(&app).await, 0);
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
        import_as(&app, &app.token(role), "text/csv", file(&[row(1, TOWN_A)]))
            .await
            .problem(403);
    }
    let r = app
        .request(
            TestRequest::post()
                .uri(IMPORT)
                .insert_header(("Content-Type", "text/csv"))
                .set_payload(file(&[row(1, TOWN_A)])),
        )
        .await;
    r.problem(401);
    assert_eq!(count(&app).await, 0);
}

#[actix_web::test]
async fn town_officer_imports_only_its_own_town() {
    let app = TestApp::new().await;
    let officer = app.token(Role::TownOfficer);
    let p = import_as(
        &app,
        &officer,
        "text/csv",
        file(&[row(1, TOWN_A), row(2, TOWN_B), row(3, TOWN_A)]),
    )
    .await
    .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("lines 3"), "{p}");
    assert_eq!(count(&app).await, 0);
    let out = import_as(
        &app,
        &officer,
        "text/csv",
        file(&[row(1, TOWN_A), row(3, TOWN_A)]),
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
        format!("{HEADER},id,status,tier,demonstration_level,version")
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
        .map(|n| row(n, if n % 3 == 0 { TOWN_B } else { TOWN_A }))
        .collect();
    import(&app, file(&rows)).await.ok(201);
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
    let out = import(&fresh, export.body.to_vec()).await.ok(201);
    assert_eq!(out["created"], 1204);
    let strip = |mut v: Value| {
        for k in ["id", "created_at", "updated_at"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let before: Vec<Value> = all(&app).await.into_iter().map(strip).collect();
    let after: Vec<Value> = all(&fresh).await.into_iter().map(strip).collect();
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
